"""Stage "clean": find web-page cruft and inserted page numbers, and mask them.

In: a `SourceText`. Out: a `CleanText` whose masks say what was left out and why. Nothing is
deleted: every offset still points into the decoded file text.
"""

from __future__ import annotations

import re

from summarizer.core.document import CleanText, Mask, SourceText
from summarizer.lexicon.numerals import LINE_FINISHED_CHARS
from summarizer.lexicon.words import COMMAS, char_class

# Whole lines that are site chrome, share-site banners or copyright footers.
_CRUFT_LINE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("site navigation", re.compile(r"^\s*(当前位置|您的位置|所在位置|首页\s*[>›»])")),
    ("site navigation", re.compile(r"^[^。\n]{0,40}(\s*[>›»]\s*[^>\n]{1,20}){2,}\s*[>›»]?\s*$")),
    ("share-site banner", re.compile(r"下面是小编(?:为大家)?(整理|收集|精心整理)的")),
    ("template intro", re.compile(r"^\s*总结是(?:对|把)|^\s*总结就是把一个时[段间]的")),
    (
        "site chrome",
        re.compile(r"^\s*添加.{1,16}\s*[|｜]|^\s*安装后可以在桌面快捷访问|^\s*电脑桌面\s*$"),
    ),
    (
        "site chrome",
        re.compile(
            r"^\s*(?:温馨提示\s*[:：]|网站客服\s*[:：]|下载文档\s*$|收藏\s*分享|ID\s*[:：]\s*\d+\s*$"
            r"|大小\s*[:：]\s*[\d.]+\s*[KM]B|页数\s*[:：]\s*\d+页|格式\s*[:：]\s*(?:DOCX?|PDF|WPS)"
            r"|\d\.\s*(?:部分包含数学公式|本文档由用户上传|下载前请仔细阅读|下载文档时可能))"
        ),
    ),
    ("share-site banner", re.compile(r"由会员分享[,，].{0,40}可在线阅读")),
    ("share-site banner", re.compile(r"》?由互联网用户整理提供")),
    ("share-site banner", re.compile(r"^\s*(来源|文章来源)\s*[:：].{0,20}(免责声明|网络整理)")),
    (
        "related links",
        re.compile(r"^\s*(相关热词搜索|推荐访问|相关文章|相关推荐|猜你喜欢|热门文章)"),
    ),
    ("copyright", re.compile(r"版权所有|All Rights Reserved|Powered by|ICP备|未经授权禁止复制")),
    ("page address", re.compile(r"^\s*(本文地址|本文链接|原文地址|原文链接)\s*[:：]")),
    ("disclaimer", re.compile(r"^\s*免责声明")),
    ("publication metadata", re.compile(r"^\s*发布时间\s*[:：].{0,40}(浏览|阅读|点击)")),
    (
        "publication metadata",
        re.compile(
            r"^\s*(?:发布)?时间\s*[:：]\s*\d{4}-\d{1,2}-\d{1,2}.{0,40}(?:我要投稿|投稿|来源|作者)"
        ),
    ),
    (
        "publication metadata",
        re.compile(r"^\s*(索\s*引\s*号|发布机构|主题分类|公开日期|发文日期|文\s*号)\s*[:：].*\|"),
    ),
    (
        "site chrome",
        re.compile(r"^\s*(Top|TOP|返回顶部|上一篇.*|下一篇.*|打印本页|关闭窗口|分享到.*)\s*$"),
    ),
    ("site chrome", re.compile(r"^\s*【?\s*字体\s*[:：]\s*大\s*中\s*小\s*】?")),
    ("site name", re.compile(r"^\s*[\u4e00-\u9fffA-Za-z]{2,8}(网|文库|文档网|范文网)\s*$")),
    # A newspaper or portal copy of a government report: its tool buttons one per line,
    # the font-size switch, the source and date lines, the speaker and the photo caption.
    (
        "site chrome",
        re.compile(r"^\s*(?:下载|打印|全屏|收藏|分享|加大|还原|减小|【字号[:：]?|】)\s*$"),
    ),
    ("site chrome", re.compile(r"^\s*【?\s*字号\s*[:：]\s*(?:大\s*中\s*小|加大)")),
    (
        "publication metadata",
        re.compile(r"^\s*(?:来源|稿源|作者|编辑|责任编辑)\s*[:：]\s*\S{1,20}\s*$"),
    ),
    (
        "publication metadata",
        re.compile(
            r"^\s*(?:发布)?(?:时间|日期)\s*[:：]\s*\d{4}[-年./]\d{1,2}[-月./]\d{1,2}日?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
        ),
    ),
    (
        "speaker line",
        re.compile(
            r"^\s*(?:[\u4e00-\u9fffA-Za-z]{2,12}?(?:省|市|区|县|州|盟|旗)(?:人民政府)?|国务院)"
            r"(?:代理)?(?:代?省长|代?市长|代?区长|代?县长|代?州长|主席|总理)"
            r"\s*[\u4e00-\u9fffA-Za-z·]{2,5}\s*$"
        ),
    ),
    ("photo caption", re.compile(r"^[^。\n]{0,60}。?\s*(?:本报|新华社|记者)[^。\n]{0,16}摄\s*$")),
]

