"""Masking of web cruft and inserted page numbers; offsets stay in the decoded text."""

from __future__ import annotations

from conftest import seed_paths

from summarizer.core.document import SourceText
from summarizer.pipeline import analyse
from summarizer.text.clean import clean


def _clean(text: str):  # type: ignore[no-untyped-def]
    return clean(SourceText("t.txt", text, "utf-8", "txt", "0"))


def test_cruft_lines_are_masked_and_text_kept() -> None:
    text = (
        "当前位置:首页 > 工作总结 > 正文\n"
        "下面是小编为大家整理的开发区工作总结,供大家参考。\n"
        "一、2023年工作总结\n完成投资3亿元。\n"
        "相关热词搜索: 开发区 工作总结\n"
        "版权所有:某某文档网 2018-2024\n"
        "本文地址:http://example.invalid/1.html\n"
    )
    c = _clean(text)
    whys = {m.why for m in c.masks}
    assert {
        "site navigation",
        "share-site banner",
        "related links",
        "copyright",
        "page address",
    } <= whys
    assert c.text == text  # nothing deleted
    analysed = c.analysed(0, len(text))
    assert "小编" not in analysed and "版权所有" not in analysed and "本文地址" not in analysed
    assert "一、2023年工作总结\n完成投资3亿元。" in analysed
    assert len(c.view) == len(text)


def test_inline_banner_inside_sentence() -> None:
    text = "累计完成企业服务X余家次,答复解决问题 当前隐藏内容免费查看X项;组织活动X场。"
    c = _clean(text)
    assert c.analysed(0, len(text)) == "累计完成企业服务X余家次,答复解决问题X项;组织活动X场。"


def test_page_markers_mid_sentence_are_masked() -> None:
    line = "有色金属新材料产业园完成工程投资额约3亿元" * 10
    text = (
        f"1、{line},已\n2、完成2栋厂房主体工程{line}\n3、亿元,应交增值税{line}\n4、今年以来帮助企业"
    )
    c = _clean(text)
    assert [m.why for m in c.masks] == ["page number"] * 4
    analysed = c.analysed(0, len(text))
    assert ",已完成2栋厂房" in analysed
    assert "\n" not in analysed


def test_real_numbered_headings_are_not_page_markers() -> None:
    text = "(三)重点工作\n1、园区规划及基础设施建设\n完善规划。\n2、招商引资及项目促进\n全力招商。\n3、要素保障\n保障用地。\n"
    c = _clean(text)
    assert c.masks == ()


def test_seed_masks_are_reported_by_kind() -> None:
    seeds = {p.name[:3]: p for p in seed_paths()}
    masks = analyse(seeds["003"]).clean.masks
    assert sum(m.why == "page number" for m in masks) == 36
    masks4 = analyse(seeds["004"]).clean.masks
    assert [m.why for m in masks4] == ["publication metadata", "publication metadata"]
