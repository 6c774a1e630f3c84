"""End to end through the real CLI, the openai SDK and a chat-completions server on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chatserver import ChatServer, Reply, default_responder, document_text
from conftest import SEEDS
from helpers import run_cli

# Subprocesses, servers or a browser: the second tier of `make test`.
pytestmark = pytest.mark.slow

SEED_004 = SEEDS / "004_8aea4feb83059470.txt"
SEED_002 = SEEDS / "002_5de55685ee9f017a.txt"
FAKE_KEY = "sk-test-e2e-0123456789abcdef"


def canned(body: dict[str, Any]) -> Reply:
    """A finding quoting the chunk, one with an invented number, one guessing a redacted figure."""
    text = document_text(body)
    schema_name = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    if text is None or schema_name == "OverviewText":
        return default_responder(body)
    findings = []
    if "规上工业总产值184.7亿元" in text:
        findings.append(
            finding(
                "工业经济",
                "规上工业总产值184.7亿元,同比增长16.2%。",
                ["规上工业总产值184.7亿元,同比增长16.2%"],
                ["规上工业总产值 184.7亿元"],
            )
        )
        findings.append(
            finding("财政收入", "全年财政总收入达到99.9亿元。", ["全年实现财政总收入12.8亿元"], [])
        )
    if "园区完成规上工业总产值*亿元" in text:
        findings.append(
            finding(
                "工业经济",
                "规上工业总产值15亿元。",
                ["园区完成规上工业总产值*亿元"],
                ["规上工业总产值 15亿元"],
            )
        )
    if not findings:
        return default_responder(body)
    return Reply(
        content=json.dumps(
            {"organization": None, "key_metrics": [], "findings": findings, "overview": None},
            ensure_ascii=False,
        )
    )


def finding(title: str, summary: str, quotes: list[str], metrics: list[str]) -> dict[str, Any]:
    return {
        "kind": "achievement",
        "title": title,
        "summary": summary,
        "topic": "industrial_economy",
        "metrics": metrics,
        "entities": [],
        "quotes": quotes,
    }


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with ChatServer(canned) as srv:
        yield srv


def env_for(srv: ChatServer, tmp_path: Path) -> dict[str, str]:
    return {
        "OPENAI_API_KEY": FAKE_KEY,
        "OPENAI_BASE_URL": srv.base_url,
        "SUMMARIZER_CACHE_DIR": str(tmp_path / "cache"),
    }


def all_findings(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        f
        for r in doc["reports"]
        for k in ("achievements", "problems", "plans", "other")
        for f in r[k]
    ]


def test_summarize_grounds_verifies_and_caches(server: ChatServer, tmp_path: Path) -> None:
    env = env_for(server, tmp_path)
    out = tmp_path / "out.json"
    first = run_cli(
        "summarize",
        str(SEED_004),
        "-f",
        "json",
        "-o",
        str(out),
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    calls = len(server.requests)
    assert calls == 2  # the report's three parts fit one chunk, plus the overview
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["provenance"]["backend"] == "openai" and doc["provenance"]["usage"]["calls"] == calls

    check = run_cli("validate", str(out), env=env, cwd=tmp_path, timeout=120)
    assert check.returncode == 0, check.stdout
    text = SEED_004.read_text(encoding="utf-8")
    good = next(f for f in all_findings(doc) if f["title"] == "工业经济")
    assert good["verified"] is True
    ev = good["evidence"][0]
    assert text[ev["start"] : ev["end"]] == ev["quote"] == "规上工业总产值184.7亿元,同比增长16.2%"
    assert good["metrics"][0]["value"] == 184.7 and good["metrics"][0]["redacted"] is False
    invented = next(f for f in all_findings(doc) if f["title"] == "财政收入")
    assert invented["verified"] is False
    assert any("99.9" in w for r in doc["reports"] for w in r["warnings"])

    # Same file again: everything from the cache, no request.
    second = run_cli(
        "summarize",
        str(SEED_004),
        "-f",
        "json",
        "-o",
        str(tmp_path / "again.json"),
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr
    assert len(server.requests) == calls  # chunks and overview from the cache
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert again["reports"][0]["achievements"] == doc["reports"][0]["achievements"]

    third = run_cli(
        "summarize",
        str(SEED_004),
        "-f",
        "json",
        "--refresh",
        "-o",
        str(tmp_path / "r.json"),
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert third.returncode == 0, third.stderr
    assert len(server.requests) == calls + calls


def test_guessed_redacted_figure_is_flagged(server: ChatServer, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = run_cli(
        "summarize",
        str(SEED_002),
        "-f",
        "json",
        "-o",
        str(out),
        "--no-overview",
        env=env_for(server, tmp_path),
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    guessed = next(f for f in all_findings(doc) if f["summary"] == "规上工业总产值15亿元。")
    assert guessed["verified"] is False
    assert guessed["evidence"][0]["quote"] == "园区完成规上工业总产值*亿元"


def test_requests_carry_strict_schema_and_the_document_in_delimiters(
    server: ChatServer, tmp_path: Path
) -> None:
    result = run_cli(
        "summarize",
        str(SEED_004),
        "-f",
        "json",
        "-o",
        str(tmp_path / "o.json"),
        "--no-overview",
        "--model",
        "gpt-4o-mini",
        env=env_for(server, tmp_path),
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    bodies = [r.body for r in server.requests]
    systems = {b["messages"][0]["content"] for b in bodies}
    assert len(systems) == 1  # one constant system prompt: the cacheable prefix
    for b in bodies:
        assert b["model"] == "gpt-4o-mini"
        fmt = b["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
        assert document_text(b)
    for r in server.requests:
        assert FAKE_KEY not in json.dumps(r.body)


def test_no_key_means_offline_with_a_note(tmp_path: Path) -> None:
    result = run_cli(
        "summarize",
        str(SEED_004),
        "-f",
        "json",
        env={"SUMMARIZER_CACHE_DIR": str(tmp_path / "c")},
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0
    assert "offline" in result.stderr
    assert json.loads(result.stdout)["provenance"]["backend"] == "offline"


def test_openai_backend_without_key_is_a_config_error(tmp_path: Path) -> None:
    result = run_cli(
        "summarize", str(SEED_004), "--backend", "openai", env={}, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 3
    assert result.stderr.strip().startswith("Error:") and "OPENAI_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_authentication_failure_is_exit_3_without_the_key(tmp_path: Path) -> None:
    def unauthorized(body: dict[str, Any]) -> Reply:
        return Reply(status=401, error="Incorrect API key provided")

    with ChatServer(unauthorized) as srv:
        result = run_cli(
            "--verbose",
            "summarize",
            str(SEED_004),
            "-f",
            "json",
            env=env_for(srv, tmp_path),
            cwd=tmp_path,
            timeout=120,
        )
    assert result.returncode == 3
    assert "authentication" in result.stderr.lower()
    assert FAKE_KEY not in result.stderr + result.stdout


def overview_in_answer(overview: str) -> Any:
    """A responder that, asked for the whole report, returns `overview` with the extraction."""

    def respond(body: dict[str, Any]) -> Reply:
        assert (
            "This chunk holds all the text we have of this report"
            in body["messages"][-1]["content"]
        )
        answer = json.loads(default_responder(body).content or "{}")
        answer["overview"] = overview
        return Reply(content=json.dumps(answer, ensure_ascii=False))

    return respond


def summarize_004(responder: Any, tmp_path: Path) -> tuple[dict[str, Any], int]:
    """The first report of seed 004 summarized against `responder`, and the requests made."""
    out = tmp_path / "o.json"
    with ChatServer(responder) as srv:
        result = run_cli(
            "summarize",
            str(SEED_004),
            "-f",
            "json",
            "-o",
            str(out),
            env=env_for(srv, tmp_path),
            cwd=tmp_path,
            timeout=120,
        )
        requests = len(srv.requests)
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text(encoding="utf-8"))["reports"][0], requests


def test_a_whole_report_chunk_brings_its_overview_in_the_same_call(tmp_path: Path) -> None:
    overview = "2018年开发区规上工业总产值184.7亿元,同比增长16.2%;2019年将实施六大工程。"
    report, requests = summarize_004(overview_in_answer(overview), tmp_path)
    assert requests == 1  # no separate overview call
    assert report["overview"] == overview


def test_an_overview_with_an_invented_number_is_not_used(tmp_path: Path) -> None:
    report, _ = summarize_004(overview_in_answer("开发区全年产值达到999.9亿元。"), tmp_path)
    assert "999.9" not in report["overview"]
    assert any('overview: number "999.9" in overview not found' in w for w in report["warnings"])


def test_overview_answers_are_cached_too(server: ChatServer, tmp_path: Path) -> None:
    env = env_for(server, tmp_path)
    args = ["summarize", str(SEED_004), "-f", "json", "-o", str(tmp_path / "a.json")]
    assert run_cli(*args, env=env, cwd=tmp_path, timeout=120).returncode == 0
    first = len(server.requests)
    assert run_cli(*args, env=env, cwd=tmp_path, timeout=120).returncode == 0
    assert len(server.requests) == first  # chunks and overview both from the cache
