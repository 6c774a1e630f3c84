"""Reliability, second round: one test per fault of docs/RELIABILITY.md's second table.

In-process and fast where the fault can be injected (a full disk is an OSError raised by a
patched writer, limits are small); the few that need a child process are marked `slow`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer.cli import cli
from summarizer.validation import MAX_JSON_DEPTH, load_json, validate_file


def _golden_output() -> dict:  # type: ignore[type-arg]
    from helpers import offline_document

    from summarizer.schema import ReportSummary

    report = ReportSummary(
        title="t",
        organization=None,
        summary_year=2023,
        plan_year=2024,
        overview="o",
        key_metrics=[],
        achievements=[],
        problems=[],
        plans=[],
        other=[],
        warnings=[],
    )
    doc = offline_document(report, path="a.txt", sha256="0" * 64, chars=10)
    return json.loads(doc.model_dump_json())  # type: ignore[no-any-return]


# ------------------------------------------------------------------ hostile JSON (validate/check)

HOSTILE = [
    ("deep", b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
    ("nan", b'{"a": NaN}', "NaN is not a JSON number"),
    ("inf", b'{"a": -Infinity}', "Infinity is not a JSON number"),
    ("dup", b'{"a": 1, "a": 2}', "duplicate key 'a'"),
    ("surrogate", b'{"a": "\\ud800"}', "lone surrogate"),
    ("surrogate-key", b'{"\\udfff": 1}', "lone surrogate"),
]


@pytest.mark.parametrize(("name", "raw", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_json_is_refused_in_one_line(
    tmp_path: Path, name: str, raw: bytes, message: str
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(raw)
    errors = validate_file(path)
    assert len(errors) == 1 and message in errors[0], errors


def test_deep_but_legal_nesting_and_valid_pairs_still_load() -> None:
    deep = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert load_json(deep) is not None
    assert load_json(b'{"a": "\\ud83d\\ude00", "b": "[[[[{{"}') == {"a": "😀", "b": "[[[[{{"}


def test_an_offset_given_as_a_string_is_a_schema_error(tmp_path: Path) -> None:
    data = _golden_output()
    assert validate_file(_write(tmp_path / "ok.json", data)) == []
    data["source"]["chars"] = "10"
    errors = validate_file(_write(tmp_path / "bad.json", data))
    assert errors and errors[0].startswith("$.source.chars"), errors


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_validate_goes_on_after_a_hostile_file(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 200_000)
    good = _write(tmp_path / "good.json", _golden_output())
    result = CliRunner().invoke(cli, ["validate", str(deep), str(good)])
    assert result.exit_code == 1, result.output
    assert "Internal error" not in result.output
    assert f"✗ {deep}" in result.output and f"✓ {good}" in result.output


def test_check_refuses_hostile_json_in_one_line(tmp_path: Path) -> None:
    from summarizer.check import load_output
    from summarizer.errors import ValidationError

    path = tmp_path / "dup.json"
    path.write_bytes(b'{"schema_version": "1", "schema_version": "2"}')
    with pytest.raises(ValidationError, match="duplicate key 'schema_version'"):
        load_output(str(path))
    path.write_bytes(b"[" * 100_000)
    with pytest.raises(ValidationError, match="nested deeper"):
        load_output(str(path))


def test_check_refuses_a_huge_source_before_reading_it(tmp_path: Path) -> None:
    from summarizer.check import check_output
    from summarizer.errors import InputError

    source = tmp_path / "a.txt"
    with open(source, "wb") as fh:
        fh.truncate(3 * 1024 * 1024 * 1024)  # sparse: 3 GB on paper, nothing on disk
    out = _write(tmp_path / "a.txt.json", _golden_output())
    with pytest.raises(InputError, match="over the limit"):
        check_output(str(out), str(source))


# ------------------------------------------------------------------ parsing under limits


def _docx(path: Path, paragraphs: int, text: str = "x") -> Path:
    """A minimal .docx whose body repeats one paragraph; millions compress to a few hundred KB."""
    import zipfile

    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    para = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{ns}">'
        "<w:body>".encode()
        + para * paragraphs
        + b"</w:body></w:document>"
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", document)
    return path


@pytest.mark.slow
def test_docx_with_millions_of_paragraphs_is_refused_within_the_limits(tmp_path: Path) -> None:
    from summarizer.bounded import ParseLimits, read_bounded
    from summarizer.errors import InputError

    bomb = _docx(tmp_path / "bomb.docx", 3_000_000)
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(InputError) as caught:
        read_bounded(bomb, limits=ParseLimits(timeout_s=60, memory_mb=150))
    message = str(caught.value)
    assert message.startswith(str(bomb)) and "\n" not in message
    # The same reader, in the same way, still reads an ordinary document.
    small = _docx(tmp_path / "small.docx", 3, "开发区工作总结")
    assert read_bounded(small).text.split("\n")[0] == "开发区工作总结"


@pytest.mark.slow
def test_a_parse_past_its_time_is_stopped(tmp_path: Path) -> None:
    from summarizer.bounded import ParseLimits, read_bounded
    from summarizer.errors import InputError

    slow = _docx(tmp_path / "slow.docx", 400_000)
    with pytest.raises(InputError, match="longer than 0.01 s; raise it with --parse-timeout-s"):
        read_bounded(slow, limits=ParseLimits(timeout_s=0.01, memory_mb=2000))
