"""The section tree on the genre's shapes: one row per shape, a short input → parts and items.

In the style of langextract's alignment case tables: each `Case` names its shape, gives a short
text and states the expected part kinds (preamble included) and, where it matters, the item
headings of one part and the minimum confidence of a kind. A new rule in
`summarizer/lexicon/section_rules.py` comes with a row here of its own shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from summarizer.core.document import Report, SourceText
from summarizer.text.clean import clean
from summarizer.text.sections import build_sections


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    kinds: list[str]  # part kinds of the first report, in order
    items: dict[int, list[str]] = field(default_factory=dict)  # part index → item titles
    reports: int = 1
    confident: dict[int, float] = field(default_factory=dict)  # part index → min confidence
    unsure: tuple[int, ...] = ()  # part indexes whose confidence must stay below 0.8


def _report(text: str) -> list[Report]:
    return build_sections(clean(SourceText("t.txt", text, "utf-8", "txt", "0")))


CASES: list[Case] = [
    Case(
        "numbered parts (一、 (一))",
        "一、2023年工作总结\n(一)招商引资\n签约项目12个。\n(二)项目建设\n完成投资3亿元。\n"
        "二、存在的问题\n(一)用地紧张\n可用地不足。\n三、2024年工作计划\n(一)抓招商\n力争签约15个。\n",
        ["achievements", "problems", "plans"],
        items={0: ["招商引资", "项目建设"], 1: ["用地紧张"]},
        confident={0: 0.85, 1: 0.85, 2: 0.85},
    ),
    Case(
        "bare heading lines (“十四五”时期工作回顾 / 2026年重点工作)",
        "“十四五”时期工作回顾\n五年来，全区地区生产总值年均增长6.5%，规上工业企业达到520家，发展质量稳步提升。\n"
        "2026年重点工作\n今年要着力扩大有效投资，力争固定资产投资增长8%，加快建设一批重大项目。\n",
        ["achievements", "plans"],
    ),
    Case(
        "metaphor headings by position and form (一年接着一年干)",
        "一年接着一年干，园区发展迈上新台阶\n上半年，园区实现规上工业产值120亿元，同比增长9.5%，新签约项目15个。\n"
        "困難和問題\n一是土地要素紧张，可供地不足300亩。二是高端人才短缺。\n"
        "撸起袖子加油干，奋力完成全年任务\n下半年，要着力抓好招商引资，力争新签约项目20个。要加快项目建设。\n",
        ["achievements", "problems", "plans"],
        items={1: ["一是土地要素紧张", "二是高端人才短缺"]},
    ),
    Case(
        "a part numbered 二、 with no 一、 before it (text starts mid-report)",
        "园区新签约项目8个，完成投资5亿元。\n二、存在的问题\n1.用地指标不足。\n2.融资渠道单一。\n"
        "三、下一步工作打算\n1.强化招商。\n2.优化服务。\n",
        ["preamble", "problems", "plans"],
        items={1: ["用地指标不足", "融资渠道单一"]},
    ),
    Case(
        "Markdown headings (## 一、 / ### (一))",
        "## 一、2024年工作总结\n### (一)经济运行\n实现产值80亿元。\n### (二)招商引资\n签约项目9个。\n"
        "## 二、2025年工作计划\n### (一)项目建设\n力争开工项目12个。\n",
        ["achievements", "plans"],
        items={0: ["经济运行", "招商引资"]},
    ),
    Case(
        "traditional characters (存在的問題)",
        "一、2023年工作總結\n(一)招商引資\n簽約項目12個。\n二、存在的問題\n(一)用地緊張\n可用地不足。\n"
        "三、2024年工作計劃\n(一)抓招商\n力爭簽約15個。\n",
        ["achievements", "problems", "plans"],
    ),
    Case(
        "dash bullet runs (——)",
        "一、2023年工作回顾\n——产业发展提速。全年实现产值60亿元。\n——项目建设加快。新开工项目10个。\n"
        "二、2024年工作安排\n——抓招商。力争签约项目20个。\n——抓服务。走访企业200家。\n",
        ["achievements", "plans"],
        items={0: ["——产业发展提速", "——项目建设加快"]},
    ),
    Case(
        "government-report plan headings (总体要求和政策取向 / 政府工作任务)",
        "一、2025年工作回顾\n过去一年，全市地区生产总值增长5.6%。\n"
        "二、2026年经济社会发展总体要求和政策取向\n今年发展主要预期目标是：地区生产总值增长5%左右。\n"
        "三、2026年政府工作任务\n(一)大力发展实体经济\n加快建设现代化产业体系。\n",
        ["achievements", "plans", "plans"],
    ),
    Case(
        "a later year's 主要工作 is the plan (2026年主要工作)",
        "一、2025年工作回顾\n全年实现产值90亿元。\n二、2026年主要工作\n(一)抓招商\n力争签约项目30个。\n",
        ["achievements", "plans"],
    ),
    Case(
        "a numbered part naming a later year with no kind word (二、关于2025年工作)",
        "一、2024年工作回顾\n过去一年，全省地区生产总值增长5.4%。\n"
        "二、关于2025年工作\n(一)扩大有效需求\n力争固定资产投资增长6%。\n(二)建设现代化产业体系\n加快培育新兴产业。\n",
        ["achievements", "plans"],
        confident={1: 0.85},
    ),
    Case(
        "parts named by the past year and this year (过去一年的工作 / 今年的主要任务)",
        "一、过去一年的工作\n全市地区生产总值增长5.2%，新增城镇就业12万人。\n"
        "二、今年的主要任务\n(一)着力扩大内需\n社会消费品零售总额增长5%。\n",
        ["achievements", "plans"],
        confident={0: 0.85, 1: 0.85},
    ),
    Case(
        "the targets paragraph opens the plans (今年……主要预期目标是 / 今年要重点抓好以下几个方面工作)",
        "一、2024年工作回顾\n全省地区生产总值增长5.8%。\n在肯定成绩的同时，我们也清醒看到面临的问题和挑战：一是有效需求不足；二是部分企业经营困难。\n"
        "今年经济社会发展的主要预期目标是：地区生产总值增长5%左右，城镇新增就业50万人以上。\n"
        "今年要重点抓好以下几个方面工作。\n(一)大力提振消费\n实施提振消费专项行动。\n(二)加快产业升级\n培育新兴产业。\n",
        ["achievements", "problems", "plans"],
        items={
            1: ["一是有效需求不足", "二是部分企业经营困难"],
            2: ["大力提振消费", "加快产业升级"],
        },
        confident={2: 0.85},
    ),
    Case(
        "a lead-in inside a part of its own kind opens nothing (三、2026年重点工作 … 主要预期目标是)",
        "一、2025年工作回顾\n全市地区生产总值增长5.4%。\n三、2026年重点工作\n"
        "今年经济社会发展主要预期目标是：地区生产总值增长5%左右。\n重点做好十方面工作。\n"
        "（一）推动协同发展\n加快建设都市圈。\n（二）增强内需主导能力\n大力提振消费。\n",
        ["achievements", "plans"],
        items={1: ["推动协同发展", "增强内需主导能力"]},
    ),
    Case(
        "`——` target lines before the first task ((一) after ——经济增长5%左右)",
        "一、2024年工作回顾\n全年地区生产总值增长5%。\n二、2025年政府工作任务\n"
        "——地区生产总值增长5%左右。\n——城镇新增就业1200万人以上。\n(一)大力提振消费\n实施专项行动。\n(二)培育新质生产力\n加快科技创新。\n",
        ["achievements", "plans"],
    ),
    Case(
        "a part naming past results and next goals turns at the later period (“十四五”成就和“十五五”目标)",
        "一、2025年工作回顾\n全市地区生产总值增长5.4%。\n"
        "二、“十四五”时期发展成就和“十五五”时期主要目标任务\n这五年，全市经济总量迈上新台阶。\n"
        "“十五五”时期是基本实现现代化的关键时期。纲要草案提出地区生产总值年均增长5%左右。\n"
        "三、2026年重点工作\n（一）扩大内需\n大力提振消费。\n",
        ["achievements", "achievements", "plans", "plans"],
    ),
    Case(
        "the government's own work as a part (四、深入推进政府治理创新 / 加强政府自身建设)",
        "一、2025年工作回顾\n全市地区生产总值增长5.4%。\n三、2026年主要任务\n（一）扩大内需\n大力提振消费。\n"
        "四、深入推进政府治理创新\n（一）坚持政治引领\n不折不扣贯彻落实。\n（二）深化依法行政\n推动政府运行更加规范。\n",
        ["achievements", "plans", "plans"],
        confident={2: 0.85},
    ),
    Case(
        "a speaker line and a newspaper copy's header are no part (XX省省长 XXX)",
        "下载\n打印\n【字号：\n加大\n】\n2025年XX省政府工作报告\n来源：XX日报\n时间：2025-02-03\nXX省省长 王某某\n"
        "王某某同志作政府工作报告。本报记者 李某摄\n各位代表：\n"
        "一、2024年工作回顾\n全省地区生产总值增长5.1%。\n二、2025年重点工作\n（一）扩大内需\n大力提振消费。\n",
        ["preamble", "achievements", "plans"],
    ),
    Case(
        "problems acknowledged after the review (在看到成绩的同时，我们也认识到老问题、新挑战)",
        "一、“十四五”时期和2025年工作回顾\n全省地区生产总值增长5.3%。\n"
        "在看到成绩的同时，我们也认识到老问题、新挑战仍然不少，主要是外部环境变化影响加深，消费需求依然偏弱。\n"
        "二、“十五五”时期工作总体要求和目标任务\n（一）扩大内需\n提振消费。\n",
        ["achievements", "problems", "plans"],
    ),
    Case(
        "a weak turn that names no problem it has opens no part (同时要坚持底线思维……风险挑战)",
        "一、2023年工作回顾\n国内生产总值增长5.2%。\n二、2024年经济社会发展总体要求和政策取向\n"
        "我国经济回升向好的基本趋势没有改变。同时要坚持底线思维，做好应对各种风险挑战的充分准备。\n"
        "今年发展主要预期目标是：国内生产总值增长5%左右。\n三、2024年政府工作任务\n（一）扩大内需\n提振消费。\n",
        ["achievements", "plans", "plans"],
    ),
    Case(
        "a part naming the next five-year period is plans (“十五五”时期工作的主要考虑)",
        "一、“十四五”时期和2025年工作回顾\n全省地区生产总值增长5.6%。\n"
        "在看到成绩的同时，我们也清醒地认识到，前进道路上老问题、新挑战仍然不少。主要是：供强需弱矛盾突出。\n"
        "二、“十五五”时期工作的主要考虑\n从风险挑战看，外部环境复杂严峻。实际工作中，重点把握以下几点：\n"
        "一是聚焦使命任务。\n二是推动高质量发展。\n三、2026年的重点工作\n（一）扩大内需\n提振消费。\n",
        ["achievements", "problems", "plans", "plans"],
        confident={2: 0.85},
    ),
    Case(
        "an unnamed part after the problems continues the genre as plans, unsure",
        "一、2024年工作总结\n（一）招商引资\n签约项目12个。\n二、存在的问题\n（一）用地紧张\n可用地不足。\n"
        "三、凝心聚力，砥砺前行\n全区上下团结一心。\n",
        ["achievements", "problems", "plans"],
        unsure=(2,),
    ),
    Case(
        "an item's own title keyword does not set its part's kind (二是重点企业快速成长)",
        "今年以来，园区经济稳中有进。一是产值稳步增长，实现规上工业产值50亿元。"
        "二是重点企业快速成长，3家企业产值超10亿元。三是项目建设加快，新开工项目6个。\n",
        ["achievements"],
    ),
    Case(
        "inline problems after the review (在肯定成绩的同时……清醒看到)",
        "一、2024年工作总结\n全年实现产值70亿元，同比增长8%。在肯定成绩的同时，我们也清醒看到，发展中还存在一些困难和问题："
        "一是产业层次不高；二是创新能力不强；三是要素保障趋紧。\n二、2025年工作思路\n(一)抓招商\n力争签约20个。\n",
        ["achievements", "problems", "plans"],
        items={1: ["一是产业层次不高", "二是创新能力不强", "三是要素保障趋紧"]},
    ),
    Case(
        "problems seen clearly mid-sentence (我们也清醒认识到……主要是：)",
        "过去一年，全县地区生产总值增长6.1%，新增市场主体1.2万户。\n"
        "同时，我们也清醒认识到，当前发展还面临不少困难和挑战，主要是：经济总量偏小，产业结构不优，"
        "科技创新能力不强。\n今年，我们将着力扩大有效需求，力争地区生产总值增长6%。\n",
        ["achievements", "problems", "plans"],
    ),
    Case(
        "genre order without headings (review → problems → plans paragraphs)",
        "今年以来，开发区实现规上工业产值88亿元，同比增长12%，新签约项目16个。\n"
        "园区发展仍存在一些问题和不足，产业链条不长，配套能力偏弱，专业人才缺乏，融资渠道有限。\n"
        "下一步，我们将重点抓好招商引资，力争引进亿元以上项目10个，加快推进标准厂房建设。\n",
        ["achievements", "problems", "plans"],
        unsure=(0,),
    ),
    Case(
        "a title line that ends like a part heading (工业园区工作总结及2023年工作思路)",
        "工业园区工作总结及2023年工作思路\n2022年，园区各项工作取得明显成效。\n"
        "一、2022年工作开展情况\n一是指标平稳增长，产值96亿元。二是招商成效明显，签约21个。\n"
        "二、2023年工作思路\n一是精准招商。二是强化服务。\n",
        ["preamble", "achievements", "plans"],
    ),
    Case(
        "an undated title repeated by a share page (工业园区工作总结 ×3) is no part",
        "工业园区工作总结\n\n工业园区工作总结\n\n工业园区工作总结1\n"
        "20xx年是园区加快发展的一年，园区完成了年初确定的主要工作任务。\n"
        "一、园区招商引资和项目建设方面\n园区突出重点，强化项目支撑，始终把项目建设作为重中之重。\n",
        ["preamble", "achievements"],
    ),
    Case(
        "plan wording in an unnamed part (下半年，要…… / 我们将……)",
        "一、上半年经济运行平稳向好\n上半年实现产值40亿元，同比增长7%。新签约项目5个。\n"
        "二、抓住机遇，奋力冲刺\n下半年，要着力抓好项目建设，确保新开工项目8个。我们将进一步优化营商环境，力争全年产值突破90亿元。\n",
        ["achievements", "plans"],
        unsure=(1,),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_section_case(case: Case) -> None:
    reports = _report(case.text)
    assert len(reports) == case.reports
    parts = reports[0].parts
    assert [p.kind for p in parts] == case.kinds, [(p.kind, p.title) for p in parts]
    for index, titles in case.items.items():
        got = [f"{c.number}{c.title}" if c.level == 5 else c.title for c in parts[index].children]
        assert got == titles
    for index, floor in case.confident.items():
        assert parts[index].confidence >= floor, (parts[index].title, parts[index].confidence)
    for index in case.unsure:
        assert parts[index].confidence < 0.8, (parts[index].title, parts[index].confidence)


def test_children_carry_their_part_confidence() -> None:
    [report] = _report(CASES[0].text)
    for part in report.parts:
        assert all(c.confidence == part.confidence for c in part.walk())


# ----------------------------------------------------------------------------- cruft


@dataclass(frozen=True)
class CruftCase:
    name: str
    text: str
    why: str  # the mask's reason
    masked: str  # the text the mask covers (stripped)


CRUFT_CASES: list[CruftCase] = [
    CruftCase(
        "site truncation note",
        "新签约项目12个。(未完,全文共2270字,当前显示592字)\n",
        "site truncation note",
        "(未完,全文共2270字,当前显示592字)",
    ),
    CruftCase(
        "paywall marker between two reports",
        "力争签约15个。\n……此处隐藏28337个字……\n高新区2022年工作总结\n",
        "paywall marker",
        "……此处隐藏28337个字……",
    ),
    CruftCase(
        "page-title line with a file suffix",
        "经开区工作总结及2023年工作安排.docxVIP专享VIP免费优质\n一、2022年以来工作开展情况\n",
        "page title suffix",
        ".docxVIP专享VIP免费优质",
    ),
    CruftCase(
        "share-site banner line (添加……网 | ……)",
        "添加文秘家园网 | 公文写作素材范文网站到电脑桌面\n一、工作总结\n",
        "site chrome",
        "添加文秘家园网 | 公文写作素材范文网站到电脑桌面",
    ),
    CruftCase(
        "publication line (时间:2022-06-30 …我要投稿)",
        "时间:2022-06-30 22:03:05 工作总结 我要投稿\n一、工作总结\n",
        "publication metadata",
        "时间:2022-06-30 22:03:05 工作总结 我要投稿",
    ),
    CruftCase(
        "template intro (总结就是把一个时段的……)",
        "总结就是把一个时段的学习、工作或其完成情况进行一次全面系统的总结。\n20xx年，园区实现产值10亿元。\n",
        "template intro",
        "总结就是把一个时段的学习、工作或其完成情况进行一次全面系统的总结。",
    ),
    CruftCase(
        "speaker line of a government report (XX省省长 XXX)",
        "2025年XX省政府工作报告\nXX省省长 王某某\n各位代表：\n",
        "speaker line",
        "XX省省长 王某某",
    ),
    CruftCase(
        "speaker line of the national report (国务院总理 李强)",
        "政府工作报告\n国务院总理 李强\n各位代表：\n",
        "speaker line",
        "国务院总理 李强",
    ),
    CruftCase(
        "photo caption of a newspaper copy (……本报记者 XX摄)",
        "XX同志作政府工作报告。本报记者 戴冰摄\n各位代表：\n",
        "photo caption",
        "XX同志作政府工作报告。本报记者 戴冰摄",
    ),
    CruftCase(
        "source line of a newspaper copy (来源：北京日报)",
        "政府工作报告\n来源：北京日报\n各位代表：\n",
        "publication metadata",
        "来源：北京日报",
    ),
    CruftCase(
        "date line of a portal copy (时间：2026-02-02)",
        "来源：北京日报\n时间：2026-02-02\n各位代表：\n",
        "publication metadata",
        "时间：2026-02-02",
    ),
    CruftCase(
        "tool buttons one per line (下载 打印 收藏 【字号：加大 还原 减小】)",
        "下载\n打印\n【字号：\n加大\n还原\n】\n政府工作报告\n",
        "site chrome",
        "【字号：",
    ),
    CruftCase(
        "a report number glued to the year (工作总结120xx年以来)",
        "工业园区工作总结120xx年以来，园区实现产值10亿元。\n",
        "report number",
        "1",
    ),
]


@pytest.mark.parametrize("case", CRUFT_CASES, ids=lambda c: c.name)
def test_cruft_case(case: CruftCase) -> None:
    cleaned = clean(SourceText("t.txt", case.text, "utf-8", "txt", "0"))
    spans = [(m.why, case.text[m.start : m.end].strip()) for m in cleaned.masks]
    assert (case.why, case.masked) in spans, spans


def test_paywall_marker_separates_two_reports() -> None:
    text = (
        "二、存在的问题\n1.用地紧张。\n2.人才不足。\n三、下一步工作打算\n1.抓招商。\n2.抓服务。\n"
        "……此处隐藏2831个字……\n工业集中区2022年工作总结及2023年工作计划\n"
        "一、2022年工作完成情况\n(一)指标增长\n产值增长13%。\n二、2023年工作计划\n(一)抓项目\n力争开工9个。\n"
    )
    reports = _report(text)
    assert len(reports) == 2
    assert reports[1].title == "工业集中区2022年工作总结及2023年工作计划"
    assert [p.kind for p in reports[1].parts] == ["achievements", "plans"]
