"""A `Panel` → one file: .csv, .xlsx, .parquet or .sqlite, chosen by the suffix.

In: a `Panel` (rows of metrics and findings) and a path. Out: the file, written to a
temporary name and renamed, so a reader never sees half of one.

- csv and parquet: one table, metric rows then finding rows, told apart by `record`.
- xlsx: one sheet per table (指标, 事项, 证据, 来源) with Chinese headers, the header row frozen
  and filters on.
- sqlite: tables metrics, findings, evidence, sources, passages and panel_info, with FTS5
  indexes (trigram tokenizer: word tokenizers fail on unsegmented Chinese) named the way
  Datasette finds them: findings_fts over findings, passages_fts over the source texts.
"""

from __future__ import annotations

import csv
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

from summarizer.core.atomic import atomic_path
from summarizer.core.cells import csv_cell, xlsx_cell
from summarizer.core.errors import ConfigError, InputError
from summarizer.core.version import __version__
from summarizer.lexicon.words import SENTENCE_END_MARK
from summarizer.panel.rows import (
    COLUMNS,
    EVIDENCE_COLUMNS,
    FINDING_COLUMNS,
    METRIC_COLUMNS,
    Column,
    Output,
    Panel,
    Row,
)

FORMATS = (".csv", ".xlsx", ".parquet", ".sqlite")
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
# Source passages: a line, or pieces of a long line cut after a sentence end.
_PASSAGE_MAX = 400
_SENTENCE_END = SENTENCE_END_MARK
# Characters XML 1.0 (and so xlsx) cannot hold.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def export(panel: Panel, path: str | os.PathLike[str], *, sources: bool = True) -> list[str]:
    """Write the panel to `path` in the format its suffix names; return notes (skipped sources)."""
    p = Path(path)
    suffix = p.suffix.lower()
    writers: dict[str, Callable[[Panel, Path], list[str]]] = {
        ".csv": _write_csv,
        ".xlsx": _write_xlsx,
        ".parquet": _write_parquet,
    }
    from summarizer.panel.describe import write_datapackage, write_datasette_metadata

    if suffix in SQLITE_SUFFIXES:
        notes = write_sqlite(panel, p, sources=sources)
        write_datasette_metadata(p, panel.dictionary_version)
        return notes
    if suffix not in writers:
        raise InputError(
            f"{p}: unknown export format {suffix or '(no suffix)'}; use one of {', '.join(FORMATS)}"
        )
    notes = writers[suffix](panel, p)
    if suffix in (".csv", ".parquet"):
        write_datapackage(p, panel.dictionary_version)
    return notes


def all_rows(panel: Panel) -> Iterator[Row]:
    """Metric rows, then finding rows (the one-table formats)."""
    yield from panel.metrics
    yield from panel.findings


