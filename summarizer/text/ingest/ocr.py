"""OCR of page images with RapidOCR (PP-OCR detection and recognition models run by ONNX
Runtime on the CPU; the Chinese models ship inside the `rapidocr-onnxruntime` wheel, so
nothing is downloaded). An optional extra: `pip install 'summarizer[ocr]'`.

In: PNG bytes of a page. Out: its text, one line per row of recognised boxes, top to bottom.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache
from typing import Any

#: What to tell a user whose PDF needs OCR when the extra is not installed.
INSTALL_HINT = "install the OCR extra: pip install 'summarizer[ocr]'"

# Boxes recognised with less confidence than this are noise (stamps, seals, table rules).
_MIN_SCORE = 0.5


def ocr_available() -> bool:
    """Whether the OCR extra is installed (checked without importing it: that takes seconds)."""
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@lru_cache(maxsize=1)
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


# One page at a time: the engine is not documented as thread-safe, and two recognitions at
# once on a small CPU only slow each other down.
_ENGINE_LOCK = threading.Lock()


def recognise(png: bytes) -> str:
    """The text of one page image, rows of boxes joined into lines."""
    with _ENGINE_LOCK:
        result, _ = _engine()(png)
    boxes: list[tuple[float, float, float, float, str]] = []
    for box, text, score in result or []:
        if float(score) < _MIN_SCORE or not str(text).strip():
            continue
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        boxes.append((min(ys), max(ys), min(xs), max(xs), str(text).strip()))
    return "\n".join(_join_row(row) for row in _rows(boxes))


def _rows(
    boxes: list[tuple[float, float, float, float, str]],
) -> list[list[tuple[float, float, float, float, str]]]:
    """Boxes grouped into rows: a box joins a row when it overlaps it vertically by half."""
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for b in sorted(boxes, key=lambda b: (b[0] + b[1]) / 2):
        if rows:
            last = rows[-1]
            top = max(x[0] for x in last)
            bottom = min(x[1] for x in last)
            overlap = min(bottom, b[1]) - max(top, b[0])
            if overlap > 0.5 * min(bottom - top, b[1] - b[0]):
                last.append(b)
                continue
        rows.append([b])
    return [sorted(row, key=lambda b: b[2]) for row in rows]


def _join_row(row: list[tuple[float, float, float, float, str]]) -> str:
    out = ""
    for b in row:
        text = b[4]
        # Latin words in separate boxes keep a space; Chinese needs none.
        if out and out[-1].isascii() and out[-1].isalnum() and text[0].isascii():
            out += " "
        out += text
    return out
