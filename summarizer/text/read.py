"""The read stage: a file path in, a `SourceText` out.

Plain text (.txt/.text/.md) is decoded from any of the encodings Chinese reports come in
(UTF-8 with or without BOM, UTF-16/32, GBK/GB18030, Big5); .docx, .doc, .html and .pdf are
converted to plain text (see `summarizer.text.ingest`). Every failure is an `InputError` with one
line naming the file.

The offset rule, the one every command follows (summarize, check, eval, the viewer): offsets
index `SourceText.text`, which is the decoded text **without a byte-order mark** and with
"\r\n" and lone "\r" turned into "\n"; for .docx/.doc/.html/.pdf it is the extracted text.
A BOM is never part of the text: its length is not counted, so offset 0 is the first
character after it. Anything read from a source file for its offsets goes through
`read_source` so the rule holds everywhere.

What the reader learns from the format travels on: masks over format syntax (Markdown
markup, PDF page breaks, HTML page chrome), the PDF pages read by OCR, and a simplified copy
of a traditional-character text for the rule stages.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import threading
from collections.abc import Iterable
from pathlib import Path

from summarizer.core.document import Mask, SourceText
from summarizer.core.errors import InputError

#: Extensions `read_source` accepts (lower case, with the dot), for the batch command's walk.
SUPPORTED_EXTENSIONS: tuple[str, ...] = (
    ".txt",
    ".text",
    ".md",
    ".docx",
    ".doc",
    ".html",
    ".htm",
    ".pdf",
)

_FORMAT_BY_EXTENSION: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".docx": "docx",
    ".doc": "doc",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}

# Magic numbers of files people rename by mistake. Checked before any decoding because
# some (ZIP's "PK", "%PDF-") are plain ASCII and would otherwise decode as "text".
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.doc/.xls)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an executable"),
    (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"{\\rtf", "an RTF document"),
)

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # UTF-32 LE's BOM starts with UTF-16 LE's, so UTF-32 is tried first.
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)

# C0 controls other than \t \n \v \f \r, DEL and the C1 block: text never holds many of
# these, binary data and wrong single-byte guesses do.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01
_CONTROL_SAMPLE_CHARS = 200_000

# Very frequent characters of Chinese prose and of these reports, in simplified and
# traditional script. The right one of two strict decodings (GB18030 vs Big5) hits these
# often; the wrong one produces rare characters, kana, symbols and private-use code points.
_FREQUENT_SIMPLIFIED = (
    "的是在年工作区发展业企项目进设经济一不了有和人这中大为上个国以要时来们到地出就对成会可"
    "主动同也能下过产面而方后多定行学法所民得十三之着等部度家力里如高自二理起现实加量都两体"
    "制机当使点从本开合还因由其些然前外政四日社事平全表间样与关各重新内数正心明原利比或但质"
    "第向道此变条只结解问意建月公无系情者最立代已通并提直题党程五果员位入常文总次品式活及管"
    "特件长求基资路级统接较将组计别期根论运农指强放决则任取据处保治规领东导增思术极交受联共"
    "权收证改清再采转更单务具万每至达积示议报完名确才科信节整空元况今集步群广记需段研界究观"
    "越织装算持众复容须际商非验连断深难近千周委素技备半办省列习响约支般感劳便团历市何除消构"
    "府称准精值号率维划选标写存亲效院查型按格养易置层片始专状育厂识适属包住调满县局照参细引"
    "该价严招投服务园营税新项亿万元"
)
_FREQUENT_TRADITIONAL = (
    "的是在年工作區發展業企項目進設經濟一不了有和人這中大為上個國以要時來們到地出就對成會可"
    "主動同也能下過產面而方後多定行學法所民得十三之著等部度家力裡如高自二理起現實加量都兩體"
    "制機當使點從本開合還因由其些然前外政四日社事平全表間樣與關各重新內數正心明原利比或但質"
    "第向道此變條只結解問意建月公無系情者最立代已通並提直題黨程五果員位入常文總次品式活及管"
    "特件長求基資路級統接較將組計別期根論運農指強放決則任取據處保治規領東導增思術極交受聯共"
    "權收證改清再採轉更單務具萬每至達積示議報完名確才科信節整空元況今集步群廣記需段研界究觀"
    "越織裝算持眾複容須際商非驗連斷深難近千周委素技備半辦省列習響約支般感勞便團歷市何除消構"
    "府稱準精值號率維劃選標寫存親效院查型按格養易置層片始專狀育廠識適屬包住調滿縣局照參細引"
    "該價嚴招投服務園營稅新項億萬元"
)
_CJK_PUNCTUATION = "，。、；：？！“”‘’（）《》【】—…·"
_FREQUENT_CHARS = frozenset(_FREQUENT_SIMPLIFIED + _FREQUENT_TRADITIONAL + _CJK_PUNCTUATION)
# What a wrong GB18030/Big5 decoding tends to produce: private use, kana, hangul, bopomofo,
# Greek/Cyrillic, box drawing, CJK compatibility and small forms, rare extension-A ideographs.
_UNLIKELY_RE = re.compile(
    "[\u0370-\u04ff\u2500-\u257f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf"
    "\uac00-\ud7af\ue000-\uf8ff\uf900-\ufaff\ufe30-\ufe6f]"
)
_SCORE_SAMPLE_CHARS = 50_000
# Characters of ordinary Chinese or English text: printable ASCII and whitespace, CJK
# symbols and punctuation, CJK ideographs, fullwidth forms.
_PLAUSIBLE_RE = re.compile(
    "[\t\n\r\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
)


def read_source(
    path: str | os.PathLike[str], *, max_bytes: int | None = None, defer_ocr: bool = False
) -> SourceText:
    """Read and decode one input file; raise `InputError` (one line naming it) if it can't.

    `defer_ocr`: a PDF that needs OCR raises `OcrDeferred` instead (see text/bounded.py)."""
    name = os.fspath(path)
    data = _read_bytes(name, max_bytes)
    ext = os.path.splitext(name)[1].lower()
    fmt = _FORMAT_BY_EXTENSION[ext]
    sha = hashlib.sha256(data).hexdigest()
    masks: list[Mask] = []
    warnings: list[str] = []
    ocr_pages: tuple[int, ...] = ()
    encoding = "utf-8"
    if fmt in ("txt", "md"):
        text, encoding = decode_bytes(data, name, warnings)
        text = normalize_newlines(text)
        if fmt == "md":
            from summarizer.text.ingest.markdown import markdown_markup

            masks.extend(Mask(a, b, "Markdown markup") for a, b in markdown_markup(text))
    elif fmt == "html":
        from summarizer.text.ingest.html import chrome_spans, html_to_text

        raw, encoding = decode_bytes(data, name, warnings)
        raw = normalize_newlines(raw)
        text = html_to_text(raw)
        if text.strip():
            masks.extend(Mask(a, b, "page chrome") for a, b in chrome_spans(raw, text))
    elif fmt == "docx":
        from summarizer.text.ingest.office import docx_text

        text = normalize_newlines(docx_text(data, name))
    elif fmt == "doc":
        from summarizer.text.ingest.office import doc_text

        text = normalize_newlines(doc_text(data, name))
    else:
        from summarizer.text.ingest.pdf import read_pdf

        pdf = read_pdf(data, name, defer_ocr=defer_ocr)
        text, ocr_pages = pdf.text, pdf.ocr_pages
        masks.extend(Mask(a, b, why) for a, b, why in pdf.masks)
        warnings.extend(pdf.warnings)
    if not text.strip():
        what = "contains only whitespace" if fmt in ("txt", "md") else "has no text"
        raise InputError(f"the file {what}; nothing to summarize", path=name)
    from summarizer.text.ingest.script import simplified_view

    simplified = simplified_view(text)
    if simplified is not None:
        warnings.append(
            "written in traditional characters: analysed through a simplified copy; "
            "quotes and offsets stay in the original text"
        )
    return SourceText(
        path=name,
        text=text,
        encoding=encoding,
        format=fmt,
        sha256=sha,
        masks=tuple(masks),
        simplified=simplified,
        ocr_pages=ocr_pages,
        warnings=tuple(warnings),
    )


def html_to_text(html: str) -> str:
    """Visible text of an HTML page (see `summarizer.text.ingest.html`)."""
    from summarizer.text.ingest.html import html_to_text as visible_text

    return visible_text(html)


def normalize_newlines(text: str) -> str:
    """Turn "\\r\\n" and lone "\\r" into "\\n"; change nothing else."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_bytes(name: str, max_bytes: int | None) -> bytes:
    try:
        st = os.stat(name)
    except FileNotFoundError:
        raise InputError("no such file", path=name) from None
    except PermissionError:
        raise InputError("permission denied", path=name) from None
    except OSError as e:
        raise InputError(f"cannot open ({e.strerror or e})", path=name) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(
            "is a directory, not a file; use `summarizer batch` for folders", path=name
        )
    if not stat.S_ISREG(st.st_mode):
        # A FIFO or device would block or never end.
        raise InputError("not a regular file", path=name)
    ext = os.path.splitext(name)[1].lower()
    if ext not in _FORMAT_BY_EXTENSION:
        shown = ext or "(none)"
        raise InputError(
            f"unsupported file extension {shown}; supported: {' '.join(SUPPORTED_EXTENSIONS)}",
            path=name,
        )
    if st.st_size == 0:
        raise InputError("the file is empty", path=name)
    if max_bytes is not None and st.st_size > max_bytes:
        raise _too_big(name, st.st_size, max_bytes)
    try:
        with open(name, "rb") as f:
            # Bounded even if the file grows between stat and read; sized from the file, as
            # read(n) allocates n bytes up front (a 100 MB limit cost 100 MB per file).
            if max_bytes is None:
                data = f.read()
            else:
                data = f.read(min(st.st_size, max_bytes) + 1)
                if len(data) <= max_bytes and len(data) > st.st_size:  # it grew meanwhile
                    data += f.read(max_bytes + 1 - len(data))
    except PermissionError:
        raise InputError("permission denied", path=name) from None
    except OSError as e:
        raise InputError(f"cannot read ({e.strerror or e})", path=name) from None
    if max_bytes is not None and len(data) > max_bytes:
        raise _too_big(name, len(data), max_bytes)
    if not data:
        raise InputError("the file is empty", path=name)
    return data