def _text(value: Any) -> str:
    """A cell as text for csv: empty for none, true/false, numbers without a spurious .0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value)


# --------------------------------------------------------------------------- csv


def _write_csv(panel: Panel, path: Path) -> list[str]:
    keys = [c.key for c in COLUMNS]
    # The csv module writes None as "" and str as is; only numbers and flags need _text.
    typed = [i for i, c in enumerate(COLUMNS) if c.type in (float, bool)]
    texts = itemgetter(*(c.key for c in COLUMNS if c.type is str))
    with atomic_path(path) as tmp:
        # utf-8-sig: Excel opens a BOM-marked CSV as UTF-8 instead of the local code page.
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(keys)
            pick = itemgetter(*keys)
            for row in all_rows(panel):
                cells = list(pick(row))
                for i in typed:
                    if cells[i] is not None:
                        cells[i] = _text(cells[i])
                # One search over the row's text cells finds the rare formula-like one; only
                # such a row goes through csv_cell cell by cell.
                if _FORMULA_LEAD.search("\x00".join(map(str, filter(None, texts(row))))):
                    cells = [csv_cell(c) for c in cells]
                w.writerow(cells)
    return []


# A text cell that starts like a formula (core.cells.FORMULA_LEADS), in "\0"-joined cells.
_FORMULA_LEAD = re.compile(r"(?:^|\x00)[=+\-@\t\r]")


# --------------------------------------------------------------------------- xlsx

_SOURCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("output_path", "输出文件"),
    ("source_path", "源文件"),
    ("source_sha256", "源文件SHA256"),
    ("chars", "字符数"),
    ("encoding", "编码"),
    ("format", "格式"),
    ("backend", "后端"),
    ("model", "模型"),
    ("reports", "报告数"),
)


def source_rows(outputs: Sequence[Output]) -> list[Row]:
    """One row per output file: where its source is and how it was summarized."""
    return [
        {
            "id": i,
            "output_path": o.path,
            "source_path": o.doc.source.path,
            "source_sha256": o.doc.source.sha256,
            "chars": o.doc.source.chars,
            "encoding": o.doc.source.encoding,
            "format": o.doc.source.format,
            "backend": o.doc.provenance.backend,
            "model": o.doc.provenance.model,
            "reports": len(o.doc.reports),
        }
        for i, o in enumerate(outputs, 1)
    ]


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        return _XML_ILLEGAL.sub("", value)
    return value


def _write_xlsx(panel: Panel, path: Path) -> list[str]:
    # Streamed by our own writer: openpyxl's write-only mode took ~8 µs a cell (52 s for a
    # 1,000-output panel); the small tables of compare and track still use openpyxl.
    from summarizer.panel.xlsx import write_xlsx

    def sheet(title: str, headers: Sequence[tuple[str, str, int]], rows: Sequence[Row]) -> Any:
        pick = itemgetter(*(key for key, _, _ in headers))
        return (
            title,
            [zh for _, zh, _ in headers],
            [width for _, _, width in headers],
            (pick(row) if len(headers) > 1 else (pick(row),) for row in rows),
        )

    def cols(columns: Sequence[Column]) -> list[tuple[str, str, int]]:
        return [(c.key, c.zh, _width(c)) for c in columns if c.key != "record"]

    with atomic_path(path) as tmp:
        write_xlsx(
            tmp,
            [
                sheet("指标", cols(METRIC_COLUMNS), panel.metrics),
                sheet("事项", cols(FINDING_COLUMNS), panel.findings),
                sheet("证据", cols(EVIDENCE_COLUMNS), panel.evidence),
                sheet(
                    "来源",
                    [(k, zh, 24) for k, zh in _SOURCE_COLUMNS],
                    source_rows(panel.outputs),
                ),
            ],
        )
    return []


def _width(c: Column) -> int:
    if c.key in ("quote", "summary"):
        return 60
    if c.key in ("source_path", "output_path", "source_sha256", "report_title", "title"):
        return 30
    return 14 if c.type is str else 10


# --------------------------------------------------------------------------- parquet


def _write_parquet(panel: Panel, path: Path) -> list[str]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ConfigError(
            "parquet export needs pyarrow, an optional extra: pip install 'summarizer[parquet]' "
            "(or export to .csv, .xlsx or .sqlite)"
        ) from e
    kinds = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    schema = pa.schema([pa.field(c.key, kinds[c.type]) for c in COLUMNS])
    rows = list(all_rows(panel))
    table = pa.Table.from_pydict(
        {c.key: list(map(itemgetter(c.key), rows)) for c in COLUMNS}, schema=schema
    )
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return []


# --------------------------------------------------------------------------- sqlite

_SQL_TYPES = {str: "TEXT", int: "INTEGER", float: "REAL", bool: "INTEGER"}


def require_trigram() -> None:
    """Raise `ConfigError` unless this Python's SQLite has FTS5 with the trigram tokenizer."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError as e:
        raise ConfigError(
            f"this Python's SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer "
            "(needs SQLite 3.34 or later); export to .csv, .xlsx or .parquet instead"
        ) from e
    finally:
        con.close()


def _create(con: sqlite3.Connection, table: str, columns: Sequence[tuple[str, str]]) -> None:
    body = ", ".join(
        f'"{k}" INTEGER PRIMARY KEY' if k == "id" else f'"{k}" {t}' for k, t in columns
    )
    con.execute(f'CREATE TABLE "{table}" ({body})')


def _insert(
    con: sqlite3.Connection, table: str, keys: Sequence[str], rows: Iterator[Sequence[Any]]
) -> None:
    names = ", ".join(f'"{k}"' for k in keys)
    marks = ", ".join("?" for _ in keys)
    con.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def _table(
    con: sqlite3.Connection, table: str, columns: Sequence[Column], rows: Sequence[Row]
) -> None:
    cols = [c for c in columns if c.key != "record"]
    _create(con, table, [(c.key, _SQL_TYPES[c.type]) for c in cols])
    keys = [c.key for c in cols]
    _insert(con, table, keys, map(itemgetter(*keys), rows))


def write_sqlite(panel: Panel, path: Path, *, sources: bool = True) -> list[str]:
    """The SQLite export; `sources=False` leaves out the source passages (no file is read)."""
    require_trigram()
    notes: list[str] = []
    with atomic_path(path) as tmp:
        con = sqlite3.connect(tmp)
        try:
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            with con:
                _table(con, "metrics", METRIC_COLUMNS, panel.metrics)
                _table(con, "findings", FINDING_COLUMNS, panel.findings)
                _table(con, "evidence", EVIDENCE_COLUMNS, panel.evidence)
                notes = _sources(con, panel, read=sources)
                _info(con, panel)
                _fts(con)
        finally:
            con.close()
    return notes


