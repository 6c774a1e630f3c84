"""Issue 26 item 1: a model's slip never fails a file.

Two case tables. `salvage` alone: an answer → what is kept and the slip named. Then the same
deviations through the path users take: `summarizer summarize` as a subprocess against
tests/chatserver.py answering every chunk with the slip (as a model that repeats it in its
repair would): the output is written, the warning is in it, and the calls and tokens it
counts are exactly the server's requests."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from chatserver import ChatServer, Reply, default_responder, extraction_for, is_overview
from helpers import chunk_count, make_report, summarize

from summarizer.backends.salvage import SlipKind, cut_at_boundary, read_kind, read_topic, salvage

GOOD = {
    "kind": "achievement",
    "title": "招商引资",
    "summary": "全年新签约项目12个。",
    "topic": "investment_promotion",
    "metrics": ["签约项目 12个"],
    "entities": [],
    "quotes": ["全年新签约项目12个。"],
}


def answer(*findings: Any, **top: Any) -> str:
    body = {"organization": None, "key_metrics": [], "findings": list(findings), "overview": None}
    body.update(top)
    return json.dumps(body, ensure_ascii=False)


def with_(**changes: Any) -> dict[str, Any]:
    f = copy.deepcopy(GOOD)
    for k, v in changes.items():
        if v is ...:
            f.pop(k)
        else:
            f[k] = v
    return f


# answer → (findings kept, the slip kinds named, a field of the first finding to check)
CASES: list[tuple[str, str, int, set[SlipKind], tuple[str, Any] | None]] = [
    ("valid", answer(GOOD), 1, set(), ("kind", "achievement")),
    ("kind 成绩", answer(with_(kind="成绩")), 1, {SlipKind.KIND}, ("kind", "achievement")),
    ("kind 存在不足", answer(with_(kind="存在不足")), 1, {SlipKind.KIND}, ("kind", "problem")),
    (
        "kind Achievments",
        answer(with_(kind="Achievments")),
        1,
        {SlipKind.KIND},
        ("kind", "achievement"),
    ),
    ("kind plans", answer(with_(kind="plans")), 1, {SlipKind.KIND}, ("kind", "plan")),
    (
        "topic 招商引资",
        answer(with_(topic="招商引资")),
        1,
        {SlipKind.TOPIC},
        ("topic", "investment_promotion"),
    ),
    (
        "topic near miss",
        answer(with_(topic="investment-promotion")),
        1,
        {SlipKind.TOPIC},
        ("topic", "investment_promotion"),
    ),
    (
        "topic off the list",
        answer(with_(topic="economy", title="项目建设")),
        1,
        {SlipKind.TOPIC},
        ("topic", "projects"),
    ),
    (
        "title 41 characters",
        answer(with_(title="招商引资" + "项" * 16 + "，" + "项" * 20)),
        1,
        {SlipKind.CUT},
        ("title", "招商引资" + "项" * 16 + "，"),
    ),
    (
        "metric as object",
        answer(with_(metrics=[{"name": "签约项目", "value": 12, "unit": "个"}])),
        1,
        {SlipKind.OBJECT},
        ("metrics", ["签约项目 12个"]),
    ),
    (
        "entity as object",
        answer(with_(entities=[{"name": "某公司", "type": "企业"}])),
        1,
        {SlipKind.OBJECT},
        ("entities", ["某公司"]),
    ),
    ("null list", answer(with_(entities=None)), 1, {SlipKind.NULL_LIST}, ("entities", [])),
    (
        "one string for a list",
        answer(with_(quotes="全年新签约项目12个。")),
        1,
        set(),
        ("quotes", ["全年新签约项目12个。"]),
    ),
    ("missing field", answer(with_(entities=...)), 1, {SlipKind.MISSING_FIELD}, ("entities", [])),
    (
        "missing title",
        answer(with_(title=...)),
        1,
        {SlipKind.MISSING_FIELD},
        ("title", "全年新签约项目12个。"),
    ),
    ("extra field", answer(with_(confidence=0.9)), 1, {SlipKind.EXTRA_FIELD}, None),
    ("extra top-level field", answer(GOOD, notes="x"), 1, {SlipKind.EXTRA_FIELD}, None),
    ("prose after", answer(GOOD) + "\n\nI hope this helps! {see above}", 1, {SlipKind.PROSE}, None),
    ("prose before", "Here is the JSON you asked for:\n" + answer(GOOD), 1, {SlipKind.PROSE}, None),
    ("think block", "<think>先看看{这段}</think>\n" + answer(GOOD), 1, {SlipKind.THINK}, None),
    ("fence", "```json\n" + answer(GOOD) + "\n```", 1, set(), None),
    ("one unreadable of two", answer(GOOD, with_(kind="???")), 1, {SlipKind.DROPPED}, None),
    ("not an object among findings", answer(GOOD, "just text"), 1, {SlipKind.DROPPED}, None),
    (
        "no title nor summary",
        answer(GOOD, with_(title=None, summary=None)),
        1,
        {SlipKind.DROPPED},
        None,
    ),
    ("empty findings", answer(), 0, set(), None),
    ("findings null", answer(findings=None), 0, {SlipKind.NULL_LIST}, None),
]


@pytest.mark.parametrize(
    ("name", "content", "kept", "slips", "check"), CASES, ids=[c[0] for c in CASES]
)
def test_salvage_case_table(
    name: str, content: str, kept: int, slips: set[SlipKind], check: tuple[str, Any] | None
) -> None:
    found = salvage(content)
    assert found.answer is not None, found.reason
    assert len(found.answer.findings) == kept
    assert {s.kind for s in found.slips} == slips, [s.text() for s in found.slips]
    if check is not None:
        field, value = check
        assert getattr(found.answer.findings[0], field) == value


NOTHING_USABLE = [
    ("prose only", "Sure! The zone grew a lot."),
    ("a JSON list", json.dumps([GOOD], ensure_ascii=False)),
    ("not an answer's shape", json.dumps({"error": "too long"})),
    ("every finding unreadable", answer(with_(kind="nonsense"), {"kind": "x"})),
    ("truncated", answer(GOOD)[:60]),
    ("empty", ""),
]


@pytest.mark.parametrize(("name", "content"), NOTHING_USABLE, ids=[c[0] for c in NOTHING_USABLE])
def test_nothing_usable_goes_to_the_repair(name: str, content: str) -> None:
    found = salvage(content)
    assert found.answer is None and found.reason


@pytest.mark.parametrize(
    ("value", "kind"),
    [("achievement", "achievement"), ("成绩", "achievement"), ("主要成绩", "achievement"),
     ("问题", "problem"), ("不足", "problem"), ("计划", "plan"), ("工作思路", "plan"),
     ("意见和建议", "other"), ("其他", "other"), ("Problems", "problem"), ("Plan ", "plan"),
     ("nonsense", None), ("", None), (3, None)],
)  # fmt: skip
def test_read_kind(value: Any, kind: str | None) -> None:
    assert read_kind(value) == kind


@pytest.mark.parametrize(
    ("value", "title", "topic"),
    [("projects", "", "projects"), ("项目建设", "", "projects"), ("Party building", "", "party_building"),
     ("innovation talent", "", "innovation_talent"), ("misc", "安全生产检查", "environment_safety"),
     (None, "", "other"), ("other", "招商引资", "other")],
)  # fmt: skip
def test_read_topic(value: Any, title: str, topic: str) -> None:
    assert read_topic(value, title, "") == topic


def test_cut_at_boundary() -> None:
    assert cut_at_boundary("一二三，四五六七八九十", 8) == "一二三，"
    assert cut_at_boundary("一二三四五六七八九十", 8) == "一二三四五六七八"
    assert cut_at_boundary("短", 8) == "短"


# ---------------------------------------------------------------------- through the CLI

Deviation = Callable[[dict[str, Any]], str]


def _first(mutate: Callable[[dict[str, Any]], None]) -> Deviation:
    def apply(answer: dict[str, Any]) -> str:
        for f in answer["findings"]:
            mutate(f)
        return json.dumps(answer, ensure_ascii=False)

    return apply


def _set(**changes: Any) -> Deviation:
    return _first(lambda f: f.update(changes))


DEVIATIONS: list[tuple[str, Deviation, str]] = [
    ("kind 成绩", _first(lambda f: f.update(kind={"achievement": "成绩", "problem": "问题", "plan": "计划"}.get(f["kind"], "其他"))), "kind read from a value off the list"),
    ("41-character title", _first(lambda f: f.update(title="标题，" + "长" * 38)), "an over-long value was cut"),
    ("metrics as objects", _set(metrics=[{"name": "签约项目", "value": "12个"}]), "an object where text belongs"),
    ("off-list topic", _set(topic="招商"), "topic read from a value off the list"),
    ("extra field", _set(confidence=0.9), "a field not in the schema was ignored"),
    ("missing field", _first(lambda f: f.pop("entities")), "a missing field was filled"),
    ("prose after", lambda a: json.dumps(a, ensure_ascii=False) + "\n以上为提取结果。", "text around the JSON object"),
    ("think preamble", lambda a: "<think>先读一遍。</think>" + json.dumps(a, ensure_ascii=False), "a reasoning block"),
    ("null list", _set(quotes=None), "null for a list was read as empty"),
]  # fmt: skip


def _deviating(deviate: Deviation) -> Callable[[dict[str, Any]], Reply]:
    def respond(body: dict[str, Any]) -> Reply:
        if is_overview(body):
            return default_responder(body)
        return Reply(content=deviate(extraction_for(body)))

    return respond


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "r.txt"
    path.write_text(make_report(3), encoding="utf-8")
    return path


def _requests_and_usage(srv: ChatServer) -> tuple[int, int, int]:
    chats = srv.chat_requests()
    return len(chats), 120 * len(chats), 30 * len(chats)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "deviate", "warning"), DEVIATIONS, ids=[d[0] for d in DEVIATIONS])
def test_a_deviation_in_every_answer_still_writes_the_file(
    name: str, deviate: Deviation, warning: str, report: Path, tmp_path: Path
) -> None:
    chunks = chunk_count(report)
    with ChatServer(_deviating(deviate)) as srv:
        proc = summarize(srv, report, tmp_path)
        calls, prompt, completion = _requests_and_usage(srv)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert any(warning in w for w in doc["warnings"]), doc["warnings"]
    assert (
        sum(
            len(r["achievements"]) + len(r["problems"]) + len(r["plans"]) + len(r["other"])
            for r in doc["reports"]
        )
        >= chunks
    )
    assert calls == chunks, "no repair call was made"
    usage = doc["provenance"]["usage"]
    assert (usage["calls"], usage["prompt_tokens"], usage["completion_tokens"]) == (
        calls,
        prompt,
        completion,
    )
