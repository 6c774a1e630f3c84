"""The read stage: encodings, formats and every way a file can be unreadable."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest

from summarizer.core.errors import InputError
from summarizer.text import read as read_mod
from summarizer.text.read import SUPPORTED_EXTENSIONS, decode_bytes, html_to_text, read_source

REPO = Path(__file__).resolve().parent.parent

SIMPLIFIED = (
    "一、2023年工作总结\n"
    "今年以来，开发区坚持以高质量发展为引领，狠抓招商引资、聚焦重点项目。"
    "全年新签约项目32个，总投资120亿元，完成规上工业总产值456.7亿元。\n"
    "二、存在的问题\n产业结构不够优化，企业创新能力不强。\n"
)
TRADITIONAL = (
    "二零二三年經濟開發區工作總結。一年來，在區委、區政府的堅強領導下，全區上下緊緊圍繞"
    "發展目標，積極推進項目建設，招商引資取得顯著成效，全年新簽約項目三十二個，總投資"
    "一百二十億元。存在的問題：產業結構不夠優化，企業創新能力不強。明年工作思路：堅持"
    "高質量發展，加快園區基礎設施建設。"
)
# Short GBK strings: charset-normalizer reads these as Big5 or cp949.
SHORT_GBK = ["工作总结", "开发区", "经济发展", "项目建设", "招商引资", "存在的问题", "二、工作思路"]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def input_error(path: Path, **kwargs: Any) -> str:
    """The message of the InputError that reading `path` raises; checks it names the file."""
    with pytest.raises(InputError) as info:
        read_source(path, **kwargs)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    return message


# --- plain text encodings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SIMPLIFIED.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8"), "utf-8-sig"),
        (SIMPLIFIED.encode("gbk"), "gb18030"),
        # © and the emoji are outside GBK: only GB18030 has them (4-byte sequences).
        ((SIMPLIFIED + "©2023 😀\n").encode("gb18030"), "gb18030"),
        (TRADITIONAL.encode("big5"), "big5"),
        (b"\xff\xfe" + SIMPLIFIED.encode("utf-16-le"), "utf-16"),
        (b"\xfe\xff" + SIMPLIFIED.encode("utf-16-be"), "utf-16"),
        (SIMPLIFIED.encode("utf-16-le"), "utf-16"),
        (SIMPLIFIED.encode("utf-16-be"), "utf-16"),
        (SIMPLIFIED.encode("utf-32"), "utf-32"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "gbk",
        "gb18030",
        "big5",
        "utf16le",
        "utf16be",
        "utf16le-nobom",
        "utf16be-nobom",
        "utf32",
    ],
)
def test_decodes_text_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = write(tmp_path, "report.txt", data)
    source = read_source(path)
    expected = SIMPLIFIED + ("©2023 😀\n" if "😀".encode("gb18030") in data else "")
    if encoding == "big5":
        expected = TRADITIONAL
    assert source.text == expected
    assert source.encoding == encoding
    assert source.format == "txt"
    assert source.path == str(path)
    assert source.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("text", SHORT_GBK)
def test_short_gbk_strings_are_not_mistaken_for_big5(tmp_path: Path, text: str) -> None:
    source = read_source(write(tmp_path, "short.txt", text.encode("gbk")))
    assert (source.text, source.encoding) == (text, "gb18030")


@pytest.mark.parametrize("text", ["經濟開發區工作總結", "招商引資取得顯著成效", "項目建設"])
def test_short_big5_strings(tmp_path: Path, text: str) -> None:
    source = read_source(write(tmp_path, "short.txt", text.encode("big5")))
    assert (source.text, source.encoding) == (text, "big5")


def test_real_seeds_survive_a_gb18030_round_trip(tmp_path: Path) -> None:
    for seed in sorted((REPO / "seeds").glob("*.txt"))[:3]:
        text = seed.read_text(encoding="utf-8")
        source = read_source(write(tmp_path, seed.name, text.encode("gb18030")))
        assert source.encoding == "gb18030"
        assert source.text == text.replace("\r\n", "\n")


def test_charset_normalizer_is_the_last_resort(tmp_path: Path) -> None:
    text = "Отчёт о работе зоны развития за 2023 год. Привлечение инвестиций выросло. " * 5
    source = read_source(write(tmp_path, "ru.txt", text.encode("cp1251")))
    assert source.text == text
    assert source.encoding == "cp1251"


def test_only_line_endings_change(tmp_path: Path) -> None:
    raw = "标题\r\n\u3000\u3000正文\t有制表符  \r第三行\r\n\r\n结尾 "
    source = read_source(write(tmp_path, "crlf.txt", raw.encode("utf-8")))
    assert source.text == "标题\n\u3000\u3000正文\t有制表符  \n第三行\n\n结尾 "


def test_markdown(tmp_path: Path) -> None:
    source = read_source(write(tmp_path, "r.MD", "# 工作总结\n\n- 一是招商\n".encode()))
    assert (source.format, source.text) == ("md", "# 工作总结\n\n- 一是招商\n")


def test_text_extension_and_supported_list() -> None:
    assert set(SUPPORTED_EXTENSIONS) == {
        ".txt",
        ".text",
        ".md",
        ".docx",
        ".doc",
        ".html",
        ".htm",
        ".pdf",
    }


def test_five_megabytes_of_utf8_is_fast_and_skips_charset_normalizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import charset_normalizer

    def boom(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("charset-normalizer ran on a UTF-8 file")

    monkeypatch.setattr(charset_normalizer, "from_bytes", boom)
    data = (SIMPLIFIED * 20_000).encode("utf-8")
    assert len(data) > 5_000_000
    path = write(tmp_path, "big.txt", data)
    start = time.perf_counter()
    source = read_source(path)
    elapsed = time.perf_counter() - start
    assert source.encoding == "utf-8"
    assert elapsed < 0.5  # about 20 ms here; the bound is loose for slow CI machines


# --- docx, html, pdf ------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("一、2023年工作总结")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "完成值"
    table.cell(1, 0).text = "工业总产值"
    table.cell(1, 1).text = "456.7亿元"
    table.cell(1, 2).text = "增长12%"
    document.add_paragraph("二、存在的问题")
    path = tmp_path / "report.docx"
    document.save(str(path))
    source = read_source(path)
    assert source.format == "docx"
    assert source.text == (
        "一、2023年工作总结\n指标\n完成值\n工业总产值\n456.7亿元\n增长12%\n二、存在的问题"
    )


def test_docx_without_text(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))
    assert "no text" in input_error(path)


HTML = """<!DOCTYPE html><html><head><meta charset="gbk"><title>页面标题</title>
<style>p { color: red }</style></head><body>
<script>var tracker = "不可见";</script><noscript>请启用脚本</noscript>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; 工作总结</div>
<!-- 注释也不可见 -->
<div><h1>开发区2023年工作总结</h1>
  <div><p>（一）招商引资。全年签约<b>32</b>个项目，<br>总投资120亿元。</p>
  <ul><li>一是强化服务</li><li>二是优化环境</li></ul></div></div>