def _too_big(name: str, size: int, limit: int) -> InputError:
    mib = 1024 * 1024
    return InputError(
        f"file is {size:,} bytes ({size / mib:.1f} MB), over the limit of "
        f"{limit:,} bytes ({limit / mib:.1f} MB); raise it with --max-file-mb",
        path=name,
    )


#: A UTF-8 file with at most this share of invalid bytes (a truncated download, a flipped
#: byte) is read with U+FFFD in their place and a warning naming their offsets; a GBK or
#: Big5 file read as UTF-8 has far more (most of its Chinese byte pairs are invalid).
MAX_REPLACED_SHARE = 0.01
#: Offsets named in the warning (the count is always given).
_SHOWN_OFFSETS = 5


def decode_bytes(
    data: bytes, name: str = "<bytes>", warnings: list[str] | None = None
) -> tuple[str, str]:
    """Decode text bytes; return (text, encoding name). Raise `InputError` for binary data.

    A few invalid bytes in otherwise valid UTF-8 are replaced (U+FFFD) with a warning
    appended to `warnings` naming their byte offsets."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(codec), label, name)
            except UnicodeDecodeError:
                raise InputError(
                    f"undecodable: has a {label} BOM but invalid data",
                    path=name,
                ) from None
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"binary file ({what}), not text", path=name)
    try:
        return _checked(data.decode("utf-8"), "utf-8", name)
    except UnicodeDecodeError:
        pass
    mended = _utf8_with_replacement(data)
    if mended is not None:
        text, offsets = mended
        shown = ", ".join(f"{o:,}" for o in offsets[:_SHOWN_OFFSETS])
        more = f" and {len(offsets) - _SHOWN_OFFSETS} more" if len(offsets) > _SHOWN_OFFSETS else ""
        if warnings is not None:
            warnings.append(
                f"{len(offsets)} invalid UTF-8 byte(s) at byte offset(s) {shown}{more} were "
                "replaced with U+FFFD (a truncated or damaged file?); the rest reads as UTF-8"
            )
        return _checked(text, "utf-8", name)
    if b"\x00" in data:
        text16 = _utf16_without_bom(data)
        if text16 is not None:
            return _checked(text16, "utf-16", name)
        raise InputError("binary file (contains NUL bytes), not text", path=name)
    gb = _try_decode(data, "gb18030")
    big5 = _try_decode(data, "big5")
    if big5 is None:
        big5 = _try_decode(data, "cp950")
        big5_label = "cp950"
    else:
        big5_label = "big5"
    if gb is not None and big5 is not None:
        if _chinese_score(big5) > _chinese_score(gb):
            return _checked(big5, big5_label, name)
        return _checked(gb, "gb18030", name)
    if gb is not None:
        return _checked(gb, "gb18030", name)
    if big5 is not None:
        return _checked(big5, big5_label, name)
    return _checked(*_guess(data, name), name)


class _Replaced(threading.local):
    offsets: list[int] | None = None
    limit = 0


_REPLACED = _Replaced()
_HANDLER = "summarizer-utf8-offsets"


def _note_replaced(e: UnicodeError) -> tuple[str, int]:
    # One handler for the process, its record per thread: batches decode in threads.
    assert isinstance(e, UnicodeDecodeError) and _REPLACED.offsets is not None
    _REPLACED.offsets.extend(range(e.start, e.end))
    if len(_REPLACED.offsets) > _REPLACED.limit:
        raise e
    return "\ufffd" * (e.end - e.start), e.end


codecs.register_error(_HANDLER, _note_replaced)


def _utf8_with_replacement(data: bytes) -> tuple[str, list[int]] | None:
    """UTF-8 with each invalid byte replaced, and their offsets; None when they are more than
    MAX_REPLACED_SHARE of the bytes (then the file is not UTF-8 at all)."""
    _REPLACED.offsets, _REPLACED.limit = [], max(1, int(len(data) * MAX_REPLACED_SHARE))
    try:
        text = data.decode("utf-8", errors=_HANDLER)
    except UnicodeDecodeError:
        return None
    finally:
        offsets, _REPLACED.offsets = _REPLACED.offsets, None
    return text, offsets


def _try_decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _utf16_without_bom(data: bytes) -> str | None:
    """The text if the bytes read as UTF-16 (LE or BE) without a BOM, else None."""
    if len(data) % 2:
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        text = _try_decode(data, codec)
        # NUL parity alone misleads: 一 (U+4E00) and 开 (U+5F00) hold a NUL byte too. Text
        # read with the right byte order is ASCII and CJK; wrong order or binary is mostly not.
        if text is not None and _plausible_share(text) >= 0.9:
            return text
    return None


def _plausible_share(text: str) -> float:
    sample = text[:_SCORE_SAMPLE_CHARS]
    if not sample:
        return 0.0
    return len(_PLAUSIBLE_RE.findall(sample)) / len(sample)


def _chinese_score(text: str) -> float:
    """How Chinese a decoding looks: frequent characters up, unlikely characters down."""
    sample = text[:_SCORE_SAMPLE_CHARS]
    non_ascii = 0
    score = 0
    for ch in sample:
        if ch > "\x7f":
            non_ascii += 1
            if ch in _FREQUENT_CHARS:
                score += 1
            elif _UNLIKELY_RE.match(ch):
                score -= 1
    return score / non_ascii if non_ascii else 0.0


def _guess(data: bytes, name: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(
            "undecodable: not valid UTF-8, GBK/GB18030 or Big5 text; convert it to UTF-8",
            path=name,
        )
    return str(best), str(best.encoding)


def _checked(text: str, encoding: str, name: str) -> tuple[str, str]:
    sample = text[:_CONTROL_SAMPLE_CHARS]
    controls = sum(1 for _ in _CONTROL_RE.finditer(sample))
    if sample and controls / len(sample) > _MAX_CONTROL_SHARE:
        raise InputError("binary file (many control characters), not text", path=name)
    return text, encoding


def source_candidates(
    recorded: str, output_path: str | os.PathLike[str] | None = None, dirs: Iterable[Path] = ()
) -> list[Path]:
    """Where the source an output records may be, in the order to try: the path itself when
    absolute; else relative to the output's folder and each folder above it (`batch` records
    paths relative to where it ran, usually above its output folder), then to the current
    folder; then the file's name in each of `dirs` (a --sources folder)."""
    path = Path(recorded)
    if path.is_absolute():
        out = [path]
    else:
        here = [Path(output_path).resolve().parent] if output_path is not None else []
        above = [d / path for h in here for d in (h, *h.parents)]
        out = [*above, Path.cwd() / path]
    out += [Path(d) / path.name for d in dirs]
    return list(dict.fromkeys(out))


def locate_source(
    recorded: str,
    sha256: str | None = None,
    output_path: str | os.PathLike[str] | None = None,
    dirs: Iterable[Path] = (),
) -> tuple[Path | None, list[Path]]:
    """The source file of an output: the first candidate whose bytes hash to `sha256`, else
    the first that exists (the caller reports a changed source), else None; and the candidates
    tried, for the message."""
    candidates = source_candidates(recorded, output_path, dirs)
    found = [c for c in candidates if c.is_file()]
    if sha256 is not None:
        for c in found:
            try:
                if hashlib.sha256(c.read_bytes()).hexdigest() == sha256:
                    return c, candidates
            except OSError:
                continue
    return (found[0] if found else None), candidates
