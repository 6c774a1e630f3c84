"""The CLI's contract: schema file, validate, sections JSON, exit codes, start-up imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS
from helpers import compare_golden

from summarizer.cli import cli

SCHEMA_FILE = Path(__file__).parent / "data" / "summary.schema.json"


def test_schema_matches_the_committed_contract() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    printed = json.loads(result.output)
    compare_golden(SCHEMA_FILE, printed)


def test_validate_reports_paths_and_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    good = tmp_path / "good.json"
    out = runner.invoke(
        cli,
        [
            "summarize",
            str(SEEDS / "001_5b5363006416d159.txt"),
            "--backend",
            "offline",
            "-f",
            "json",
            "-o",
            str(good),
        ],
    )
    assert out.exit_code == 0, out.output
    bad = tmp_path / "bad.json"
    data = json.loads(good.read_text(encoding="utf-8"))
    data["reports"][0]["achievements"][0]["evidence"][0]["start"] = "zero"
    del data["provenance"]
    bad.write_text(json.dumps(data), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(good), str(bad), str(broken)])
    assert result.exit_code == 1
    assert "✓ " + str(good) in result.output
    assert "$.reports[0].achievements[0].evidence[0].start" in result.output
    assert "$.provenance: Field required" in result.output
    assert "not JSON" in result.output
    assert CliRunner().invoke(cli, ["validate", str(good)]).exit_code == 0


def test_sections_json_shape_and_three_reports() -> None:
    result = CliRunner().invoke(
        cli, ["sections", str(SEEDS / "003_493866bb6fb899fa.txt"), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["reports"]) == 3
    assert set(data["reports"][0]) == {"title", "start", "end", "parts"}
    assert set(data["reports"][0]["parts"][0]) == {
        "kind",
        "heading",
        "start",
        "end",
        "level",
        "confidence",
    }
    # A part whose heading names its kind is confident; the preamble keeps the default.
    named = [p for p in data["reports"][0]["parts"] if p["level"] == 1]
    assert named and all(p["confidence"] >= 0.85 for p in named)
    assert set(data["chunks"][0]) == {"report", "kind", "path", "start", "end", "tokens"}
    assert data["masked"] and set(data["masked"][0]) == {"start", "end", "why"}
    # One call per chunk, plus an overview call for each report split over several chunks
    # (a report in one chunk gets its overview in that call).
    per_report = [sum(c["report"] == r for c in data["chunks"]) for r in range(3)]
    split = sum(n > 1 for n in per_report)
    assert data["estimate"]["calls"] == len(data["chunks"]) + split


@pytest.mark.slow
def test_sections_table_shows_reports_masks_chunks_and_cost() -> None:
    env = dict(os.environ, COLUMNS="120")
    result = subprocess.run(
        [sys.executable, "-m", "summarizer", "sections", str(SEEDS / "003_493866bb6fb899fa.txt")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.count("Report ") == 3
    assert (
        "page number" in result.stdout
        and "Chunks" in result.stdout
        and "Estimate for" in result.stdout
    )


@pytest.mark.slow
def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-m", "summarizer", "summarize", str(empty)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "empty.txt" in lines[0] and "Traceback" not in result.stderr


@pytest.mark.slow
def test_help_does_not_import_heavy_modules() -> None:
    code = "import sys; from summarizer.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit: pass\nprint(sorted(m for m in ('openai','tiktoken','pydantic','rich') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and "summarizer" in result.output


def test_prompts_ship_inside_the_installed_package() -> None:
    import pytest

    import summarizer
    from summarizer.backends.prompts import prompt_dir, prompt_version

    package = Path(summarizer.__file__).resolve().parent
    if (package.parent / "pyproject.toml").exists():
        pytest.skip(
            "running from the source tree (editable install); `make test` installs the wheel"
        )
    assert prompt_dir().resolve() == package / "prompts"
    for name in ("system.md", "extract.md", "overview.md", "repair.md"):
        assert (package / "prompts" / name).is_file()
    assert len(prompt_version()) == 12