<p>版权所有 &copy; 2024</p>
</body></html>"""


def test_html_visible_text_with_block_breaks(tmp_path: Path) -> None:
    source = read_source(write(tmp_path, "page.htm", HTML.encode("gbk")))
    assert source.format == "html"
    assert source.encoding == "gb18030"
    assert source.text == (
        "当前位置：首页 > 工作总结\n"
        "开发区2023年工作总结\n"
        "（一）招商引资。全年签约32个项目，\n总投资120亿元。\n"
        "一是强化服务\n二是优化环境\n"
        "版权所有 © 2024"
    )
    for hidden in ("不可见", "请启用脚本", "color", "页面标题"):
        assert hidden not in source.text


def test_html_with_unclosed_head_keeps_the_body() -> None:
    html = "<html><head><title>标题</title><p>正文第一段</p><p>正文第二段</p></html>"
    assert html_to_text(html) == "正文第一段\n正文第二段"


def test_html_deep_nesting_does_not_recurse() -> None:
    html = "<div>" * 5000 + "深处的文字" + "</div>" * 5000
    assert html_to_text(html) == "深处的文字"


# --- errors ---------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in input_error(tmp_path / "nope.txt")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "reports.txt"
    folder.mkdir()
    assert "directory" in input_error(folder)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_permission_denied_real(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.txt", "内容".encode())
    path.chmod(0)
    try:
        assert "permission denied" in input_error(path)
    finally:
        path.chmod(0o600)


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "secret.txt", "内容".encode())

    def denied(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(read_mod, "open", denied, raising=False)
    assert "permission denied" in input_error(path)


def test_empty_file(tmp_path: Path) -> None:
    assert "empty" in input_error(write(tmp_path, "empty.txt", b""))


def test_whitespace_only(tmp_path: Path) -> None:
    path = write(tmp_path, "blank.txt", " \n\t\r\n\u3000\n".encode())
    assert "only whitespace" in input_error(path)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"


@pytest.mark.parametrize(
    "data",
    [
        PNG,
        b"%PDF-1.7\n" + "开发区".encode() * 50,
        b"PK\x03\x04" + b"x" * 100,
        bytes(range(256)) * 8,  # NULs on both byte parities: not UTF-16
        b"\x01\x02\x03\x04\x05abc" * 100,  # valid UTF-8, but control characters
    ],
    ids=["png", "pdf-magic", "zip-magic", "nul-bytes", "control-chars"],
)
def test_binary(tmp_path: Path, data: bytes) -> None:
    assert "binary" in input_error(write(tmp_path, "image.txt", data))


def test_undecodable(tmp_path: Path) -> None:
    path = write(tmp_path, "mojibake.txt", bytes(range(0x80, 0x100)) * 20)
    assert "undecodable" in input_error(path)


@pytest.mark.parametrize("name", ["report.xls", "report.rtf", "README"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    message = input_error(write(tmp_path, name, "内容".encode()))
    assert "unsupported" in message
    assert ".txt" in message and ".docx" in message and ".pdf" in message


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("fake.docx", "这不是Word文件".encode()),
        ("fake.docx", b"PK\x03\x04" + os.urandom(64).replace(b"\x00", b"\x01")),
        ("fake.pdf", b"%PDF-1.4\n1 0 obj garbage"),
        ("fake.pdf", "这不是PDF".encode()),
    ],
)
def test_corrupt_docx_and_pdf(tmp_path: Path, name: str, data: bytes) -> None:
    message = input_error(write(tmp_path, name, data))
    assert ("not a valid" in message) or ("no text layer" in message)


def test_too_large_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "huge.txt", "开发区".encode() * 1000)  # 9000 bytes

    def no_read(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(read_mod, "open", no_read, raising=False)
    message = input_error(path, max_bytes=4096)
    assert "9,000 bytes" in message
    assert "4,096 bytes" in message
    assert "--max-file-mb" in message


def test_at_the_size_limit_is_fine(tmp_path: Path) -> None:
    data = "开发区".encode() * 1000
    assert read_source(write(tmp_path, "ok.txt", data), max_bytes=len(data)).text == "开发区" * 1000


def test_decode_bytes_helper_names_its_input() -> None:
    with pytest.raises(InputError, match="^<bytes>: binary"):
        decode_bytes(PNG)
    assert decode_bytes(b"ok") == ("ok", "utf-8")