def _sources(con: sqlite3.Connection, panel: Panel, *, read: bool) -> list[str]:
    keys = ["id", *(k for k, _ in _SOURCE_COLUMNS), "text_indexed"]
    _create(
        con,
        "sources",
        [
            (k, "INTEGER" if k in ("id", "chars", "reports", "text_indexed") else "TEXT")
            for k in keys
        ],
    )
    _create(
        con,
        "passages",
        [
            ("id", "INTEGER"),
            ("source_id", "INTEGER"),
            ("source_path", "TEXT"),
            ("start", "INTEGER"),
            ("end", "INTEGER"),
            ("text", "TEXT"),
        ],
    )
    notes: list[str] = []
    passages: list[tuple[Any, ...]] = []
    rows = source_rows(panel.outputs)
    seen: dict[str, int] = {}
    for row, out in zip(rows, panel.outputs, strict=True):
        indexed = False
        sha = out.doc.source.sha256
        if read and sha not in seen:
            text, note = source_text(out)
            if note:
                notes.append(note)
            if text is not None:
                indexed = True
                seen[sha] = row["id"]
                first_id = len(passages) + 1
                passages.extend(
                    (first_id + i, row["id"], out.doc.source.path, s, e, t)
                    for i, (s, e, t) in enumerate(split_passages(text))
                )
        row["text_indexed"] = indexed
    _insert(con, "sources", keys, (tuple(r.get(k) for k in keys) for r in rows))
    con.executemany(
        'INSERT INTO passages (id, source_id, source_path, start, "end", text) '
        "VALUES (?, ?, ?, ?, ?, ?)",
        passages,
    )
    return notes


def _info(con: sqlite3.Connection, panel: Panel) -> None:
    con.execute("CREATE TABLE panel_info (key TEXT PRIMARY KEY, value TEXT)")
    con.executemany(
        "INSERT INTO panel_info VALUES (?, ?)",
        [
            ("tool_version", __version__),
            ("dictionary_version", panel.dictionary_version),
            ("outputs", str(len(panel.outputs))),
        ],
    )


def _fts(con: sqlite3.Connection) -> None:
    # External-content tables: the text stays in findings/passages once, and `content="…"`
    # is the spelling Datasette looks for to offer its search box on those tables.
    con.execute(
        "CREATE VIRTUAL TABLE findings_fts USING fts5(title, summary, quote, entities, "
        'content="findings", tokenize="trigram")'
    )
    con.execute("INSERT INTO findings_fts(findings_fts) VALUES ('rebuild')")
    con.execute(
        'CREATE VIRTUAL TABLE passages_fts USING fts5(text, content="passages", tokenize="trigram")'
    )
    con.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")


def source_text(out: Output) -> tuple[str | None, str | None]:
    """The decoded text of an output's source, or (None, why not) when it is gone or changed."""
    from summarizer.text.read import locate_source, read_source

    c, _ = locate_source(out.doc.source.path, out.doc.source.sha256, out.path)
    if c is not None:
        try:
            src = read_source(c)
        except Exception as e:  # noqa: BLE001 - any unreadable source is only a note
            return None, f"{out.path}: source {c} not indexed: {e}"
        if src.sha256 != out.doc.source.sha256:
            return None, f"{out.path}: source {c} changed since it was summarized; not indexed"
        return src.text, None
    return None, f"{out.path}: source {out.doc.source.path} not found; its text is not indexed"


def split_passages(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, text) of each non-blank line, long lines cut after sentence ends."""
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        while start < end:
            stop = end
            if end - start > _PASSAGE_MAX:
                cut = None
                for m in _SENTENCE_END.finditer(text, start, start + _PASSAGE_MAX):
                    cut = m.end()
                stop = cut if cut is not None and cut > start else start + _PASSAGE_MAX
            piece = text[start:stop]
            if piece.strip():
                yield start, stop, piece
            start = stop


# --------------------------------------------------------------------------- small tables

CellNote = tuple[str, str]  # (hyperlink target, comment text)


def write_table(
    path: str | os.PathLike[str],
    sheet: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    notes: dict[tuple[int, int], CellNote] | None = None,
) -> None:
    """A table of `compare` or `track` as .csv or .xlsx (header frozen, filters on).

    `notes` maps (row, column) of a body cell, from 0, to a link and a comment: in xlsx the
    cell links to its source file and its comment holds the evidence.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        with atomic_path(p) as tmp:
            with tmp.open("w", encoding="utf-8-sig", newline="") as f:
                w = csv.writer(f)
                w.writerow([csv_cell(h) for h in header])
                w.writerows([csv_cell(_text(v)) for v in row] for row in rows)
        return
    if suffix != ".xlsx":
        raise InputError(f"{p}: write a table as .csv or .xlsx, not {suffix or '(no suffix)'}")
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append([xlsx_cell(ws, _xlsx_value(h)) for h in header])
    for row in rows:
        ws.append([xlsx_cell(ws, _xlsx_value(v)) for v in row])
    for (r, c), (link, comment) in (notes or {}).items():
        cell = ws.cell(row=r + 2, column=c + 1)
        cell.hyperlink = link
        cell.comment = Comment(_xlsx_value(comment), "summarizer", width=320, height=120)
    for i, name in enumerate(header, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, 2 * len(name) + 4))
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    with atomic_path(p) as tmp:
        wb.save(tmp)
