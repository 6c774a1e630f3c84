"""Real files: Chinese PDFs (text layer, garbled, image-only → OCR), Markdown markup, HTML
page chrome, traditional characters (Big5 and UTF-8), protected Office files, the BOM rule.

Every fixture is generated here: PDFs with fpdf2 and the Noto CJK font of Debian's
fonts-noto-cjk (which .ci/run installs), page images with Pillow, a protected .docx with
msoffcrypto-tool.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest

from summarizer.core.document import SourceText
from summarizer.core.errors import InputError
from summarizer.pipeline import analyse_source
from summarizer.text.ingest import ocr as ocr_mod
from summarizer.text.ingest.pdf import PAGE_BREAK, page_problem
from summarizer.text.read import read_source

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_SC = 2  # the face index of Simplified Chinese in the collection
needs_cjk_font = pytest.mark.skipif(
    not NOTO_CJK.is_file(), reason="no Noto CJK font: apt-get install fonts-noto-cjk (.ci/run does)"
)

REPORT_PAGES = [
    "XX经济开发区2023年工作总结\n一、2023年工作总结\n"
    "今年以来，开发区狠抓招商引资。全年新签约项目32个，总投资120亿元，同比增长16.2%。",
    "二、存在的问题\n一是产业结构不够优化。二是企业创新能力不强，研发投入偏低。",
    "三、2024年工作思路\n力争引进亿元以上项目20个，加快园区基础设施建设。",
]


def _pdf(path: Path, pages: list[str | bytes]) -> None:
    """A PDF with one page per item: text (in Noto CJK) or PNG bytes (an image-only page)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("noto", fname=str(NOTO_CJK), collection_font_number=NOTO_SC)
    pdf.set_font("noto", size=12)
    for page in pages:
        pdf.add_page()
        if isinstance(page, bytes):
            pdf.image(io.BytesIO(page), x=10, y=10, w=190)
        else:
            pdf.multi_cell(0, 8, page)
    pdf.output(str(path))