# Phrases inserted inside a sentence by share sites ("答复解决问题 当前隐藏内容免费查看X项").
_CRUFT_INLINE = re.compile(
    r"\s*(当前隐藏内容免费查看|以上内容仅为本文档的试下载部分.{0,30}?。?)\s*"
)
# Inline cruft with its reason: truncation notes, paywall markers (which also stand between
# two reports of one page), file-name suffixes of page titles, and a template's report
# number glued to the year ("工作总结1" + "20xx年以来").
_CRUFT_INLINE_TABLE: list[tuple[str, re.Pattern[str]]] = [
    (
        "site truncation note",
        re.compile(
            rf"[(（]\s*未完\s*{char_class(COMMAS)}?\s*(?:全文共\s*\d+\s*字)?[,，]?\s*(?:当前显示\s*\d+\s*字)?\s*[)）]"
        ),
    ),
    (
        "paywall marker",
        re.compile(r"(?:…{1,3}|\.{3,6})\s*此处隐藏\s*[\d,]+\s*个?字\s*(?:…{1,3}|\.{3,6})?"),
    ),
    (
        "page title suffix",
        re.compile(
            r"\.(?:docx?|pdf|wps|pptx?)(?:\s*(?:VIP专享|VIP免费|免费优质|VIP|优质|专享))*", re.I
        ),
    ),
    (
        "report number",
        re.compile(r"(?<=工作总结)\d{1,2}(?=(?:19|20)\d{2}年|20[xX]{2}年|[xX]{4}年|[ \t]*$)", re.M),
    ),
]

# A line that is only a page number: "- 3 -", "— 12 —", "第3页", "第 3 页 共 9 页".
_PAGE_LINE = re.compile(
    r"^\s*(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?)\s*$",
    re.MULTILINE,
)

# Docx-sharing sites restart every page with "N、" at a line start, mid-sentence.
_PAGE_MARKER = re.compile(r"(?m)^(\d{1,3})、")


def clean(source: SourceText) -> CleanText:
    """Mask cruft lines, inline share-site phrases and page numbers of `source`.

    The masks the reader found (format syntax, page breaks, page chrome) come first; the
    patterns read the simplified copy of a traditional-character source.
    """
    text = source.analysis_text
    masks: list[Mask] = list(source.masks)
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        stripped = line.strip()
        if stripped:
            for why, pattern in _CRUFT_LINE_PATTERNS:
                if pattern.search(line):
                    masks.append(Mask(pos, end, why))
                    break
        pos = end + 1
    for m in _CRUFT_INLINE.finditer(text):
        masks.append(Mask(m.start(), m.end(), "share-site banner"))
    for why, pattern in _CRUFT_INLINE_TABLE:
        masks.extend(Mask(m.start(), m.end(), why) for m in pattern.finditer(text))
    for m in _PAGE_LINE.finditer(text):
        masks.append(Mask(m.start(), m.end(), "page number"))
    masks.extend(_page_markers(text))
    return CleanText.build(source, masks)


def _page_markers(text: str) -> list[Mask]:
    """Find the "N、" page restarts of docx-sharing sites.

    They form a run 1, 2, 3, ... at line starts, on long lines, and most of them cut a
    sentence in two. Real "1、" headings also count up, but sit on short lines after a
    finished sentence, so both conditions together keep them apart.
    """
    found = [(int(m.group(1)), m.start(), m.end()) for m in _PAGE_MARKER.finditer(text)]
    if len(found) < 3:
        return []
    best: list[tuple[int, int, int]] = []
    run: list[tuple[int, int, int]] = []
    for item in found:
        if run and item[0] == run[-1][0] + 1:
            run.append(item)
        elif item[0] == 1 or not run:
            if len(run) > len(best):
                best = run
            run = [item]
    if len(run) > len(best):
        best = run
    if len(best) < 3:
        return []
    line_lengths = []
    mid_sentence = 0
    for _, start, _ in best:
        line_end = text.find("\n", start)
        line_lengths.append((line_end if line_end >= 0 else len(text)) - start)
        before = text[:start].rstrip("\n")
        if before and before[-1] not in LINE_FINISHED_CHARS:
            mid_sentence += 1
    line_lengths.sort()
    median = line_lengths[len(line_lengths) // 2]
    if median < 150 or mid_sentence * 2 < len(best):
        return []
    masks = []
    for _, start, end in best:
        # The line break belongs to the marker: without it the sentence reads on.
        mask_start = start - 1 if start > 0 and text[start - 1] == "\n" else start
        masks.append(Mask(mask_start, end, "page number"))
    return masks
