"""Report metadata by rule: title, organization, zone, summary and plan years.

In: a `Report` and its `CleanText`. Out: `ReportMeta`. Used by every backend: years come from
the part headings ("2023年工作总结" → 2023; "明年工作思路" → summary year + 1) and then the title;
a redacted year ("xxxx年") stays null and is never taken from elsewhere. A government work
report (政府工作报告) is delivered early in the year it plans: its title or its delivery date
("2026年北京市政府工作报告", "——2026年1月25日在……人民代表大会……上") gives the plan year and the
year before is the one it reviews. The zone is the place the title or header names
(`text.zones` turns it into a key), else the organization.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.core.document import CleanText, Report
from summarizer.lexicon.words import COLONS, COMMA, PERIOD, SEMICOLONS
from summarizer.text.zones import ZoneName, zone_name

_YEAR = re.compile(r"(?<![0-9])((?:19|20)\d{2})\s*年")
_REDACTED_YEAR = re.compile(r"(?:[xX×*＊]{2,4})\s*年")
_NEXT_YEAR = re.compile(r"明年|下一年|来年|新的一年")
_ZONE = re.compile(
    r"(?P<name>[\u4e00-\u9fffA-Za-z*＊]{0,18}?"
    r"(?:经济技术开发区|经济开发区|高新技术产业开发区|高新区|开发区|工业园区|产业园区|工业集中发展区|"
    r"工业集中区|园区|经开区)(?:管理委员会|管委会)?)"
)
_GENERIC_PREFIX = re.compile(
    r"^(?:现将|现就|现|就|本|我|全|该|各|在|由|对|将|与|和|为|及|是|的|年度?|今年以来)+"
)


_VERB = re.compile(
    r"围绕|坚持|推进|实施|发挥|贯彻|领导|落实|打造|建设|加快|全力|面对|在|的|和|把|将|对"
)


@dataclass(frozen=True)
class ReportMeta:
    title: str | None
    organization: str | None
    summary_year: int | None
    plan_year: int | None
    zone: ZoneName | None = None
    year_source: str | None = None  # what gave the years: text (headings, title), delivered
    government: bool = False  # a 政府工作报告: its zone is the place its title names


def report_meta(report: Report, clean: CleanText) -> ReportMeta:
    """Title, organization, zone and years of one report."""
    meta = _zone_report_meta(report, clean)
    # The title block: a site's cruft may come first, so a little more than the title.
    head = clean.analysed(report.start, min(report.end, report.body_start + 600))
    gov = _government_report(report.title, head)
    is_gov = gov is not None or _GOV_WORDS in (report.title or "") + head[:400]
    zone = _zone_of(report, head, meta.organization, is_gov)
    if zone is None and not is_gov and _national(clean.analysed(report.start, report.end)):
        # The State Council's report with its title and delivery line cut off.
        return ReportMeta(
            meta.title,
            meta.organization,
            meta.summary_year,
            meta.plan_year,
            zone_name("全国"),
            "text",
            True,
        )
    if gov is not None and (meta.summary_year is None or meta.plan_year is None):
        plan = gov
        summary = meta.summary_year if meta.summary_year is not None else plan - 1
        if summary == plan - 1:
            return ReportMeta(
                meta.title,
                meta.organization,
                summary,
                meta.plan_year or plan,
                zone,
                "delivered",
                True,
            )
    source = "text" if meta.summary_year is not None or meta.plan_year is not None else None
    return ReportMeta(
        meta.title,
        meta.organization,
        meta.summary_year,
        meta.plan_year,
        zone,
        source,
        is_gov,
    )


# A government work report: its title, or the delivery line under it.
_GOV_TITLE = re.compile(
    r"(?:(?P<year>(?:19|20)\d{2})\s*年)?\s*(?P<place>[\u4e00-\u9fff]{0,12}?)(?:人民)?政府工作报告"
)
_DELIVERED = re.compile(
    r"(?:(?P<year>(?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*)?在\s*"
    r"(?P<place>[\u4e00-\u9fff]{0,12}?)"
    r"\s*(?:第[一二三四五六七八九十]+届)\s*(?:全国)?\s*人民代表大会"
)
# "北京市市长 殷勇", "代省长": the head of the government names the place.
_HEAD_OF = re.compile(
    r"(?P<place>[\u4e00-\u9fff]{2,8}?)(?:省长|市长|自治区主席|区长|县长|代省长|代市长)"
)


_PROVINCIAL = re.compile(r"全省|全市|全区|全州|全县|我省|我市|我区")


def _national(text: str) -> bool:
    """A national government report: about 国内生产总值 and 我国, never 全省/全市/我省."""
    opening = text[:4000]
    return (
        "国内生产总值" in text
        and "我国" in opening
        and "全国各族人民" in opening
        and not _PROVINCIAL.search(opening)
    )


_GOV_WORDS = "政府工作报告"


def _government_report(title: str | None, head: str) -> int | None:
    """The year a government work report plans (the year it is delivered); None otherwise."""
    if not (title and _GOV_WORDS in title) and _GOV_WORDS not in head[:400]:
        return None
    m = _GOV_TITLE.search(title or "")
    if m and m.group("year"):
        return int(m.group("year"))
    d = _DELIVERED.search(head)
    if d and d.group("year"):
        return int(d.group("year"))
    m = _GOV_TITLE.search(head[:200])
    if m and m.group("year"):
        return int(m.group("year"))
    return None


def _zone_of(report: Report, head: str, organization: str | None, gov: bool) -> ZoneName | None:
    """The zone: the place a government report's title or header names, else the organization."""
    candidates: list[str] = []
    if gov:
        for text in (report.title or "", head):
            m = _GOV_TITLE.search(text)
            if m and m.group("place"):
                candidates.append(m.group("place"))
            d = _DELIVERED.search(text)
            if d:
                candidates.append(d.group("place") or "全国")
            h = _HEAD_OF.search(text)
            if h:
                candidates.append(h.group("place"))
        if "全国人民代表大会" in head and "国务院" in head:
            candidates.append("全国")
    if organization:
        candidates.append(organization)
    for c in candidates:
        z = zone_name(c)
        if z is not None:
            return z
    return None


