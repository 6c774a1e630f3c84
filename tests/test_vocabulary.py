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