def _text_image(lines: list[str]) -> bytes:
    """PNG of black text lines on white, as a scanner would see a printed page."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(NOTO_CJK), 40, index=NOTO_SC)
    image = Image.new("RGB", (1400, 90 * len(lines) + 60), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 90 * i), line, font=font, fill="black")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _kinds(source: SourceText) -> list[str]:
    return [p.kind for r in analyse_source(source).reports for p in r.parts]


# --- PDF text layer -------------------------------------------------------------------


@needs_cjk_font
def test_chinese_pdf_reads_cleanly_with_masked_page_breaks(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    _pdf(path, list(REPORT_PAGES))
    source = read_source(path)
    assert source.format == "pdf"
    assert "\x00" not in source.text
    # pypdf read this very file as "\x00X\x00X…"; PDFium gives the text as written.
    pages = source.text.split(PAGE_BREAK)
    assert [re.sub(r"\s", "", p) for p in pages] == [re.sub(r"\s", "", p) for p in REPORT_PAGES]
    breaks = [m for m in source.masks if m.why == "page break"]
    assert [source.text[m.start : m.end] for m in breaks] == ["\f", "\f"]
    assert source.warnings == () and source.ocr_pages == ()
    assert [k for k in _kinds(source) if k != "preamble"] == ["achievements", "problems", "plans"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("一、2023年工作总结\n全年新签约项目32个，总投资120亿元。", None),
        ("", "no text layer"),
        ("- 3 -", "no text layer"),
        ("(cid:12)(cid:845)(cid:77)(cid:1203)(cid:88) 年工作总结", "garbled"),
        ("\ufffd\ufffd\ufffd\ufffd开发区\ufffd\ufffd\ufffd工作总结", "garbled"),
        ("\ue001\ue002\ue003\ue004\ue005开发区工作总结项目建设", "garbled"),
        ("Ê¼¿ª·¢ÇøÄê¹¤×÷×Ü½á ¹¤×÷Ë¼Â· ÕÐÉÌÒý×Ê Ïîä¿½¨Éè", "almost no Chinese"),
    ],
    ids=["good", "empty", "page-number-only", "cid", "replacement", "private-use", "mojibake"],
)
def test_page_problem(text: str, problem: str | None) -> None:
    found = page_problem(text)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@needs_cjk_font
def test_a_garbled_page_is_masked_and_named_without_ocr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr_mod, "ocr_available", lambda: False)
    path = tmp_path / "report.pdf"
    _pdf(path, [REPORT_PAGES[0], "(cid:12)(cid:845)(cid:77)(cid:1203)(cid:88)(cid:9)"])
    source = read_source(path)
    garbled = [m for m in source.masks if m.why.startswith("garbled")]
    assert len(garbled) == 1 and "(cid:" in source.text[garbled[0].start : garbled[0].end]
    (warning,) = source.warnings
    assert "page 2" in warning and "pip install 'summarizer[ocr]'" in warning


@needs_cjk_font
def test_a_50_page_pdf_is_read_page_by_page(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    _pdf(path, [f"第{n + 1}页。" + REPORT_PAGES[n % 3] * 6 for n in range(50)])
    source = read_source(path)
    assert source.text.count(PAGE_BREAK) == 49
    assert source.warnings == ()
    assert "第50页" in source.text


@needs_cjk_font
def test_pdfs_read_in_threads_at_once(tmp_path: Path) -> None:
    # A batch reads in worker threads; PDFium itself must see one call at a time.
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "report.pdf"
    _pdf(path, list(REPORT_PAGES) * 4)
    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(lambda _: read_source(path).text, range(8)))
    assert len(set(texts)) == 1 and "存在的问题" in texts[0]


def test_a_page_of_english_is_a_real_text_layer() -> None:
    assert page_problem("Industrial output grew by 12.5 percent in 2023. " * 5) is None


def test_password_protected_pdf(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as f:
        writer.write(f)
    with pytest.raises(InputError, match="password-protected"):
        read_source(path)


# --- OCR ------------------------------------------------------------------------------

OCR_LINES = ["二、存在的问题", "一是产业结构不够优化", "二是企业创新能力不强"]


@needs_cjk_font
def test_an_ocr_extra_that_cannot_load_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarizer.text.ingest import pdf as pdf_mod

    def broken(*_args: object) -> dict[int, str]:
        raise ImportError("libGL.so.1: cannot open shared object file")

    monkeypatch.setattr(ocr_mod, "ocr_available", lambda: True)
    monkeypatch.setattr(pdf_mod, "_ocr_pages", broken)
    path = tmp_path / "mixed.pdf"
    _pdf(path, [REPORT_PAGES[0], _text_image(OCR_LINES)])
    source = read_source(path)
    (warning,) = source.warnings
    assert "page 2" in warning and "cannot load" in warning and "libGL" in warning


@needs_cjk_font
def test_without_the_ocr_extra_a_scan_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr_mod, "ocr_available", lambda: False)
    path = tmp_path / "scan.pdf"
    _pdf(path, [_text_image(OCR_LINES)])
    with pytest.raises(InputError) as info:
        read_source(path)
    message = str(info.value)
    assert "no usable text layer" in message and "pip install 'summarizer[ocr]'" in message
    assert "\n" not in message


@needs_cjk_font
def test_image_only_page_is_ocrd(tmp_path: Path) -> None:
    if not ocr_mod.ocr_available():
        pytest.skip(
            "the OCR extra is not installed (pip install 'summarizer[ocr]'); CI installs it"
        )
    path = tmp_path / "mixed.pdf"
    _pdf(path, [REPORT_PAGES[0], _text_image(OCR_LINES)])
    source = read_source(path)
    assert source.ocr_pages == (2,)
    assert any("page 2" in w and "OCR" in w for w in source.warnings)
    first, second = source.text.split(PAGE_BREAK)
    assert "新签约项目32个" in first
    recognised = re.sub(r"\s", "", second)
    # The models may slip on a character; most of the page must come through.
    hits = sum(line in recognised for line in OCR_LINES)
    assert hits >= 2, second
    assert "problems" in _kinds(source)


# --- Markdown -------------------------------------------------------------------------

MARKDOWN = """# XX经济开发区2023年工作总结及2024年工作思路

## 一、2023年工作总结

### （一）招商引资成效明显

