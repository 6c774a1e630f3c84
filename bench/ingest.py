"""Reading speed of the ingest formats: a 50-page Chinese text PDF, OCR per page, HTML main
content, Markdown markup and the traditional → simplified copy. Prints one Markdown table.

    .venv/bin/python bench/ingest.py            # needs fonts-noto-cjk; OCR rows need the extra
    .venv/bin/python bench/ingest.py --ocr-pages 3

All fixtures are generated in a temporary folder (fpdf2 with Debian's Noto CJK font, page
images drawn with Pillow) and deleted at the end. Times are wall-clock medians in this
process after a warm-up read (imports, the OCR models), so they are the per-file cost in a
batch, not start-up.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from summarizer.text.read import read_source  # noqa: E402

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_SC = 2
SEED = sorted((REPO / "seeds").glob("*.txt"))[0]


def _median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _page_texts(n: int, chars: int) -> list[str]:
    body = "".join(SEED.read_text(encoding="utf-8").split())
    out = []
    for i in range(n):
        at = (i * chars) % max(1, len(body) - chars)
        out.append(f"第{i + 1}页\n" + body[at : at + chars])
    return out


def _text_pdf(path: Path, pages: list[str]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("noto", fname=str(NOTO_CJK), collection_font_number=NOTO_SC)
    pdf.set_font("noto", size=11)
    for page in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, page)
    pdf.output(str(path))


def _image_pdf(path: Path, pages: list[str]) -> None:
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(NOTO_CJK), 28, index=NOTO_SC)
    pdf = FPDF()
    for page in pages:
        # An A4 page at about 150 dpi: 1240 × 1754 pixels, 36 characters a line.
        image = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(image)
        lines = [page[i : i + 36] for i in range(0, len(page), 36)][:40]
        for n, line in enumerate(lines):
            draw.text((80, 80 + 40 * n), line, font=font, fill=0)
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        pdf.add_page()
        pdf.image(buf, x=0, y=0, w=210)
    pdf.output(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ocr-pages", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not NOTO_CJK.is_file():
        sys.exit("needs fonts-noto-cjk (apt-get install fonts-noto-cjk)")
    rows: list[tuple[str, str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="summarizer-bench-ingest-") as tmp:
        folder = Path(tmp)
        pdf = folder / "report50.pdf"
        _text_pdf(pdf, _page_texts(50, 1200))
        read_source(pdf)
        t = _median(lambda: read_source(pdf), args.runs)
        chars = len(read_source(pdf).text)
        rows.append(
            (
                "PDF text layer, 50 pages",
                f"read_source of a 50-page fpdf2 PDF in Noto CJK ({chars:,} chars, "
                f"{pdf.stat().st_size // 1024} kB), median of {args.runs}",
                "< 2 s",
                f"{t:.3f} s ({t / 50 * 1000:.1f} ms/page)",
                "pass" if t < 2 else "GAP",
            )
        )
        from summarizer.text.ingest.ocr import ocr_available

        if ocr_available():
            scan = folder / "scan.pdf"
            _image_pdf(scan, _page_texts(args.ocr_pages, 900))
            t0 = time.perf_counter()
            from summarizer.text.ingest.ocr import _engine

            _engine()
            load = time.perf_counter() - t0
            t0 = time.perf_counter()
            source = read_source(scan)
            total = time.perf_counter() - t0
            per = total / args.ocr_pages
            rows.append(
                (
                    "OCR per page",
                    f"read_source of {args.ocr_pages} image-only A4 pages (150 dpi scans, "
                    f"~40 lines each) rendered at 144 dpi, rapidocr-onnxruntime on the CPU; "
                    f"{len(source.text):,} chars recognised",
                    "report it",
                    f"{per:.2f} s/page (model load once: {load:.2f} s)",
                    "info",
                )
            )
        else:
            rows.append(
                (
                    "OCR per page",
                    "the OCR extra is not installed",
                    "report it",
                    "-",
                    "-",
                )
            )
        html = folder / "page.html"
        paragraphs = "".join(f"<p>{p}</p>" for p in _page_texts(20, 400))
        html.write_text(
            "<html><body><div class='nav'><a href='/'>首页</a><a href='/n'>新闻</a></div>"
            f"<div class='article'><h1>工作总结</h1>{paragraphs}</div>"
            "<div class='footer'>版权所有</div></body></html>",
            encoding="utf-8",
        )
        read_source(html)
        t = _median(lambda: read_source(html), args.runs)
        rows.append(
            (
                "HTML with main content",
                f"read_source of an 8,000-character page (visible text + trafilatura), "
                f"median of {args.runs}",
                "report it",
                f"{t * 1000:.0f} ms",
                "info",
            )
        )
        md = folder / "report.md"
        md.write_text(
            "\n\n".join(
                f"## {i}、标题\n\n**{p}**\n\n- 条目" for i, p in enumerate(_page_texts(50, 400))
            ),
            encoding="utf-8",
        )
        t = _median(lambda: read_source(md), args.runs)
        size = md.stat().st_size
        rows.append(
            (
                "Markdown markup",
                f"read_source of a {size // 1024} kB .md (50 headings, bold, bullets), "
                f"median of {args.runs}",
                "report it",
                f"{t * 1000:.0f} ms ({size / t / 1e6:.1f} MB/s)",
                "info",
            )
        )
        import opencc

        trad = str(opencc.OpenCC("s2t").convert(SEED.read_text(encoding="utf-8"))) * 25
        big5 = folder / "trad.txt"
        big5.write_text(trad, encoding="utf-8")
        read_source(big5)
        t = _median(lambda: read_source(big5), args.runs)
        size = big5.stat().st_size
        rows.append(
            (
                "traditional → simplified copy",
                f"read_source of a {size // 1024} kB traditional UTF-8 text (OpenCC t2s), "
                f"median of {args.runs}",
                "report it",
                f"{t * 1000:.0f} ms ({size / t / 1e6:.1f} MB/s)",
                "info",
            )
        )
    print("| figure | how | target | measured | pass/gap |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
