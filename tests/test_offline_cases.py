"""The offline backend on the genre's shapes: one row per shape, a short report → what its
findings, metrics and years must be (issue 13's patterns 6-8), in the style of a case table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from summarizer.core.config import Settings
from summarizer.core.schema import ReportSummary
from summarizer.pipeline import summarize_file


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    counts: tuple[int, int, int]  # achievements, problems, plans
    check: Callable[[ReportSummary], bool] = lambda r: True
    # Every finding verified. Off for paired values: the grounding (another stage) still
    # says "9.5% is not next to 利润总额" for "营业收入和利润总额分别增长8.5%、9.5%".
    grounded: bool = True


def _metric(r: ReportSummary, raw: str):  # type: ignore[no-untyped-def]
    return next(m for f in r.achievements + r.problems + r.plans for m in f.metrics if m.raw == raw)


CASES: list[Case] = [
    Case(
        "a summary is the item's most informative sentence, not its title",
        "一、2023年工作总结\n(一)全力以进促稳\n全力以进促稳。园区坚持稳中求进。全年实现产值50亿元，同比增长8%。\n"
        "(二)项目建设\n新开工项目12个。\n二、2024年工作计划\n(一)抓招商\n力争签约15个。\n",
        (2, 0, 1),
        lambda r: r.achievements[0].summary.startswith("全年实现产值50亿元"),
    ),
    Case(
        "a generic opening (这五年 / 下半年) never becomes a title",
        "这五年，全区地区生产总值年均增长6.5%，规上工业企业达到520家。\n"
        "下一步，我们将重点抓好招商引资，力争引进亿元以上项目10个。\n",
        (1, 0, 1),
        lambda r: r.achievements[0].title != "这五年" and r.plans[0].title == "重点抓好招商引资",
    ),
    Case(
        "problems listed in one sentence of comma clauses give one finding each",
        "今年以来，园区实现产值42亿元，同比增长10%。\n"
        "园区发展仍存在不少问题，经济总量偏小，产业链条不长，配套能力偏弱，专业人才缺乏，融资渠道有限。\n"
        "下一步，我们将重点抓好招商引资，力争引进项目10个。\n",
        (1, 5, 1),
        lambda r: [f.title for f in r.problems][:2] == ["经济总量偏小", "产业链条不长"],
    ),
    Case(
        "problems after 主要是： split at semicolons",
        "一、2025年工作回顾\n全市地区生产总值增长5.6%。在肯定成绩的同时，我们也清醒看到，发展中还面临不少困难和挑战，"
        "主要是：有效需求不足，部分行业经营困难；科技创新能力不强；财政收支矛盾突出。\n"
        "二、2026年政府工作任务\n(一)扩大有效需求\n实施重大项目300个以上。\n",
        (1, 3, 1),
    ),
    Case(
        "problems after an intro sentence, up to the resolution (我们也清醒认识到……。……；……。我们一定……)",
        "一、2025年工作回顾\n国内生产总值达到134万亿元，增长5.0%，经济运行总体平稳。\n"
        "我们也清醒认识到，当前发展面临的困难和挑战。外部环境变化带来的不利影响加深；国内需求不足，"
        "部分企业生产经营困难；一些地方基层财政困难。政府工作存在不足，形式主义现象仍较突出。"
        "我们一定直面问题挑战，尽心竭力做好工作。\n二、2026年政府工作任务\n(一)扩大国内需求\n提振消费。\n",
        (1, 4, 1),
        lambda r: r.problems[-1].title == "政府工作存在不足",
    ),
    Case(
        "problems as sentences after 主要是： give one finding each (no 一是, no ；)",
        "一、2025年工作回顾\n全市生产总值增长5.4%，城镇调查失业率4.2%。\n"
        "我们也清醒认识到，前进道路上还有不少困难和挑战，政府工作中仍存在一些不足。主要是：外部环境变化影响加深，"
        "不确定因素增多。经济回升的基础仍需稳固，消费增长动力需持续加强。公共服务还要补短板、提质量。"
        "我们要直面这些问题挑战，决不辜负人民期待。\n三、2026年主要任务\n（一）扩大内需\n提振消费。\n",
        (1, 3, 1),
        lambda r: (
            [f.title for f in r.problems]
            == ["外部环境变化影响加深", "经济回升的基础仍需稳固", "公共服务还要补短板"]
        ),
    ),
    Case(
        "problems as comma clauses after 主要是： (one sentence)",
        "一、2025年工作回顾\n全市地区生产总值增长5.1%。\n同时我们也清醒认识到，政府工作还存在不少问题和不足。"
        "主要是：经济稳定向好的支撑基础还不牢固，产业转型的效能还需加力，化债任务依然较重，民生保障还有不少短板。"
        "我们要以更务实举措改进工作。\n二、2026年重点工作\n（一）扩大内需\n提振消费。\n",
        (1, 4, 1),
        lambda r: r.problems[0].title == "经济稳定向好的支撑基础还不牢固",
    ),
    Case(
        "problems by aspect (从需求看……；从产业看……) give one finding each",
        "一、2024年工作回顾\n全省地区生产总值增长5.2%。\n在肯定成绩的同时，我们也清醒看到面临的困难和问题："
        "从需求看，消费恢复偏慢，投资增长乏力；从产业看，传统产业占比较高，新兴产业规模偏小；"
        "从民生看，就业结构性矛盾突出。\n二、2025年重点工作\n（一）扩大内需\n提振消费。\n",
        (1, 3, 1),
    ),
    Case(
        "the government's own work and a run of 五年来 after the last item are items of their own",
        "一、2025年和“十四五”时期工作回顾\n（一）稳增长\n全市地区生产总值增长5.1%。\n（二）惠民生\n新增就业32万人。\n"
        "一年来，我们切实加强政府自身建设，深入整治形式主义。\n各位代表！“十四五”以来，我们迎难而上。\n"
        "五年来，协同发展动能不断显现，80余家央企公司布局拓展。\n五年来，科技创新加快融合，建设29家全国重点实验室。\n"
        "二、2026年重点工作\n（一）扩大内需\n提振消费。\n各位代表！新征程对政府自身建设提出了新要求，我们要依法行政。\n"
        "各位代表！让我们团结奋斗。\n",
        (5, 0, 2),
        lambda r: (
            [f.title for f in r.achievements][2] == "政府自身建设"
            and r.plans[-1].title == "政府自身建设"
        ),
    ),
    Case(
        "a run of problem sentences goes on through short ones up to the resolution",
        "一、2023年工作回顾\n国内生产总值超过126万亿元，增长5.2%，城镇新增就业1244万人。\n"
        "在肯定成绩的同时，我们也清醒看到面临的困难和挑战。"
        "有效需求不足，部分行业产能过剩。一些地方基层财力比较紧张。生态环境保护治理任重道远。"
        "我们一定直面问题和挑战，尽心竭力做好工作。\n二、2024年政府工作任务\n（一）扩大内需\n提振消费。\n"
        "各位代表！\n新征程新使命，对政府工作提出了新的更高要求。各级政府要深入推进依法行政。\n",
        (1, 3, 2),
        lambda r: r.plans[-1].title == "政府自身建设",
    ),
    Case(
        "one five-year paragraph after the review's items, and own-work variants",
        "一、2025年工作回顾\n（一）稳增长\n全省地区生产总值增长5.1%。\n（二）惠民生\n新增就业60万人。\n"
        "一年来，我们全面正确履行政府职能，依法接受人大监督。\n"
        "各位代表！2025年目标任务顺利完成。五年来，我们牢记嘱托，生产总值迈上新台阶。\n"
        "二、2026年政府工作任务\n（一）扩大内需\n提振消费。\n"
        "新的形势和任务，对政府工作提出了更高要求。各级政府要深入推进依法行政。\n",
        (4, 0, 2),
        lambda r: [f.title for f in r.achievements][2:] == ["政府自身建设", "五年成就"],
    ),
    Case(
        "the sentence right after the colon lists problems with commas, the next is one more",
        "一、2025年工作回顾\n全省生产总值6.66万亿元，城镇新增就业110万人，粮食产量1300亿斤。\n"
        "我们也清醒认识到，发展中还存在不少矛盾和问题：经济运行中不确定因素较多，有效需求依然不足，"
        "一些企业生产经营困难，基层财政收支矛盾突出。一些干部推动发展能力亟待提高，作风建设还需加强。"
        "对此，我们一定高度重视。\n二、2026年重点工作\n（一）扩大内需\n提振消费。\n",
        (1, 5, 1),
        lambda r: r.problems[0].title == "经济运行中不确定因素较多",
    ),
    Case(
        "lead-sentence paragraphs before a part's first heading are items (综合实力稳步提升。……)",
        "一、“十四五”时期和2025年工作回顾\n过去的五年极不寻常，经济社会发展取得新成就。\n"
        "综合实力稳步提升。生产总值6.66万亿元，财政总收入7019亿元。\n"
        "产业转型提质增效。战略性新兴产业占规上工业增加值比重超过25%。\n"
        "民生福祉不断增进。城镇新增就业603.7万人。\n"
        "（一）千方百计稳就业稳企业\n逐季召开经济工作部署会。\n（二）全面加快融入统一大市场\n建立150项任务清单。\n"
        "二、2026年重点工作\n（一）扩大内需\n提振消费。\n",
        (5, 0, 1),
        lambda r: (
            [f.title for f in r.achievements][:3]
            == ["综合实力稳步提升", "产业转型提质增效", "民生福祉不断增进"]
        ),
    ),
    Case(
        "a list led by ，主要是 without a colon, closed by 这些……问题 (one finding per clause)",
        "一、2025年工作回顾\n全省地区生产总值增长5.3%，城镇新增就业130万人。\n"
        "在看到成绩的同时，我们也认识到老问题、新挑战仍然不少，主要是外部环境变化影响加深，消费需求依然偏弱，"
        "投资动力不够强，一些地方财政收支矛盾突出。这些发展中的问题，都是经过努力能够解决的。\n"
        "二、2026年重点工作\n（一）扩大内需\n提振消费。\n",
        (1, 4, 1),
        lambda r: r.problems[0].title == "外部环境变化影响加深",
    ),
    Case(
        "figures in a plans part are targets",
        "一、2023年工作总结\n(一)招商\n签约项目12个。\n二、2024年工作计划\n(一)抓项目\n新开工项目25个，完成投资60亿元。\n",
        (1, 0, 1),
        lambda r: {m.kind for m in r.plans[0].metrics} == {"target"},
    ),
    Case(
        "预计全年…… in a year-end review is an expected result, not a target",
        "一、2023年工作总结\n(一)经济运行\n1-11月完成产值109亿元，预计全年实现工业总产值120亿元。\n"
        "二、2024年工作计划\n(一)抓招商\n力争签约15个。\n",
        (1, 0, 1),
        lambda r: _metric(r, "120亿元").kind == "actual",
    ),
    Case(
        "headline amounts fill the per-finding cap before minor counts",
        "一、2023年工作总结\n(一)项目建设\n走访企业8家，召开会议3次，开展培训2场，编印手册4册，组织活动5项，"
        "签订协议6个，完成投资68.2亿元，同比增长12%，实现税收9.6亿元。\n二、2024年工作计划\n(一)抓招商\n力争签约15个。\n",
        (1, 0, 1),
        lambda r: {"68.2亿元", "9.6亿元"} <= {m.raw for m in r.achievements[0].metrics},
    ),
    Case(
        "a paired value keeps its name without 分别",
        "一、2023年工作总结\n(一)经济运行\n营业收入和利润总额分别增长8.5%、9.5%，实现营业收入30亿元。\n"
        "二、2024年工作计划\n(一)抓招商\n力争签约15个。\n",
        (1, 0, 1),
        lambda r: all(not m.name.endswith("分别") for m in r.achievements[0].metrics),
        grounded=False,
    ),
    Case(
        "a half-year report plans the rest of the same year",
        "物流园区2024年上半年工作总结\n一、上半年工作完成情况\n(一)运行\n实现收入38.6亿元。\n"
        "二、下半年工作安排\n(一)项目\n确保冷链中心年底前运营。\n",
        (1, 0, 1),
        lambda r: (r.summary_year, r.plan_year) == (2024, 2024),
    ),
    Case(
        "a year-end report whose plans name no year plans the next one (a year it writes)",
        "工业园区2023年工作总结\n2023年，园区实现规上工业产值42.6亿元。\n"
        "下一步，我们将重点抓好招商引资，力争2024年引进项目10个。\n",
        (1, 0, 1),
        lambda r: (r.summary_year, r.plan_year) == (2023, 2024),
    ),
    Case(
        "a redacted title year with the year in the body (xxxx年工作总结 / 2023年，园区……)",
        "xxxx年工业园区工作总结\n一、主要工作完成情况\n2023年，园区实现规上工业产值42.6亿元，同比增长10%。\n"
        "(一)招商\n签约项目12个。\n二、2024年工作计划\n(一)抓招商\n力争签约15个。\n",
        (1, 0, 1),
        lambda r: (r.summary_year, r.plan_year) == (2023, 2024),
    ),
    Case(
        "a plan year the report never writes is not guessed (the overview would state it)",
        "工业园区2023年工作总结\n2023年，园区实现规上工业产值42.6亿元。\n"
        "下一步，我们将重点抓好招商引资，力争引进项目10个。\n",
        (1, 0, 1),
        lambda r: (r.summary_year, r.plan_year) == (2023, None),
    ),
    Case(
        "a base-year figure is no headline result (由2020年的50亿元提高到…)",
        "一、2023年工作总结\n园区规上工业产值由2020年的50亿元提高到86.4亿元，同比增长11.3%。\n"
        "(一)招商\n签约项目12个。\n二、2024年工作计划\n(一)抓招商\n力争签约15个。\n",
        (1, 0, 1),
        lambda r: [m.raw for m in r.key_metrics] == ["86.4亿元"] and "50亿元" not in r.overview,
    ),
    Case(
        "an opening clause is no organization (现就经开区……)",
        "现就经开区2023年工作情况汇报如下。\n一、2023年工作总结\n(一)招商\n签约项目12个。\n"
        "二、2024年工作计划\n(一)抓招商\n力争签约15个。\n",
        (1, 0, 1),
        lambda r: r.organization is None,
    ),
    Case(
        "organization from a site's 发布机构 header",
        "索 引 号: | 1133/2019-1 | 主题分类: | |\n发布机构: | 开发区(浦口街道) | 公开日期: | 2019-02-21 |\n"
        "一、2018年工作总结\n(一)招商\n签约项目12个。\n二、2019年工作思路\n(一)抓项目\n力争开工10个。\n",
        (1, 0, 1),
        lambda r: r.organization == "开发区(浦口街道)",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_offline_case(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(case.text, encoding="utf-8")
    doc = summarize_file(path, settings=Settings(backend="offline"))
    [r] = doc.reports
    got = (len(r.achievements), len(r.problems), len(r.plans))
    assert got == case.counts, [f.title for f in r.achievements + r.problems + r.plans]
    assert case.check(r), r.model_dump_json(indent=1)[:3000]
    for f in r.achievements + r.problems + r.plans:
        assert f.verified or not case.grounded, f.title
        # A summary says more than its title, unless the item is a single clause.
        single_clause = not any(c in f.summary.rstrip("，,；;。") for c in "，,；;")
        assert f.summary.strip("。；; ") != f.title.strip("。；; ") or single_clause
