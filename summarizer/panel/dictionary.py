"""The indicator dictionary: standard indicators, units and qualifiers, read from TOML files.

In: the packaged `indicators.toml` plus any user files of the same shape. Out: a `Dictionary`
that names a metric's standard indicator, normalises a figure to its base unit and reads the
qualifier words around it. No I/O beyond reading those files.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from summarizer.core.errors import ConfigError
from summarizer.lexicon.words import CHANGE_WORDS, RATE_NOUNS, UP_VERBS, alternation

Bound = Literal["at_least", "about", "at_most"]
Measure = Literal["level", "growth", "points"]

FAMILIES = ("money", "count", "area", "share", "rate", "mass", "power", "length")
CLASSES = ("对外开放", "发展质量", "科技创新", "绿色发展", "统筹协调", "")
_BOUNDS = ("at_least", "about", "at_most")
# When several qualifiers surround a figure the narrowest reading wins: "力争增长8%左右" is
# an "about" target, "确保控制在3%以内" an upper bound.
_BOUND_RANK = {"at_least": 0, "about": 1, "at_most": 2}

# Two-character words only: a name ending in 增 (新增) is not a change.
_CHANGE_SUFFIXES = tuple(
    dict.fromkeys(w for w in (*RATE_NOUNS, *CHANGE_WORDS, *UP_VERBS) if len(w) > 1)
)
# A growth figure named after its series: "地区生产总值增长", "GDP增速".
_GROWTH_SUFFIX = re.compile(rf"(?:同比|比上年|较上年)?(?:{alternation(_CHANGE_SUFFIXES)})$")
# Words before a figure in its sentence that make it a stretch of years, not one year's
# outcome: 年均, 累计, 过去五年, 迈上…台阶 (a milestone), 从…提高到….
STRETCH = re.compile(
    rf"年均|累计|过去五年|五年来|迈上|跨上|跨越|台阶|从\S{{0,20}}?(?:{alternation(CHANGE_WORDS)})?到"
)
# Spaces and punctuation that do not change what a name means.
_NAME_NOISE = re.compile(r"[\s\"“”'‘’《》【】()（）:：·]")


@dataclass(frozen=True)
class Indicator:
    """A standard indicator and the names it is written under."""

    id: str
    name: str
    synonyms: tuple[str, ...]
    scopes: tuple[str, ...]
    family: str
    klass: str
    note: str = ""
    target: Literal["floor", "ceiling"] = "floor"
    exclude: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()  # the measures it is read in; empty: any


@dataclass(frozen=True)
class Unit:
    """A unit as written: its family, the base unit and the factor to it."""

    family: str
    base: str
    factor: float


@dataclass(frozen=True)
class Qualifier:
    bound: Bound
    firmness: str  # hard, soft or ""
    where: Literal["before", "after"]


@dataclass(frozen=True)
class Match:
    """A metric name resolved to a standard indicator."""

    indicator: Indicator
    scope: str | None  # the scope name when the metric is written under a flagged scope
    measure: Measure


@dataclass(frozen=True)
class Reading:
    """The qualifier words of one figure and what they mean."""

    words: tuple[str, ...]
    bound: Bound | None
    firmness: str


@dataclass
class Dictionary:
    version: str
    indicators: dict[str, Indicator]
    units: dict[str, Unit]
    qualifiers: dict[str, Qualifier]
    about_points: float
    about_relative: float
    sources: list[str] = field(default_factory=list)
    exclusions: tuple[str, ...] = ()
    _names: dict[str, tuple[Indicator, str | None]] = field(default_factory=dict, repr=False)
    _by_length: list[str] = field(default_factory=list, repr=False)
    _any_word: re.Pattern[str] = field(default=re.compile("(?!)"), repr=False)
    _before_words: re.Pattern[str] = field(default=re.compile("(?!)"), repr=False)
    _after_word: re.Pattern[str] = field(default=re.compile("(?!)"), repr=False)
    _before_chars: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        self._index()

    def _index(self) -> None:
        names: dict[str, tuple[Indicator, str | None]] = {}
        for ind in self.indicators.values():
            for n in (ind.name, *ind.synonyms):
                names[name_key(n)] = (ind, None)
            for s in ind.scopes:
                names[name_key(s)] = (ind, s)
        self._names = names
        self._by_length = sorted(names, key=len, reverse=True)
        # Qualifier words as three patterns (longest first), so reading a figure's words
        # is three regex calls rather than a loop over the table.
        before = [w for w, q in self.qualifiers.items() if q.where == "before"]
        after = [w for w, q in self.qualifiers.items() if q.where == "after"]
        self._any_word = _alternation(self.qualifiers)
        self._before_words = _alternation(w for w in before if len(w) > 1)
        self._after_word = _alternation(after)
        self._before_chars = frozenset(w for w in before if len(w) == 1)

    def unit(self, unit: str | None) -> Unit | None:
        """The unit entry of a unit as written (None when unknown or absent)."""
        if not unit:
            return None
        u = self.units.get(unit)
        if u is None:
            u = self.units.get(unicodedata.normalize("NFKC", unit).strip()) or self.units.get(
                unit.strip()
            )
        return u

    def normalise(self, value: float | None, unit: str | None) -> tuple[float | None, str | None]:
        """(value in the base unit, base unit); (None, base) when there is no value."""
        u = self.unit(unit)
        if u is None:
            return None, None
        if value is None:
            return None, u.base
        # 12 significant digits: 184.7亿元 is 18470000000 元, not 18470000000.000004, and
        # 30亩 is 20000 平方米, not 19999.999999999996.
        return float(f"{value * u.factor:.12g}"), u.base

    def match(self, name: str, unit: str | None) -> Match | None:
        """The standard indicator a metric name (with the unit its figure is in) stands for."""
        key = name_key(name)
        stripped = _GROWTH_SUFFIX.sub("", key)
        growth_named = stripped != key and len(stripped) >= 2
        hit = (self._lookup(stripped) if growth_named else None) or self._lookup(key)
        if hit is None:
            return None
        ind, scope, written = hit
        if self.excluded(ind, key, written):
            return None
        measure = _measure(ind, self.unit(unit), growth_named)
        if measure is not None and ind.measures and measure not in ind.measures:
            # 居民消费价格涨幅2% is a rise, 城镇调查失业率5% a level: one reading each.
            measure = ind.measures[0] if self.unit(unit) is not None else None  # type: ignore[assignment]
        return None if measure is None else Match(ind, scope, measure)

    def excluded(self, ind: Indicator, key: str, written: str) -> bool:
        """Whether a name holding `written` (one of `ind`'s names) is another series: it also
        holds an exclusion word (人均, 海洋, 占…比重, a sub-sector) that `written` does not."""
        return any(
            w in key and w not in written and w not in ind.name
            for w in (*self.exclusions, *ind.exclude)
        )

    def _lookup(self, key: str) -> tuple[Indicator, str | None, str] | None:
        hit = self._names.get(key)
        if hit is not None:
            return (*hit, key)
        for n in self._by_length:
            if len(n) >= 2 and n in key:
                return (*self._names[n], n)
        return None

    def read_qualifiers(self, before: str, inside: str, after: str) -> Reading:
        """Qualifier words in the clause before a figure, in its raw text and right after it."""
        found = set(self._any_word.findall(inside))
        found.update(self._before_words.findall(before))
        # One-character words (超, 约, 近) count only right before the figure: in
        # "签约项目30个" or "超市" they are part of a word.
        if before[-1:] in self._before_chars:
            found.add(before[-1])
        m = self._after_word.match(after)
        if m is not None:
            found.add(m.group())
        if not found:
            return _NO_READING
        # "超过" also contains "超": keep the longer word only.
        words = [w for w in found if not any(w != o and w in o for o in found)]
        words.sort(key=lambda w: (before.rfind(w) if w in before else len(before) + 1, w))
        bound: Bound | None = None
        firmness = ""
        for w in words:
            q = self.qualifiers[w]
            if bound is None or _BOUND_RANK[q.bound] > _BOUND_RANK[bound]:
                bound = q.bound
            if q.firmness == "hard" or (q.firmness == "soft" and not firmness):
                firmness = q.firmness
        return Reading(tuple(words), bound, firmness)


_NO_READING = Reading((), None, "")


def _alternation(words: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered)) or "(?!)")


def _measure(ind: Indicator, u: Unit | None, growth_named: bool) -> Measure | None:
    """What a figure in unit `u` measures of the indicator: its level, growth or change in points.

    None when the unit does not fit: "高新技术企业" with 亿元 is their revenue, not their
    number, and no standard indicator is better than a wrong one.
    """
    if u is None:
        return "growth" if growth_named else "level"
    if u.base == "个百分点":
        return "points"
    if u.base == "%":
        # A percent on a money or count series is its growth; on a share it is the share.
        return "level" if ind.family == "share" and not growth_named else "growth"
    if u.family == ind.family and not growth_named:
        return "level"
    return None


def name_key(name: str) -> str:
    """The form names are matched in: NFKC (full-width letters), case-folded, no spaces."""
    return _NAME_NOISE.sub("", unicodedata.normalize("NFKC", name)).casefold()


def default_path() -> Path:
    """The packaged dictionary file."""
    return Path(str(resources.files("summarizer.panel").joinpath("indicators.toml")))


@cache
def _default() -> Dictionary:
    return _build([default_path()])


def load_dictionary(extra: Sequence[str | Path] = ()) -> Dictionary:
    """The packaged dictionary, extended by the user files in `extra` (later files win)."""
    if not extra:
        return _default()
    return _build([default_path(), *map(Path, extra)])


def _build(paths: Iterable[Path]) -> Dictionary:
    version = ""
    indicators: dict[str, Indicator] = {}
    units: dict[str, Unit] = {}
    qualifiers: dict[str, Qualifier] = {}
    tolerance: dict[str, float] = {}
    exclusions: list[str] = []
    sources: list[str] = []
    for path in paths:
        data = _read_toml(path)
        sources.append(str(path))
        try:
            if "version" in data:
                version = data["version"] if not version else f"{version}+{data['version']}"
            for entry in data.get("indicator", []):
                ind = _indicator(entry)
                indicators[ind.id] = ind
            for name, u in data.get("units", {}).items():
                units[name] = _unit(name, u)
            for word, q in data.get("qualifiers", {}).items():
                qualifiers[word] = _qualifier(word, q)
            for k, v in data.get("tolerance", {}).items():
                tolerance[k] = float(v)
            exclusions.extend(str(w) for w in data.get("exclusions", {}).get("words", []))
        except (KeyError, TypeError, ValueError) as e:
            raise ConfigError(f"{path}: bad indicator dictionary entry: {e}") from e
    return Dictionary(
        version=version,
        indicators=indicators,
        units=units,
        qualifiers=qualifiers,
        about_points=tolerance.get("about_points", 0.5),
        about_relative=tolerance.get("about_relative", 0.02),
        sources=sources,
        exclusions=tuple(dict.fromkeys(exclusions)),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as e:
        raise ConfigError(f"indicator dictionary not found: {path}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from e


def _indicator(entry: dict[str, Any]) -> Indicator:
    family = str(entry["family"])
    klass = str(entry.get("class", ""))
    if family not in FAMILIES:
        raise ValueError(f"{entry['id']}: family {family!r} is not one of {', '.join(FAMILIES)}")
    if klass not in CLASSES:
        raise ValueError(f"{entry['id']}: class {klass!r} is not one of {'/'.join(CLASSES[:-1])}")
    return Indicator(
        id=str(entry["id"]),
        name=str(entry["name"]),
        synonyms=tuple(str(s) for s in entry.get("synonyms", [])),
        scopes=tuple(str(s) for s in entry.get("scopes", [])),
        family=family,
        klass=klass,
        note=str(entry.get("note", "")),
        target="ceiling" if entry.get("target") == "ceiling" else "floor",
        exclude=tuple(str(s) for s in entry.get("exclude", [])),
        measures=tuple(str(s) for s in entry.get("measures", [])),
    )


def _unit(name: str, u: dict[str, Any]) -> Unit:
    family = str(u["family"])
    if family not in FAMILIES:
        raise ValueError(f"unit {name}: family {family!r} is not one of {', '.join(FAMILIES)}")
    return Unit(family=family, base=str(u["base"]), factor=float(u["factor"]))


def _qualifier(word: str, q: dict[str, Any]) -> Qualifier:
    bound = str(q["bound"])
    where = str(q.get("where", "before"))
    if bound not in _BOUNDS:
        raise ValueError(f"qualifier {word}: bound {bound!r} is not one of {', '.join(_BOUNDS)}")
    if where not in ("before", "after"):
        raise ValueError(f"qualifier {word}: where must be before or after")
    return Qualifier(bound=bound, firmness=str(q.get("firmness", "")), where=where)  # type: ignore[arg-type]
