"""Build the development set: annotated/*.txt → {tuned,heldout}/NAME.txt and gold/{tuned,heldout}/NAME.json.

An annotated file is the report text with marks: `⟦r⟧` where a report's body starts,
`⟦k:label⟧` where an item starts (k: a achievement, p problem, l plan, o other), and header
lines per report (`#title:`, `#summary_year:`, `#plan_year:`, `#metric: name|raw|value|unit|
change|kind`, `#set: heldout`); a line `%%%%` starts the next report's header. The marks are
removed from the text; each gold marker is the shortest verbatim text (10-30 characters)
from the mark that is unique in the file. Run: python tests/data/dev/build.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).parent
KINDS = {"a": "achievement", "p": "problem", "l": "plan", "o": "other"}
HEADER = re.compile(r"^#(title|summary_year|plan_year|metric|redacted|set):\s?(.*)$")
MARK = re.compile(r"⟦(r|[apol]):?([^⟧]*)⟧")


def _unique(text: str, pos: int, low: int = 10) -> str:
    for n in range(low, 31):
        marker = text[pos : pos + n]
        if text.count(marker) == 1:
            return marker
    raise SystemExit(f"no unique marker at {pos}: {text[pos : pos + 30]!r}")


def build(path: Path) -> tuple[str, str, dict[str, object]]:
    segments = path.read_text(encoding="utf-8").split("%%%%\n")
    body_parts: list[str] = []
    reports: list[dict[str, object]] = []
    marks: list[tuple[int, int, str, str]] = []  # (report, position, kind, label)
    which = "tuned"
    offset = 0
    for r_index, segment in enumerate(segments):
        meta: dict[str, object] = {"metrics": []}
        lines = segment.split("\n")
        while lines and HEADER.match(lines[0]):
            key, value = HEADER.match(lines[0]).groups()  # type: ignore[union-attr]
            lines.pop(0)
            if key == "metric":
                name, raw, val, unit, change, kind = value.split("|")
                meta["metrics"].append(  # type: ignore[attr-defined]
                    {
                        "name": name,
                        "raw": raw,
                        "value": float(val),
                        "unit": unit,
                        "change_pct": float(change) if change else None,
                        "kind": kind,
                    }
                )
            elif key == "set":
                which = value.strip()
            elif key in ("summary_year", "plan_year"):
                meta[key] = int(value) if value.strip() else None
            elif key == "redacted":
                meta["redacted_numbers"] = value.strip() == "true"
            else:
                meta[key] = value.strip() or None
        text = "\n".join(lines)
        out = []
        pos = 0
        for m in MARK.finditer(text):
            out.append(text[pos : m.start()])
            here = offset + sum(len(s) for s in out)
            marks.append((r_index, here, m.group(1), m.group(2)))
            pos = m.end()
        out.append(text[pos:])
        clean = "".join(out)
        body_parts.append(clean)
        offset += len(clean)
        reports.append(meta)
    full = "".join(body_parts)
    for r_index, meta in enumerate(reports):
        items = []
        for r, pos, kind, label in marks:
            if r != r_index:
                continue
            if kind == "r":
                meta["start_marker"] = _unique(full, pos, 8)
                continue
            items.append(
                {
                    "kind": KINDS[kind],
                    "marker": _unique(full, pos),
                    "label": label,
                    "summary": label,
                }
            )
        meta["items"] = items
        meta.setdefault("title", None)
        meta.setdefault("summary_year", None)
        meta.setdefault("plan_year", None)
        meta.setdefault("redacted_numbers", bool(re.search(r"[Xx]{2,}|\*[亿万%]", full)))
    gold = {"file": path.name, "reports": reports}
    return which, full, gold


def main() -> None:
    for path in sorted((HERE / "annotated").glob("*.txt")):
        which, text, gold = build(path)
        (HERE / which).mkdir(exist_ok=True)
        (HERE / "gold" / which).mkdir(parents=True, exist_ok=True)
        (HERE / which / path.name).write_text(text, encoding="utf-8")
        (HERE / "gold" / which / f"{path.stem}.json").write_text(
            json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        print(which, path.name, sum(len(r["items"]) for r in gold["reports"]), "items")


if __name__ == "__main__":
    main()
