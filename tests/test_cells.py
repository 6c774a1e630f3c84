"""Issue 26 item 3: spreadsheet cells are data (OWASP's CSV-injection rule) in every writer.

A report's own 发布机构 line names the zone; with the offline backend it reaches `compare`'s
table as the zone and `export`'s rows as the organization. A formula there must be text."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from helpers import ROOT, run_cli
from openpyxl import load_workbook

from summarizer.core.cells import csv_cell, is_formula_like

FORMULA = '=IMPORTXML(A9,"//a")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-1+IMPORTXML(A1)", "'-1+IMPORTXML(A1)"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("开发区=1", "开发区=1"),  # only the first character counts
        ("-3.5", "-3.5"),  # a plain signed number is no formula
        ("+12%", "+12%"),
        ("-1,200.5", "-1,200.5"),
        ("", ""),
        (None, None),
        (-3.5, -3.5),
    ],
)
def test_csv_cell(value: object, written: object) -> None:
    assert csv_cell(value) == written
    assert is_formula_like(value) == (written != value)


@pytest.fixture(scope="module")
def hostile_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cells")
    seed = (ROOT / "seeds" / "001_5b5363006416d159.txt").read_text(encoding="utf-8")
    text = seed.replace("xxxx年", "2021年").replace("xx", "12")
    (folder / "r.txt").write_text(
        f"索引号： | 123 | 发布机构： | {FORMULA} |\n{text}", encoding="utf-8"
    )
    proc = run_cli("batch", "--backend", "offline", ".", "-o", "out", cwd=folder)
    assert (folder / "out" / "r.txt.json").exists(), proc.stderr
    return folder


def _formula_cells(path: Path) -> list[str]:
    """Every cell of the workbook that a spreadsheet would run."""
    wb = load_workbook(path)
    return [
        f"{ws.title}!{c.coordinate}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
        or (isinstance(c.value, str) and c.value.startswith("=") and not c.quotePrefix)
    ]


def test_compare_writes_a_formula_zone_name_as_text(hostile_outputs: Path) -> None:
    for name in ("x.xlsx", "x.csv"):
        proc = run_cli("compare", "out", "-o", name, cwd=hostile_outputs)
        assert proc.returncode == 0, proc.stderr
    assert _formula_cells(hostile_outputs / "x.xlsx") == []
    ws = load_workbook(hostile_outputs / "x.xlsx").active
    assert ws is not None
    # A name that is no zone key stands alone, labelled with its file: 名称（r.txt）.
    assert ws["A2"].value.startswith(FORMULA) and ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    with (hostile_outputs / "x.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1][0].startswith("'" + FORMULA)


def test_export_writes_a_formula_organization_as_text(hostile_outputs: Path) -> None:
    for name in ("p.xlsx", "p.csv"):
        proc = run_cli("export", "out", "-o", name, cwd=hostile_outputs)
        assert proc.returncode == 0, proc.stderr
    assert _formula_cells(hostile_outputs / "p.xlsx") == []
    with (hostile_outputs / "p.csv").open(encoding="utf-8-sig", newline="") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert "'" + FORMULA in cells
    assert not any(c.startswith(("=", "@", "\t", "\r")) for c in cells)
