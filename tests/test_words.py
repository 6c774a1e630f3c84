"""lexicon/words.py: one row per direction word, punctuation mark and heading level, and the
places that read them agreeing (下跌 and 下滑 are a fall everywhere)."""

from __future__ import annotations

import re

import pytest

from summarizer.grounding.ground import _direction_before
from summarizer.lexicon.figures import NEGATIVE_VERBS
from summarizer.lexicon.reading import find_metrics
from summarizer.lexicon.words import (
    BOUNDARY_CHARS,
    CLAUSE_END_MARK,
    DOWN_VERBS,
    FALL_VERBS,
    RISE_VERBS,
    SENTENCE_END_MARK,
    UP_VERBS,
    HeadingLevel,
    alternation,
    char_class,
    direction_word,
    not_in,
)
from summarizer.panel.track import _DECLINE


@pytest.mark.parametrize(
    ("sentence", "change"),
    [
        ("工业产值184.7亿元，同比增长5%。", 5.0),
        ("工业产值184.7亿元，同比增加5%。", 5.0),
        ("工业产值184.7亿元，同比提高5%。", 5.0),
        ("工业产值184.7亿元，同比提升5%。", 5.0),
        ("工业产值184.7亿元，同比上升5%。", 5.0),
        ("工业产值184.7亿元，同比下降5%。", -5.0),
        ("工业产值184.7亿元，同比减少5%。", -5.0),
        ("工业产值184.7亿元，同比回落5%。", -5.0),
        ("工业产值184.7亿元，同比降低5%。", -5.0),
        ("工业产值184.7亿元，同比下滑5%。", -5.0),
        # 下跌 was parsed by grounding and not by the figure finder: now a fall in both.
        ("工业产值184.7亿元，同比下跌5%。", -5.0),
    ],
)
def test_every_direction_verb_signs_the_change_of_a_figure(sentence: str, change: float) -> None:
    (found,) = find_metrics(sentence)
    assert found.metric.change_pct == change


@pytest.mark.parametrize("verb", [*RISE_VERBS, *FALL_VERBS])
def test_grounding_reads_the_same_direction(verb: str) -> None:
    assert _direction_before(f"同比{verb}", len(verb) + 2) == (-1 if verb in FALL_VERBS else 1)


@pytest.mark.parametrize(
    ("name", "declines"),
    [
        ("单位GDP能耗下降", True),
        ("安全事故起数减少", True),
        ("库存降低", True),
        ("房价回落", True),
        # 下滑 and 下跌 counted as a fall by the figure reading, not by track: now by both.
        ("出口下滑", True),
        ("价格下跌", True),
        ("地区生产总值增长", False),
    ],
)
def test_track_reads_a_decline_target_by_the_same_words(name: str, declines: bool) -> None:
    assert (_DECLINE.search(name) is not None) == declines


def test_one_list_of_falls() -> None:
    assert NEGATIVE_VERBS == frozenset(FALL_VERBS)
    assert set(RISE_VERBS) <= set(UP_VERBS) and set(FALL_VERBS) <= set(DOWN_VERBS)
    assert not set(UP_VERBS) & set(DOWN_VERBS)


@pytest.mark.parametrize(("falls", "word"), [(False, "增长"), (True, "下降")])
def test_direction_word(falls: bool, word: str) -> None:
    assert direction_word(falls=falls) == word


@pytest.mark.parametrize(
    ("mark", "sentence_end", "clause_end", "boundary"),
    [
        ("。", True, True, True),
        ("！", True, True, True),
        ("？", True, True, True),
        ("!", True, True, True),
        ("?", True, True, True),
        ("；", True, True, True),
        (";", True, True, True),
        ("：", False, True, True),
        (":", False, True, True),
        ("，", False, True, False),
        (",", False, True, False),
        ("、", False, True, False),
        ("（", False, True, False),
        ("】", False, True, False),
        ("“", False, True, False),
        ("\n", False, True, True),
        ("的", False, False, False),
        ("-", False, False, False),
    ],
)
def test_punctuation_classes(
    mark: str, sentence_end: bool, clause_end: bool, boundary: bool
) -> None:
    assert bool(SENTENCE_END_MARK.fullmatch(mark)) == sentence_end
    assert bool(CLAUSE_END_MARK.fullmatch(mark)) == clause_end
    assert (mark in BOUNDARY_CHARS) == boundary


@pytest.mark.parametrize("chars", ["]^-[", "。；", "\\a"])
def test_char_class_escapes(chars: str) -> None:
    for c in chars:
        assert re.fullmatch(char_class(chars), c)
        assert not re.fullmatch(not_in(chars), c)
    assert not re.fullmatch(char_class(chars), "x")


def test_alternation_keeps_order_and_escapes() -> None:
    assert alternation(["增长", "a.b"]) == r"增长|a\.b"


@pytest.mark.parametrize(
    ("level", "value"),
    [
        (HeadingLevel.UNNUMBERED, 0),
        (HeadingLevel.PART, 1),
        (HeadingLevel.SECTION, 2),
        (HeadingLevel.ITEM, 3),
        (HeadingLevel.SUBITEM, 4),
        (HeadingLevel.ENUMERATION, 5),
    ],
)
def test_heading_levels_are_the_section_levels(level: HeadingLevel, value: int) -> None:
    assert level == value
