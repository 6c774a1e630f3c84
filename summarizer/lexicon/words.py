"""The genre's small word lists, punctuation classes and heading levels, each in one place.

Every module that reads or writes a direction (增长 / 下降), cuts text at a sentence or a
clause, or asks what level a heading is, takes it from here; tests/test_house.py fails when a
copy appears elsewhere, and tests/test_words.py holds one row per word and mark.

- Direction: `RISE_VERBS` / `FALL_VERBS` (the two-character verbs a change is written with:
  同比增长8%, 下降5%; a change after a fall is negative), `UP_VERBS` / `DOWN_VERBS` (with the
  rarer and one-character forms the figure reading also knows), `RATE_NOUNS` (增速, 降幅: a %
  after them is a growth rate), `direction_word` (the word an output writes for a change).
- Punctuation: `FULL_STOPS`, `SEMICOLONS`, `COLONS`, `COMMAS`, `BRACKETS`, `QUOTES`, and the
  classes built from them (`SENTENCE_END_CHARS`, `BOUNDARY_CHARS`, `CLAUSE_END_CHARS`), each
  also as a compiled pattern; `char_class` builds a regex class from any of them.
- Heading levels: `HeadingLevel` names the levels of core/document.py's `Section.level`.

Order matters where a list becomes a regex alternation (the first word that matches wins):
`alternation` keeps the order given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import IntEnum

# ------------------------------------------------------------------------------- direction

#: Verbs of a rise: a change written after them is positive (同比增长8%).
RISE_VERBS: tuple[str, ...] = ("增长", "增加", "提高", "提升", "上升")
#: Verbs of a fall: a change written after them is negative (下降5% is -5).
FALL_VERBS: tuple[str, ...] = ("下降", "减少", "回落", "降低", "下滑", "下跌")
#: The words a signed change is written after when a figure is read on its own: the verbs,
#: and the growth-rate nouns 增速/增幅 (规上工业增加值增速8%).
CHANGE_WORDS: tuple[str, ...] = (*RISE_VERBS, "增速", "增幅", *FALL_VERBS)
#: Every rise verb the figure reading knows: the common ones, then rarer and one-character forms.
UP_VERBS: tuple[str, ...] = (*RISE_VERBS, "上涨", "攀升", "增")
#: Every fall verb the figure reading knows.
DOWN_VERBS: tuple[str, ...] = (*FALL_VERBS, "压减", "压降", "缩减", "降")
#: Rate nouns: a % after them is a growth rate of the subject, whatever its sign.
RATE_NOUNS: tuple[str, ...] = ("增速", "增幅", "增长率", "降幅", "涨幅", "跌幅")
#: The rate nouns a growth series is named with (地区生产总值增速).
GROWTH_RATE_NOUNS: tuple[str, ...] = RATE_NOUNS[:3]
#: The rate nouns of a fall (降幅5% is -5).
FALL_RATE_NOUNS: frozenset[str] = frozenset({"降幅", "跌幅"})
#: A price's change keeps its own noun when an output writes it (居民消费价格涨幅3%).
PRICE_RATE_NOUN = "涨幅"
#: What an output writes before a change: 增长8.2%, 下降3%.
RISE_WORD = "增长"
FALL_WORD = "下降"


def direction_word(falls: bool) -> str:
    """The word an output writes for a change that falls (下降) or does not (增长)."""
    return FALL_WORD if falls else RISE_WORD


# ----------------------------------------------------------------------------- punctuation

#: The full stop alone (。), where a rule knows no other.
PERIOD = "。"
EXCLAMATIONS = "！!"
QUESTION_MARKS = "？?"
#: Marks that end a sentence outright.
FULL_STOPS = PERIOD + EXCLAMATIONS + QUESTION_MARKS
SEMICOLONS = "；;"
COLONS = "：:"
#: The comma between clauses (，,), without the enumeration comma (、) between list items.
COMMA = "，,"
#: Every mark inside a sentence between clauses and list items.
COMMAS = COMMA + "、"
BRACKETS = "()（）[]【】"
QUOTES = '“”"'
#: Characters that end a sentence (and so a figure's context): full stops and semicolons.
SENTENCE_END_CHARS = FULL_STOPS + SEMICOLONS
#: Characters after which a heading may start mid-line (the previous sentence ended).
BOUNDARY_CHARS = SENTENCE_END_CHARS + COLONS + "\n"
#: Clause boundaries: where a figure's name starts and stops.
CLAUSE_END_CHARS = COMMAS + SENTENCE_END_CHARS + COLONS + BRACKETS + QUOTES + "\n"


def char_class(chars: str) -> str:
    """A regex character class matching any of `chars` (escaped where needed)."""
    return "[" + "".join("\\" + c if c in "\\]^-[" else c for c in chars) + "]"


def not_in(chars: str) -> str:
    """A regex character class matching any character but `chars`."""
    return "[^" + char_class(chars)[1:]


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of `words` in the order given (the first that matches wins)."""
    return "|".join(re.escape(w) for w in words)


#: A sentence end (full stop or semicolon).
SENTENCE_END_MARK = re.compile(char_class(SENTENCE_END_CHARS))
#: A full stop, a semicolon or a line break.
SENTENCE_STOP = re.compile(char_class(SENTENCE_END_CHARS + "\n"))
#: A clause boundary (as in `CLAUSE_END_CHARS`).
CLAUSE_END_MARK = re.compile(char_class(CLAUSE_END_CHARS))


# --------------------------------------------------------------------------- heading levels


class HeadingLevel(IntEnum):
    """The levels of a section (core/document.py `Section.level`), outermost first."""

    #: A part heading without numbering, or an inline part ("在肯定成绩的同时…").
    UNNUMBERED = 0
    #: 一、 (and the part a report's top level opens).
    PART = 1
    #: (一)
    SECTION = 2
    #: 1. 1、
    ITEM = 3
    #: (1)
    SUBITEM = 4
    #: 一是 / 一要: an enumeration inside a paragraph.
    ENUMERATION = 5


#: One past the deepest level (a range over levels stops here).
LEVEL_END = HeadingLevel.ENUMERATION + 1


def as_part_level(level: int) -> int:
    """The level a heading counts at among parts: an unnumbered part heading is a part."""
    return max(level, HeadingLevel.PART)


# ------------------------------------------------------------------------- the genre itself

#: Words that nearly every work report uses; a text with almost none is probably something else.
GENRE_WORDS: tuple[str, ...] = (
    "工作",
    "开发区",
    "园区",
    "项目",
    "企业",
    "招商",
    "建设",
    "投资",
    "发展",
    "完成",
    "推进",
    "增长",
)
