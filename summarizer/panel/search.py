"""Full-text search of a SQLite export: findings and source passages, with offsets.

In: the path of a database written by `export` and a query (terms separated by spaces, all
of which must occur). Out: `Hit`s, each with its source file, the offsets of the evidence
in that file, the evidence text and the spans of the terms in it.

The trigram index answers terms of three characters or more; shorter ones (most Chinese
words: 外资, 招商) are matched with LIKE, which SQLite answers by a scan (still fast at the
size of a corpus of reports).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from summarizer.core.errors import InputError

HitKind = Literal["finding", "passage"]
_TRIGRAM = 3


@dataclass(frozen=True)
class Hit:
    kind: HitKind
    source_path: str
    start: int | None  # offsets of `text` in the decoded source (None if not located)
    end: int | None
    text: str
    spans: tuple[tuple[int, int], ...]  # where the terms occur in `text`
    zone: str | None = None
    year: int | None = None
    part: str | None = None
    title: str | None = None
    finding_id: int | None = None

    @property
    def location(self) -> str:
        if self.start is None:
            return self.source_path
        return f"{self.source_path}:{self.start}-{self.end}"

    @property
    def match_offsets(self) -> list[tuple[int, int]]:
        """The terms' offsets in the source file (empty when the text was not located)."""
        if self.start is None:
            return []
        return [(self.start + s, self.start + e) for s, e in self.spans]


def terms_of(query: str) -> list[str]:
    """The query's terms: split on spaces, empty ones dropped, duplicates once."""
    return list(dict.fromkeys(t for t in query.split() if t))


def spans_of(text: str, terms: list[str]) -> tuple[tuple[int, int], ...]:
    """Every occurrence of any term in `text` (case-insensitive), merged where they overlap."""
    found: list[tuple[int, int]] = []
    lower = text.casefold()
    for t in terms:
        for m in re.finditer(re.escape(t.casefold()), lower):
            found.append((m.start(), m.end()))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(found):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return tuple(merged)


def _fts_query(terms: list[str]) -> str | None:
    long_terms = [t for t in terms if len(t) >= _TRIGRAM]
    if not long_terms:
        return None
    # Each term a quoted phrase, so FTS5 syntax characters in it are plain text.
    return " ".join('"' + t.replace('"', '""') + '"' for t in long_terms)


def _like(t: str) -> str:
    return "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def open_export(db: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open an export read-only; `InputError` when it is missing or not one."""
    p = Path(db)
    if not p.is_file():
        raise InputError(f"{p}: no such database; write one with `summarizer export … -o {p.name}`")
    try:
        con = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as e:
        raise InputError(f"{p}: not an SQLite database ({e})") from e
    if not {"findings_fts", "passages_fts"} <= tables:
        con.close()
        raise InputError(f"{p}: not a summarizer export (no findings_fts/passages_fts tables)")
    return con


def search(
    db: str | os.PathLike[str],
    query: str,
    *,
    limit: int = 20,
    kinds: tuple[HitKind, ...] = ("finding", "passage"),
) -> list[Hit]:
    """Findings, then source passages, holding every term of `query`, best first."""
    terms = terms_of(query)
    if not terms:
        raise InputError("empty search query")
    con = open_export(db)
    try:
        hits: list[Hit] = []
        if "finding" in kinds:
            hits += _findings(con, terms, limit)
        if "passage" in kinds:
            hits += _passages(con, terms, limit)
        return hits
    finally:
        con.close()


def _select(
    con: sqlite3.Connection,
    table: str,
    columns: str,
    haystack: str,
    terms: list[str],
    limit: int,
) -> list[tuple[Any, ...]]:
    fts = _fts_query(terms)
    likes = [t for t in terms if len(t) < _TRIGRAM]
    where = [f"{haystack} LIKE ? ESCAPE '\\'" for _ in likes]
    params: list[object] = [_like(t) for t in likes]
    if fts is not None:
        sql = (
            f"SELECT {columns} FROM {table}_fts JOIN {table} t ON t.id = {table}_fts.rowid "
            f"WHERE {table}_fts MATCH ?{''.join(' AND ' + w for w in where)} "
            "ORDER BY rank, t.id LIMIT ?"
        )
        params = [fts, *params]
    else:
        sql = f"SELECT {columns} FROM {table} t WHERE {' AND '.join(where)} ORDER BY t.id LIMIT ?"
    return con.execute(sql, [*params, limit]).fetchall()


def _findings(con: sqlite3.Connection, terms: list[str], limit: int) -> list[Hit]:
    rows = _select(
        con,
        "findings",
        't.id, t.zone, t.year, t.part, t.title, t.source_path, t.quote, t.start, t."end"',
        "(coalesce(t.title, '') || ' ' || coalesce(t.summary, '') || ' ' || "
        "coalesce(t.quote, '') || ' ' || coalesce(t.entities, ''))",
        terms,
        limit,
    )
    hits = []
    for fid, zone, year, part, title, path, quote, start, end in rows:
        evidence = con.execute(
            'SELECT quote, start, "end" FROM evidence WHERE finding_id = ? ORDER BY id', (fid,)
        ).fetchall()
        # The piece of evidence the terms occur in (the first one when they are in the title).
        text, s, e = (quote or "", start, end)
        for q, qs, qe in evidence:
            if spans_of(q, terms):
                text, s, e = q, qs, qe
                break
        else:
            if evidence:
                text, s, e = evidence[0]
        hits.append(
            Hit(
                kind="finding",
                source_path=str(path),
                start=s,
                end=e,
                text=str(text),
                spans=spans_of(str(text), terms),
                zone=zone,
                year=year,
                part=part,
                title=title,
                finding_id=fid,
            )
        )
    return hits


def _passages(con: sqlite3.Connection, terms: list[str], limit: int) -> list[Hit]:
    rows = _select(
        con, "passages", 't.source_path, t.start, t."end", t.text', "t.text", terms, limit
    )
    return [
        Hit(
            kind="passage",
            source_path=str(path),
            start=start,
            end=end,
            text=str(text),
            spans=spans_of(str(text), terms),
        )
        for path, start, end, text in rows
    ]