全年**新签约项目32个**，总投资*120亿元*，详见[附表](https://example.cn/t.html)。

- 引进亿元以上项目12个
- 新增规上企业8家

### （二）项目建设提速

> 完成固定资产投资45亿元。

## 二、存在的问题

一是产业结构不够优化；二是企业创新能力不强。

## 三、2024年工作思路

1. 力争引进亿元以上项目20个。
2. 加快园区基础设施建设。
"""


def test_markdown_markup_is_masked_and_headings_read(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    source = read_source(path)
    assert source.text == MARKDOWN
    masked = "".join(source.text[m.start : m.end] for m in source.masks)
    assert not re.search("[\u4e00-\u9fff0-9]", masked)
    analysis = analyse_source(source)
    (report,) = analysis.reports
    parts = [(p.number, p.title, p.kind) for p in report.parts if p.kind != "preamble"]
    assert parts == [
        ("一、", "2023年工作总结", "achievements"),
        ("二、", "存在的问题", "problems"),
        ("三、", "2024年工作思路", "plans"),
    ]
    (done,) = [p for p in report.parts if p.kind == "achievements"]
    subs = [(s.number, s.title) for s in done.children]
    assert subs == [("（一）", "招商引资成效明显"), ("（二）", "项目建设提速")]
    text = "".join(c.text for c in analysis.chunks)
    assert "#" not in text and "**" not in text and "](" not in text
    assert "新签约项目32个" in text and "附表" in text
    # The ordered list's numbers are the report's own numbering: they stay.
    assert "1. 力争" in text


def test_markdown_reads_like_the_same_text_without_markup(tmp_path: Path) -> None:
    plain = re.sub(r"(?m)^#+ ", "", MARKDOWN)
    md, txt = tmp_path / "a.md", tmp_path / "a.txt"
    md.write_text(MARKDOWN, encoding="utf-8")
    txt.write_text(plain, encoding="utf-8")

    def tree(source: SourceText) -> list[tuple[str, str, str]]:
        return [
            (s.number, s.title, s.kind)
            for r in analyse_source(source).reports
            for p in r.parts
            for s in p.walk()
        ]

    assert tree(read_source(md)) == tree(read_source(txt))


# --- HTML main content ----------------------------------------------------------------

HTML_PAGE = """<html><head><title>工作总结-某某网</title></head><body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/news">新闻中心</a></li>
<li><a href="/gov">政务公开</a></li><li><a href="/biz">招商服务</a></li></ul></div>
<div class="ad" id="banner-ad">广告：特价楼盘火热认购中，点击咨询热线400-000-0000</div>
<div class="article"><h1>XX经济开发区2023年工作总结</h1>
<p>一、2023年工作总结</p>
<p>今年以来，开发区坚持以高质量发展为引领，狠抓招商引资、聚焦重点项目。全年新签约项目32个，
总投资120亿元，完成规上工业总产值456.7亿元，同比增长12.5%。</p>
<p>二、存在的问题</p>
<p>一是产业结构不够优化，二是企业创新能力不强，三是要素保障压力较大。</p>
<p>三、2024年工作思路</p>
<p>坚持高质量发展，加快园区基础设施建设，力争引进亿元以上项目20个。</p>
</div>
<div class="sidebar"><h3>热门文章</h3><ul><li><a href="/a">某某区召开经济运行分析会</a></li>
<li><a href="/b">某某县政府工作报告全文</a></li></ul></div>
<div class="footer">网站地图 | 联系我们 | 主办单位：某某网 | 技术支持：某某科技</div>
</body></html>"""


def test_html_page_chrome_is_masked_and_offsets_stay_exact(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    source = read_source(path)
    chrome = [source.text[m.start : m.end] for m in source.masks if m.why == "page chrome"]
    joined = "\n".join(chrome)
    for noise in ("新闻中心", "特价楼盘", "热门文章", "某某县政府工作报告全文", "技术支持"):
        assert noise in joined
    analysis = analyse_source(source)
    kept = "".join(c.text for c in analysis.chunks)
    for content in ("新签约项目32个", "二是企业创新能力不强", "力争引进亿元以上项目20个"):
        assert content in kept
    assert "特价楼盘" not in kept and "技术支持" not in kept
    # The <h1> is the report's title, though trafilatura files it as the page title.
    assert [r.title for r in analysis.reports] == ["XX经济开发区2023年工作总结"]
    assert len(analysis.clean.view) == len(source.text)
    assert "problems" in _kinds(source)


# --- traditional characters -----------------------------------------------------------

TRADITIONAL = (
    "XX經濟開發區2023年工作總結\n一、2023年工作總結\n"
    "今年以來，開發區堅持以高質量發展為引領，狠抓招商引資。全年新簽約項目32個，總投資120億元。\n"
    "二、存在的問題\n一是產業結構不夠優化，傳統產業佔比較高。二是企業創新能力不強，研發投入偏低。\n"
    "三、2024年工作思路\n堅持高質量發展，加快園區基礎設施建設，力爭引進億元以上項目20個。\n"
)


@pytest.mark.parametrize("encoding", ["big5", "utf-8"])
def test_traditional_report_finds_its_problems(tmp_path: Path, encoding: str) -> None:
    from summarizer.backends.offline import OfflineBackend  # noqa: F401  (offline is built in)
    from summarizer.pipeline import summarize_file

    path = tmp_path / f"report-{encoding}.txt"
    path.write_bytes(TRADITIONAL.encode(encoding))
    source = read_source(path)
    assert source.text == TRADITIONAL  # as written
    assert source.simplified is not None and len(source.simplified) == len(source.text)
    assert "存在的问题" in source.simplified
    assert any("traditional characters" in w for w in source.warnings)
    assert "problems" in _kinds(source)
    doc = summarize_file(path)
    (report,) = doc.reports
    assert report.problems
    for finding in report.problems + report.achievements + report.plans:
        for ev in finding.evidence:
            if ev.start is not None and ev.end is not None:
                # Quotes stay as written: traditional characters at their offsets.
                assert source.text[ev.start : ev.end] == ev.quote
    quotes = "".join(ev.quote for f in report.problems for ev in f.evidence)
    assert "產業結構" in quotes or "創新能力" in quotes


def test_simplified_text_gets_no_simplified_copy(tmp_path: Path) -> None:
    # 乾燥 would turn into 干燥, 著作 stays: converting simplified text changes it.
    path = tmp_path / "report.txt"
    path.write_text("一、2023年工作总结\n显著提高，著作颇丰，天气乾燥，开发区项目建设。\n", "utf-8")
    assert read_source(path).simplified is None


# --- Office files ---------------------------------------------------------------------


def _docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("一、2023年工作总结")
    document.add_paragraph("全年新签约项目32个。")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _protected_docx(path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(path, "wb") as out:
        OOXMLFile(io.BytesIO(_docx_bytes())).encrypt("secret", out)


@pytest.mark.parametrize("name", ["locked.docx", "locked.doc"])
def test_password_protected_docx(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _protected_docx(path)
    with pytest.raises(InputError) as info:
        read_source(path)
    message = str(info.value)
    assert message == f"{path}: the document is password-protected; save a copy without a password"


@pytest.mark.slow
def test_password_protected_docx_exits_2_with_one_line(tmp_path: Path) -> None:
    from helpers import run_cli

    path = tmp_path / "locked.docx"
    _protected_docx(path)
    result = run_cli("summarize", path, "--backend", "offline", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "password-protected" in lines[0]


def test_doc_without_antiword_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(512))
    with pytest.raises(InputError, match="apt-get install antiword"):
        read_source(path)


@pytest.mark.skipif(
    shutil.which("antiword") is None, reason="antiword is not installed (.ci/run installs it)"
)
def test_a_broken_doc_is_one_line_from_antiword(tmp_path: Path) -> None:
    path = tmp_path / "broken.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    with pytest.raises(InputError) as info:
        read_source(path)
    message = str(info.value)
    assert message.startswith(f"{path}: antiword cannot read this .doc file")
    assert "\n" not in message and "input.doc" not in message


def test_docx_named_doc(tmp_path: Path) -> None:
    path = tmp_path / "renamed.doc"
    path.write_bytes(_docx_bytes())
    with pytest.raises(InputError, match="rename it to .docx"):
        read_source(path)


# --- the BOM rule ---------------------------------------------------------------------


def test_offsets_index_the_text_without_its_bom(tmp_path: Path) -> None:
    text = "一、2023年工作总结\n全年新签约项目32个。\n二、存在的问题\n企业创新能力不强。\n"
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    source = read_source(path)
    assert source.text == text and source.encoding == "utf-8-sig"
    start = source.text.index("企业")
    assert source.text[start : start + 4] == "企业创新"
