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

# Direction words as a regex alternative or a whole string (增长|下降, "下降"): lexicon/words.py.
_DIRECTION = (
    r"增长|增加|提高|提升|上升|上涨|攀升|下降|减少|回落|降低|下滑|下跌|压减|压降|缩减|增速|增幅|"
    r"增长率|降幅|涨幅|跌幅"
)
# Two or more sentence or clause marks in one character class or one all-punctuation string
# ([。；;], "，,；;"): a punctuation class of lexicon/words.py spelled again.
_MARKS = "。！？；：，、"
_PUNCTUATION = (
    rf"\[\^?[^\]\n]*[{_MARKS}][^\]\n]*[{_MARKS}][^\]\n]*\]"
    rf"|([\"'])[\s{_MARKS}!?;:,.”’」』)）]*[{_MARKS}][\s{_MARKS}!?;:,.”’」』)）]*[{_MARKS}]"
    rf"[\s{_MARKS}!?;:,.”’」』)）]*\1"
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
    "a direction word list": (
        rf"(?:{_DIRECTION})\||\|(?:{_DIRECTION})(?![\u4e00-\u9fff])|[\"'](?:{_DIRECTION})[\"']",
        ("lexicon/",),
    ),
    "a punctuation class": (_PUNCTUATION, ("lexicon/",)),
    "a temporary file made outside the atomic module": (r"\bmkstemp\b", ("core/atomic.py",)),
    # A report's finding list found by its field name: core.schema.iter_findings does it.
    "a finding list looked up by name": (
        r"getattr\(\s*\w+,\s*(?:\w+\.)?(?:field|fld|field_name|attr)\s*\)"
        r"|for \w+(?:, \w+)* in KIND_FIELDS\.(?:items|values)\(\)",
        ("core/schema.py",),
    ),
    # A heading level as a bare number (h.level == 5): HeadingLevel.ENUMERATION says which.
    "a bare heading level": (
        r"\blevel\s*(?:==|!=|<=|>=|<|>)\s*\d|(?<!for )\blevel\s+(?:not\s+)?in\s*\(\s*\d"
        r"|\blevel\s+or\s+\d|\blevel\s+if\s+\S+\s+else\s+\d|range\([^)]*level[^)]*,\s*\d+\)"
        r"|HeadingShape\([^)]*,\s*\d,",
        ("lexicon/words.py",),
    ),
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
        ("a direction word list", '_DECLINE = re.compile(r"(?:下降|减少|降低|回落)$")'),
        ("a direction word list", 'verb = "增长" if m.change_pct >= 0 else "下降"'),
        ("a punctuation class", '_SENTENCE = re.compile(r"[。！？；;!?]")'),
        ("a punctuation class", 'lead = re.split(r"[^。；;！!？?\\n]", lead)'),
        ("a punctuation class", 'if c in "，,；;：:":'),
        ("a punctuation class", 'clause.strip(" 。；;")'),
        ("a bare heading level", "heads = [c for c in part.children if c.level < 5]"),
        ("a finding list looked up by name", "findings = getattr(report, field)"),
        ("a finding list looked up by name", "for kind, field in KIND_FIELDS.items():"),
        ("a bare heading level", "if h.level not in (0, 1):"),
        ("a bare heading level", "for lower in range(h.level + 1, 6):"),
        ("a bare heading level", "part_heads = [h for h in heads if (h.level or 1) <= top]"),
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
        ("a direction word list", '"""同比增长16.2% → 16.2; 下降 → negative"""'),
        ("a direction word list", 're.compile(r"工业增加值|产值")'),
        ("a punctuation class", '"全年新签约项目32个。"'),
        ("a punctuation class", 'r"[(（]\\s*未完"'),
        ("a punctuation class", 'text[j] in "”」』)）"'),
        ("a bare heading level", "for level in (2, 4, 6):"),
        ("a bare heading level", "if h.level == HeadingLevel.PART:"),
    ],
)
def test_each_pattern_lets_the_innocent_pass(rule: str, line: str) -> None:
    assert not re.search(RULES[rule][0], line, re.M)


