"""The vocabulary (one table of finding kinds and topics), the one mask merge, the one path style."""

from __future__ import annotations

from typing import get_args

import pytest

from summarizer.core.document import Mask, merge_masks
from summarizer.core.schema import ReportSummary
from summarizer.core.vocabulary import (
    FINDING_KINDS,
    KIND_FIELDS,
    KINDS,
    PART_FINDING_KIND,
    TOPIC_LABELS,
    TOPIC_LABELS_EN,
    FindingKind,
    PartKind,
    Topic,
)
from summarizer.review.validate import json_path


def test_every_kind_is_in_the_table_once_in_output_order() -> None:
    assert KINDS == get_args(FindingKind) == ("achievement", "problem", "plan", "other")
    # The lists of a ReportSummary, in the same order.
    lists = [n for n, f in ReportSummary.model_fields.items() if n in KIND_FIELDS.values()]
    assert lists == [w.field for w in FINDING_KINDS]
    assert len({w.css for w in FINDING_KINDS}) == len({w.zh for w in FINDING_KINDS}) == 4


def test_every_part_kind_names_a_finding_kind() -> None:
    assert set(PART_FINDING_KIND) == set(get_args(PartKind))
    assert PART_FINDING_KIND["preamble"] == "achievement"
    assert PART_FINDING_KIND["problems"] == "problem"


def test_every_topic_has_both_labels() -> None:
    assert list(TOPIC_LABELS) == list(TOPIC_LABELS_EN) == list(get_args(Topic))
    assert TOPIC_LABELS["party_building"] == "党建"


# masks, text length -> merged (start, end, why)
MERGE_CASES = [
    ([], 10, []),
    ([Mask(2, 4, "a")], 10, [(2, 4, "a")]),
    ([Mask(5, 8, "b"), Mask(1, 3, "a")], 10, [(1, 3, "a"), (5, 8, "b")]),  # sorted
    ([Mask(1, 5, "a"), Mask(3, 7, "b")], 10, [(1, 7, "a")]),  # overlapping: first reason kept
    ([Mask(1, 3, "a"), Mask(3, 6, "b")], 10, [(1, 6, "a")]),  # touching
    ([Mask(1, 9, "a"), Mask(2, 4, "b")], 10, [(1, 9, "a")]),  # contained
    ([Mask(4, 4, "a"), Mask(6, 5, "b")], 10, []),  # empty or reversed
    ([Mask(-3, 2, "a"), Mask(8, 20, "b")], 10, [(0, 2, "a"), (8, 10, "b")]),  # clipped
    ([Mask(12, 20, "a")], 10, []),  # wholly outside
]


@pytest.mark.parametrize(("masks", "length", "expected"), MERGE_CASES)
def test_merge_masks(masks: list[Mask], length: int, expected: list[tuple[int, int, str]]) -> None:
    assert [(m.start, m.end, m.why) for m in merge_masks(masks, length)] == expected


# The one path style of validate, check and eval messages.
PATH_CASES = [
    ((), "$"),
    (("source", "path"), "$.source.path"),
    (("reports", 0, "plans", 2, "evidence", 1, "start"), "$.reports[0].plans[2].evidence[1].start"),
]


@pytest.mark.parametrize(("parts", "expected"), PATH_CASES)
def test_json_path(parts: tuple[int | str, ...], expected: str) -> None:
    assert json_path(*parts) == expected


# ----------------------------------------------------------------------------- topics (schema "2")

TOPIC_CASES = [
    # (title, summary, body, expected): one row per shape of the keyword table
    ("粮食生产", "全年粮食产量稳定在300亿斤以上。", "", "agriculture_rural"),
    ("推进乡村全面振兴", "建设高标准农田12万亩。", "", "agriculture_rural"),
    ("稳外贸稳外资", "实际使用外资58亿美元。", "", "opening_up"),
    ("构建对外开放新高地", "探索设立自贸试验区联动发展区。", "", "opening_up"),
    ("丰富优质文化供给", "建成开放中国长城博物馆。", "", "culture_tourism"),
    ("文旅融合", "接待游客1.2亿人次。", "", "culture_tourism"),
    # A heading that names no topic: the summary, then the body decide.
    (
        "坚持系统观念",
        "统筹推进各项工作。",
        "口岸通关效率提升，跨境电商进出口增长12%。",
        "opening_up",
    ),
    ("招商引资", "新签约项目30个。", "", "investment_promotion"),
]


@pytest.mark.parametrize(("title", "summary", "body", "expected"), TOPIC_CASES)
def test_topic_case(title: str, summary: str, body: str, expected: str) -> None:
    from summarizer.lexicon.topics import topic_for

    assert topic_for(title, summary, body) == expected


def test_new_topics_have_labels_and_a_version_1_document_still_validates() -> None:
    import json
    from pathlib import Path

    from summarizer.core.schema import SCHEMA_VERSION, SummaryDocument

    assert SCHEMA_VERSION == "2"
    for topic in ("agriculture_rural", "opening_up", "culture_tourism"):
        assert TOPIC_LABELS[topic] and TOPIC_LABELS_EN[topic]
    golden = Path(__file__).parent / "data" / "golden" / "000_3a69d44367748af4.offline.json"
    data = json.loads(golden.read_text(encoding="utf-8"))
    data["schema_version"] = "1"  # what this tool wrote before the new topics
    assert SummaryDocument.model_validate(data).schema_version == "1"