def _zone_report_meta(report: Report, clean: CleanText) -> ReportMeta:
    achievements = next((p for p in report.parts if p.kind == "achievements"), None)
    plans = next((p for p in report.parts if p.kind == "plans"), None)
    title = report.title

    summary_year = _heading_year(achievements.title if achievements else None)
    if summary_year is None and not _is_redacted(achievements.title if achievements else None):
        summary_year = _title_year(title, plan=False)
    if summary_year is None and achievements is not None and not _is_redacted(achievements.title):
        # "xxxx年工作总结" over a body that opens "2023年，园区……": the body says the year
        # (a redacted part heading, "xxxx年主要工作完成情况", keeps it hidden).
        summary_year = _opening_year(clean, achievements.start, achievements.end)
    plan_year = _heading_year(plans.title if plans else None)
    half_year = bool(title and _HALF_YEAR.search(title)) or bool(
        achievements and _HALF_YEAR.search(achievements.title)
    )
    if plan_year is None and plans is not None and _NEXT_YEAR.search(plans.title):
        plan_year = summary_year + 1 if summary_year is not None else None
    elif plan_year is None and not _is_redacted(plans.title if plans else None):
        plan_year = _title_year(title, plan=True)
        if plan_year is None and title and _NEXT_YEAR.search(title) and summary_year is not None:
            plan_year = summary_year + 1
    if plan_year is None and plans is not None and summary_year is not None:
        redacted = _is_redacted(plans.title) or _is_redacted(title)
        guess = summary_year if half_year else summary_year + 1
        # A half-year report plans the second half of the same year; a year-end one
        # ("下一步，我们将……") the next year, but only a year the report writes: the overview
        # states it, and no number may come from nowhere.
        if not redacted and str(guess) in clean.analysed(report.start, report.end):
            plan_year = guess
    return ReportMeta(
        title=title,
        organization=_organization(report, clean),
        summary_year=summary_year,
        plan_year=plan_year,
    )


_HALF_YEAR = re.compile(r"上半年|1[-—~至]6月|前三季度|下半年工作")


def _opening_year(clean: CleanText, start: int, end: int) -> int | None:
    """The year a review part's opening sentence names ("2023年，园区……")."""
    opening = clean.analysed(start, min(end, start + 120))
    m = re.search(
        r"(?:^|[。\n])\s*(?:[一二三四五六七八九十]+、)?[^。\n]{0,20}?((?:19|20)\d{2})\s*年(?:度)?[,，以是]",
        opening,
    )
    return int(m.group(1)) if m else None


def _is_redacted(heading: str | None) -> bool:
    return bool(heading and _REDACTED_YEAR.search(heading))


def _heading_year(heading: str | None) -> int | None:
    if not heading or _REDACTED_YEAR.search(heading):
        return None
    m = _YEAR.search(heading)
    return int(m.group(1)) if m else None


def _title_year(title: str | None, *, plan: bool) -> int | None:
    if not title:
        return None
    if plan:
        m = re.search(r"((?:19|20)\d{2})\s*年度?(?:工作)?(?:思路|计划|安排|打算|要点|重点)", title)
        if m:
            return int(m.group(1))
        years = [int(y) for y in _YEAR.findall(title)]
        return years[1] if len(years) >= 2 else None
    m = re.search(rf"((?:19|20)\d{{2}})\s*年[^0-9{COMMA}{PERIOD}]{{0,8}}?总结", title)
    if m:
        return int(m.group(1))
    return None


def _organization(report: Report, clean: CleanText) -> str | None:
    """The zone named in the title, a publisher header or the opening text; None when only
    redacted or generic."""
    publisher = _publisher(clean)
    if publisher is not None:
        return publisher
    candidates: list[str] = []
    if report.title:
        head = re.split(r"(?:19|20)\d{2}|[xX]{4}", report.title)[0]
        m = _ZONE.search(head)
        if m:
            candidates.append(m.group("name"))
    opening = clean.analysed(report.body_start, min(report.end, report.body_start + 400))
    # Only names that open a clause: "…和创建国家级开发区" is a goal, not the zone's name.
    candidates.extend(
        m.group("name")
        for m in _ZONE.finditer(opening)
        if m.start() == 0
        or opening[m.start() - 1] in COMMA + PERIOD + SEMICOLONS + COLONS + "\n 　"
    )
    for name in candidates:
        name = name.strip()
        name = _GENERIC_PREFIX.sub("", name)
        if _VERB.search(name):
            continue  # "紧紧围绕开发区" is a clause, not a name
        if re.search(r"[*＊xX]", name):
            return None  # the report hides its name: never guess it
        if len(name) >= 4 and not name.startswith(("开发区", "园区", "经开区")):
            return name
    return None


# A government site's metadata table: "发布机构: | 开发区(浦口街道) |".
_PUBLISHER = re.compile(
    r"发布机构\s*[:：]\s*[|｜]?\s*(?P<name>[^|｜\n]{2,30}?)\s*(?:[|｜]|$)", re.M
)


def _publisher(clean: CleanText) -> str | None:
    """The organization a site's metadata header names (it is masked as cruft)."""
    for mask in clean.masks[:8]:
        m = _PUBLISHER.search(clean.text, mask.start, mask.end)
        if m is not None:
            name = m.group("name").strip()
            if not re.search(r"[*＊xX]{2}", name):
                return name
    return None
