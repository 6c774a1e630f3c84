"""The house rules, kept by grep: each rule of docs/ARCHITECTURE.md that a search can check
is a test here, so a change that breaks one fails the suite with the lines that break it.

Each rule is a pattern, the folders it may appear in, and zero hits elsewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "summarizer"

# Every name the registry and the provider presets know (core/config.py spells them once as
# Literal types; comparing against one of them outside backends/ is what the seam replaces).
_NAMES = r"(?:offline|openai|fake|deepseek|qwen|ollama|vllm|llamacpp)"
_SDK_ERRORS = (
    r"\b(?:APIConnectionError|APITimeoutError|APIStatusError|APIError|RateLimitError|"
    r"AuthenticationError|PermissionDeniedError|NotFoundError|ConnectError|ConnectTimeout|"
    r"TransportError)\b|^\s*(?:import openai|from openai\b)"
)

RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    # rule: (pattern, the folders and files where it may appear)
    "backend or provider name compared": (
        rf"""(?:==|!=)\s*["']{_NAMES}["']|["']{_NAMES}["']\s*(?:==|!=)|"""
        rf"""\bin\s*[(\[{{]\s*["']{_NAMES}["']""",
        ("backends/",),
    ),
    "a backend's method found by getattr": (r"getattr\(\s*(?:self\.)?backend\b", ()),
    "an SDK's exception class or import": (_SDK_ERRORS, ("backends/",)),
}


def _hits(pattern: str, allowed: tuple[str, ...]) -> list[str]:
    regex = re.compile(pattern, re.M)
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(allowed):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if regex.search(line) and not line.lstrip().startswith("#"):
                out.append(f"summarizer/{rel}:{number}: {line.strip()}")
    return out


@pytest.mark.parametrize("rule", list(RULES))
def test_no_hits_outside_their_home(rule: str) -> None:
    pattern, allowed = RULES[rule]
    assert _hits(pattern, allowed) == [], rule


@pytest.mark.parametrize(
    ("rule", "line"),
    [
        ("backend or provider name compared", 'if backend_name == "offline":'),
        ("backend or provider name compared", "if settings.provider != 'llamacpp':"),
        ("backend or provider name compared", 'if name in ("openai", "qwen"):'),
        ("a backend's method found by getattr", 'build = getattr(backend, "chunk_request", None)'),
        ("an SDK's exception class or import", "except openai.APIConnectionError:"),
        ("an SDK's exception class or import", 'if names & {"ConnectError"}:'),
        ("an SDK's exception class or import", "import openai"),
    ],
)
def test_each_pattern_catches_what_it_forbids(rule: str, line: str) -> None:
    assert re.search(RULES[rule][0], line, re.M)


@pytest.mark.parametrize(
    ("rule", "line"),
    [
        ("backend or provider name compared", 'Settings(backend="offline")'),
        ("backend or provider name compared", 'if field_name == "other":'),
        ("an SDK's exception class or import", "except FileNotFoundError:"),
    ],
)
def test_each_pattern_lets_the_innocent_pass(rule: str, line: str) -> None:
    assert not re.search(RULES[rule][0], line, re.M)