def test_every_atomic_writer_leaves_the_mode_a_plain_open_gives(tmp_path: Path) -> None:
    """mkstemp's 0600 must not reach an output: the text, bytes and by-name writers agree."""
    import os

    from summarizer.core.atomic import atomic_path, write_bytes_atomic, write_text_atomic

    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    expected = plain.stat().st_mode & 0o777
    write_text_atomic(tmp_path / "a.json", "{}")
    write_bytes_atomic(tmp_path / "b.bin", b"\0")
    with atomic_path(tmp_path / "c.sqlite") as tmp:
        assert tmp.suffix == ".sqlite" and tmp.parent == tmp_path
        tmp.write_bytes(b"db")
    for name in ("a.json", "b.bin", "c.sqlite"):
        assert (tmp_path / name).stat().st_mode & 0o777 == expected, name
    assert sorted(os.listdir(tmp_path)) == ["a.json", "b.bin", "c.sqlite", "plain.txt"]


def test_a_failed_block_leaves_no_file_and_a_killed_writers_temp_is_swept(tmp_path: Path) -> None:
    from summarizer.core.atomic import atomic_path, sweep_stale_temps

    with pytest.raises(RuntimeError), atomic_path(tmp_path / "x.parquet") as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []
    dead = tmp_path / ".x.parquet.p999999999.abc123.tmp.parquet"
    dead.write_bytes(b"left over")
    assert sweep_stale_temps(tmp_path) == 1 and not dead.exists()


@pytest.mark.slow
def test_every_import_is_declared_and_every_declaration_used() -> None:
    """`deptry .` with [tool.deptry] of pyproject.toml: httpx2, annotated-types and markupsafe
    were imported without being declared (they came only through openai, pydantic, jinja2)."""
    import shutil
    import subprocess
    import sys

    deptry = shutil.which("deptry") or str(Path(sys.executable).with_name("deptry"))
    if not Path(deptry).exists():
        pytest.skip("deptry is not installed (pip install -e '.[test]')")
    run = subprocess.run(
        [deptry, "."], cwd=PACKAGE.parent, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_golden_difference_fails_even_under_update_golden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import compare_golden

    golden = tmp_path / "g.json"
    golden.write_text('{"a": 1}\n', encoding="utf-8")
    compare_golden(golden, {"a": 1})  # the same: passes
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    with pytest.raises(AssertionError, match="differs"):
        compare_golden(golden, {"a": 2})
    assert golden.read_text(encoding="utf-8") == '{"a": 1}\n'
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    with pytest.raises(AssertionError, match="rewrote g.json"):
        compare_golden(golden, {"a": 2})
    compare_golden(golden, {"a": 2})  # rewritten: the next run passes


def test_no_import_circle_between_any_two_modules() -> None:
    """No module imports (directly or through others, lazily or not) one that imports it back:
    cli/batch_cmd.py and cli/offload_cmd.py did (their shared table is cli/_batch_table.py)."""
    import grimp

    graph = grimp.build_graph("summarizer", cache_dir=None)
    circles = sorted(
        {
            tuple(sorted((module, imported)))
            for module in graph.modules
            for imported in graph.find_modules_directly_imported_by(module)
            if graph.chain_exists(importer=imported, imported=module)
        }
    )
    assert circles == []


def test_no_test_module_imports_another() -> None:
    """Shared test code lives in conftest.py (fixtures), helpers.py and factories.py."""
    tests = Path(__file__).resolve().parent
    pattern = re.compile(r"^\s*(?:from|import)\s+test_\w+", re.M)
    hits = [p.name for p in sorted(tests.glob("*.py")) if pattern.search(p.read_text("utf-8"))]
    assert hits == []
