"""PDF → text page by page with PDFium (pypdfium2), and a verdict on each page's text layer.

In: the file's bytes. Out: `PdfPage`s whose `problem` says why a page's text layer is not
usable (empty, as on a scanned page, or garbled by a font without a Unicode map), so the
reader can OCR those pages or say which ones it could not read.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any

from summarizer.core.errors import InputError

#: What joins two pages in the source text. The form feed is masked as a page break (the
#: line break stays visible, so a heading at the top of a page still starts a line).
PAGE_BREAK = "\f\n"

# Controls other than \t and \n: PDFium writes \x02 for a generated hyphen and some
# generators leave NULs between the glyphs of a CJK font.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff]")
_CID_RE = re.compile(r"\(cid:\d+\)")
_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff]")
_CJK_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER_RE = re.compile("[A-Za-z\u00c0-\u024f\u0370-\u04ff]")
_NON_ASCII_LETTER_RE = re.compile("[\u00c0-\u024f\u0370-\u04ff]")

# A page with fewer letters and ideographs than this has no text worth reading (a scan,
# perhaps with a printed page number).
_MIN_CHARS = 10
# Share of replacement characters, (cid:N) runs and private-use code points above which a
# page's text is garbage: a font without a usable Unicode map.
_MAX_BAD_SHARE = 0.05
# A page with letters but almost no ideographs, most of them accented Latin, Greek or
# Cyrillic, has lost its CJK glyphs to a wrong single-byte mapping (开发区 → ¿ª·¢Çø). A page
# of plain English is a real text layer and stays.
_MIN_LETTERS_FOR_SCRIPT_CHECK = 20
_MIN_CJK_SHARE = 0.1
_MIN_MOJIBAKE_SHARE = 0.3


@dataclass(frozen=True)
class PdfPage:
    number: int  # 1-based
    text: str
    problem: str | None  # why the text layer is unusable, None when it is fine


def page_problem(text: str) -> str | None:
    """Why a page's extracted text is unusable ("no text layer", "garbled …"), or None."""
    visible = "".join(text.split())
    bad = text.count("\ufffd") + len(_CID_RE.findall(text)) + len(_PRIVATE_USE_RE.findall(text))
    if visible and bad / len(visible) > _MAX_BAD_SHARE:
        return "garbled text layer (replacement characters, (cid:) codes or private-use glyphs)"
    cjk = len(_CJK_RE.findall(visible))
    letters = len(_LETTER_RE.findall(visible))
    if cjk + letters < _MIN_CHARS:
        return "no text layer"
    if (
        letters >= _MIN_LETTERS_FOR_SCRIPT_CHECK
        and cjk / (cjk + letters) < _MIN_CJK_SHARE
        and len(_NON_ASCII_LETTER_RE.findall(visible)) / letters >= _MIN_MOJIBAKE_SHARE
    ):
        return "garbled text layer (almost no Chinese characters)"
    return None


def clean_page_text(text: str) -> str:
    """A page's text with "\\n" line breaks and no control characters, trailing blanks cut."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub("", text).strip("\n ")


# PDFium must not be called from two threads at once, not even for different documents,
# and a batch reads files in worker threads.
_PDFIUM_LOCK = threading.Lock()


def _open_pdf(data: bytes, name: str) -> Any:
    """The PDFium document of `data`; `InputError` for a corrupt or password-protected file."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise InputError(
                "the PDF is password-protected; save a copy without a password",
                path=name,
            ) from None
        raise InputError(f"not a valid PDF file (corrupt): {e}", path=name) from None


def pdf_pages(data: bytes, name: str) -> list[PdfPage]:
    """Every page's cleaned text and the verdict on its text layer."""
    raws: list[str] = []
    with _PDFIUM_LOCK:
        doc = _open_pdf(data, name)
        try:
            for index in range(len(doc)):
                page = doc[index]
                try:
                    textpage = page.get_textpage()
                    raws.append(textpage.get_text_range())
                    textpage.close()
                except Exception as e:
                    raise InputError(
                        f"cannot read the text of PDF page {index + 1} (corrupt): "
                        f"{type(e).__name__}",
                        path=name,
                    ) from None
                finally:
                    page.close()
        finally:
            doc.close()
    pages = []
    for number, raw in enumerate(raws, start=1):
        text = clean_page_text(raw)
        pages.append(PdfPage(number, text, page_problem(text)))
    return pages


