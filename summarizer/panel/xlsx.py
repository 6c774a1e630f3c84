"""A streaming xlsx writer for the panel's big sheets: rows go straight into the zip.

In: sheets as (title, header, column widths, rows of cell values). Out: an .xlsx file (Office
Open XML) with the header row frozen, filters on, the widths set, and every text cell an
inline string. openpyxl's write-only mode costs about 8 µs of CPU a cell (a 1,000-output
panel has 3.3 M); this writes each row as one string, well under 1 µs a cell.

Cells are data, as everywhere (core/cells.py): text a spreadsheet would run as a formula is a
string cell with the quote-prefix style, so it stays text when a user edits it. Characters
XML 1.0 cannot hold are dropped. Numbers keep their full precision; booleans are booleans;
None is an empty cell.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from summarizer.core.cells import is_formula_like

# Characters XML 1.0 (and so xlsx) cannot hold.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Style 1 (styles.xml): a text cell with the quote prefix.
_QUOTED = 1

Sheet = tuple[str, Sequence[str], Sequence[int], Iterable[Sequence[Any]]]


def column_letter(i: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def write_xlsx(path: str | Path, sheets: Sequence[Sheet]) -> None:
    """Write the sheets (title, header, widths, rows) to `path`, rows streamed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _content_types(len(sheets)))
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _workbook([s[0] for s in sheets]))
        zf.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        zf.writestr("xl/styles.xml", _STYLES)
        for n, (_, header, widths, rows) in enumerate(sheets, 1):
            with zf.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as fh:
                _write_sheet(fh, header, widths, rows)


def _write_sheet(
    fh: Any, header: Sequence[str], widths: Sequence[int], rows: Iterable[Any]
) -> None:
    letters = [column_letter(i) for i in range(1, len(header) + 1)]
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1)
    )
    fh.write(
        (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            "</sheetView></sheetViews>"
            f"<cols>{cols}</cols><sheetData>"
        ).encode()
    )
    count = 1
    buffer = [_row(1, letters, header)]
    for values in rows:
        count += 1
        buffer.append(_row(count, letters, values))
        if len(buffer) >= 512:
            fh.write("".join(buffer).encode("utf-8"))
            buffer.clear()
    fh.write("".join(buffer).encode("utf-8"))
    last = letters[-1] if letters else "A"
    fh.write(f'</sheetData><autoFilter ref="A1:{last}{count}"/></worksheet>'.encode())


def _row(n: int, letters: Sequence[str], values: Sequence[Any]) -> str:
    cells = []
    for letter, v in zip(letters, values, strict=False):
        if v is None:
            continue
        if isinstance(v, str):
            style = f' s="{_QUOTED}"' if is_formula_like(v) else ""
            space = ' xml:space="preserve"' if v[:1].isspace() or v[-1:].isspace() else ""
            if _NEEDS_ESCAPE.search(v):
                v = escape(_XML_ILLEGAL.sub("", v))
            cells.append(f'<c r="{letter}{n}" t="inlineStr"{style}><is><t{space}>{v}</t></is></c>')
        elif isinstance(v, bool):
            cells.append(f'<c r="{letter}{n}" t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, int) or (isinstance(v, float) and math.isfinite(v)):
            cells.append(f'<c r="{letter}{n}"><v>{v!r}</v></c>')
        else:
            text = escape(_XML_ILLEGAL.sub("", str(v)))
            cells.append(f'<c r="{letter}{n}" t="inlineStr"><is><t>{text}</t></is></c>')
    return f'<row r="{n}">{"".join(cells)}</row>'


def _content_types(n: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def _workbook(titles: Sequence[str]) -> str:
    sheets = "".join(
        f'<sheet name="{escape(t)}" sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(titles, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets>{sheets}</sheets></workbook>"
    )


def _workbook_rels(n: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    styles = (
        f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{rels}{styles}</Relationships>"
    )


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1" '
    'applyAlignment="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