def render_page_png(data: bytes, number: int, scale: float, name: str) -> bytes:
    """PNG bytes of page `number` (1-based), rendered at `scale` × 72 dpi."""
    import io

    with _PDFIUM_LOCK:
        doc = _open_pdf(data, name)
        try:
            page = doc[number - 1]
            try:
                image = page.render(scale=scale).to_pil()
            finally:
                page.close()
        finally:
            doc.close()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def page_ranges(texts: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The pages joined with `PAGE_BREAK`, and each page's (start, end) in the result."""
    out: list[str] = []
    ranges: list[tuple[int, int]] = []
    pos = 0
    for i, t in enumerate(texts):
        if i:
            out.append(PAGE_BREAK)
            pos += len(PAGE_BREAK)
        out.append(t)
        ranges.append((pos, pos + len(t)))
        pos += len(t)
    return "".join(out), ranges


@dataclass(frozen=True)
class PdfText:
    """A PDF read into source text: pages joined by `PAGE_BREAK`, with what to mask and say."""

    text: str
    masks: list[tuple[int, int, str]]  # (start, end, why)
    ocr_pages: tuple[int, ...]
    warnings: list[str]


#: Rendering scale for OCR: 2 × 72 dpi = 144 dpi, enough for body text of A4 pages.
OCR_SCALE = 2.0
# OCR this many pages or more and a bar shows its progress on a terminal.
_PROGRESS_MIN_PAGES = 3


class OcrDeferred(Exception):
    """The PDF needs OCR, which the caller asked to run elsewhere: ONNX Runtime crashes
    (SIGSEGV) in a child forked from the fork server, so the bounded reader parses the text
    layer in its child and, when this is raised there, reads the file again with OCR in a
    process of its own (text/bounded.py)."""


def read_pdf(data: bytes, name: str, *, defer_ocr: bool = False) -> PdfText:
    """The text of a PDF: its text layer, with pages lacking a usable one OCR'd when the
    OCR extra is installed, masked and named in a warning otherwise. With `defer_ocr`,
    `OcrDeferred` is raised instead of running OCR."""
    from summarizer.text.ingest.ocr import INSTALL_HINT, ocr_available

    pages = pdf_pages(data, name)
    unusable = [p for p in pages if p.problem is not None]
    ocr_done: dict[int, str] = {}
    ocr_broken = ""
    if unusable and ocr_available() and defer_ocr:
        raise OcrDeferred(name)
    if unusable and ocr_available():
        try:
            ocr_done = _ocr_pages(data, [p.number for p in unusable], name)
        except (ImportError, OSError) as e:
            # Installed but not loadable (a missing system library under OpenCV, say):
            # the pages are then named as unread, with the reason.
            ocr_broken = f"the OCR extra is installed but cannot load ({type(e).__name__}: {e})"
    texts = [ocr_done.get(p.number, p.text) for p in pages]
    usable = [
        p for p in pages if (p.problem is None and p.text) or ocr_done.get(p.number, "").strip()
    ]
    if not usable:
        if ocr_done:
            raise InputError("the PDF has no text layer and OCR found no text on it", path=name)
        raise InputError(
            f"the PDF has no usable text layer (scanned images?); {ocr_broken or INSTALL_HINT}",
            path=name,
        )
    text, ranges = page_ranges(texts)
    masks: list[tuple[int, int, str]] = [(end, end + 1, "page break") for _, end in ranges[:-1]]
    warnings: list[str] = []
    if ocr_done:
        numbers = sorted(ocr_done)
        verb = "was" if len(numbers) == 1 else "were"
        warnings.append(
            f"PDF {_pages_phrase(numbers)} had no usable text layer and {verb} read by OCR: "
            "the recognised text is the source text there (offsets point into it) and may "
            "hold recognition errors"
        )
    left = [p for p in unusable if p.number not in ocr_done]
    if left:
        for p in left:
            a, b = ranges[p.number - 1]
            if b > a:
                masks.append((a, b, p.problem or "unusable text layer"))
        problems = "; ".join(sorted({p.problem or "" for p in left}))
        warnings.append(
            f"PDF {_pages_phrase([p.number for p in left])} left out: {problems}; "
            f"{ocr_broken or INSTALL_HINT}"
        )
    return PdfText(text, masks, tuple(sorted(ocr_done)), warnings)


def _pages_phrase(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    shown = ", ".join(str(n) for n in numbers[:20])
    more = f" and {len(numbers) - 20} more" if len(numbers) > 20 else ""
    return f"pages {shown}{more}"


def _ocr_pages(data: bytes, numbers: list[int], name: str) -> dict[int, str]:
    """OCR text of each page in `numbers`, with a progress bar on a terminal for long runs."""
    import sys

    from summarizer.text.ingest.ocr import recognise

    images = (render_page_png(data, n, OCR_SCALE, name) for n in numbers)
    out: dict[int, str] = {}
    if len(numbers) >= _PROGRESS_MIN_PAGES and sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(f"OCR {os.path.basename(name)}", total=len(numbers))
            for number, png in zip(numbers, images, strict=True):
                out[number] = clean_page_text(recognise(png))
                bar.advance(task)
    else:
        for number, png in zip(numbers, images, strict=True):
            out[number] = clean_page_text(recognise(png))
    return out
