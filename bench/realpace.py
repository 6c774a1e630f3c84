"""Real-pace benchmark: the seeds' batch against a local server replaying recorded answers
at a real model's decode speed (not part of CI).

In: ./seeds, tests/data/recordings (real answers to this tool's own requests, converted to
the lean answer by tests/chatserver.lean_answer), tests/chatserver.py on 127.0.0.1 with
0.8 s to the first token and 60 or 30 tokens/s (o200k_base tokens) after it.
Out: a Markdown table on stdout: batch wall time against the ideal (the slowest single
answer, when concurrency allows every call at once), failures with default settings,
completion tokens per report against the recorded answers, and the bill split into input
and output with the capability table's prices.

    .venv/bin/python bench/realpace.py [--rates 60,30] [--model gpt-4o]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from chatserver import (  # noqa: E402
    RECORDINGS,
    ChatServer,
    Reply,
    document_text,
    is_overview,
    lean_answer,
    recorded_responder,
)

from summarizer.backends.pricing import price_of  # noqa: E402
from summarizer.text.tokens import get_counter  # noqa: E402

FIRST_TOKEN_S = 0.8
_DOCUMENT = re.compile(r'<document id="([0-9a-f]+)">\n?(.*?)\n?</document id="\1">', re.S)


SUMMARY_CHARS = 40
_CLAUSE = re.compile(r"[，,；;。]")


def short_summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """A summary cut at its last clause end within `limit` characters: what the prompt's
    length rule asks for, applied to a recorded summary (a simulation, not a model)."""
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _CLAUSE.finditer(text) if m.end() <= limit]
    return text[: ends[-1]] if ends else text[:limit]


def recorded_tokens(count: Any) -> tuple[int, int, int, int]:
    """Completion tokens of the recorded answers as recorded, converted to the lean answer,
    and converted with summaries at the prompt's length (compact JSON, o200k_base), and the
    number of reports they answer."""
    rows = [json.loads(line) for line in RECORDINGS.read_text(encoding="utf-8").splitlines()]

    def size(answer: dict[str, Any]) -> int:
        return int(count(json.dumps(answer, ensure_ascii=False, separators=(",", ":"))))

    def shortened(answer: dict[str, Any]) -> dict[str, Any]:
        lean = lean_answer(answer)
        for f in lean["findings"]:
            f["summary"] = short_summary(f["summary"])
        return lean

    return (
        sum(size(r["answer"]) for r in rows),
        sum(size(lean_answer(r["answer"])) for r in rows),
        sum(size(shortened(r["answer"])) for r in rows),
        len(rows),  # every recorded chunk is a whole report
    )


def run_batch(rate: float, model: str, work: Path, count: Any) -> dict[str, Any]:
    """One `summarizer batch seeds` with default settings against the paced server."""
    out = work / f"out-{rate:g}"
    shutil.rmtree(out, ignore_errors=True)
    recorded = recorded_responder()

    def responder(body: dict[str, Any]) -> Reply:
        # Usage as a real server counts it: the prompt and the answer in o200k_base tokens.
        reply = recorded(body)
        reply.prompt_tokens = sum(count(str(m.get("content"))) for m in body["messages"])
        reply.completion_tokens = count(reply.content or "")
        return reply

    with ChatServer(
        responder,
        first_token_s=FIRST_TOKEN_S,
        tokens_per_s=rate,
        token_counter=count,
        max_seconds=1800,
    ) as srv:
        env = {
            **os.environ,
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": srv.base_url,
            "SUMMARIZER_CACHE_DIR": str(work / f"cache-{rate:g}"),
        }
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "summarizer", "batch", str(ROOT / "seeds"), "-o", str(out),
             "--model", model, "--quiet"],
            cwd=work, env=env, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        wall = time.perf_counter() - started
        bodies = [r.body for r in srv.chat_requests()]
    answers = []
    for body in bodies:
        reply = responder(body)
        answers.append(count(reply.content or ""))
    slowest = FIRST_TOKEN_S + max(answers) / rate
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))]
    usage = [d["provenance"]["usage"] for d in docs]
    reports = sum(len(d["reports"]) for d in docs)
    prompt = sum(u["prompt_tokens"] for u in usage)
    completion = sum(u["completion_tokens"] for u in usage)
    index = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines() if line]
    failed = [r for r in index if r.get("status") == "failed"]
    return {
        "rate": rate,
        "exit": done.returncode,
        "wall": wall,
        "slowest": slowest,
        "calls": len(bodies),
        "overview_calls": sum(1 for b in bodies if is_overview(b)),
        "chunk_calls": sum(1 for b in bodies if document_text(b) is not None),
        "reports": reports,
        "prompt": prompt,
        "completion": completion,
        "files": len(docs),
        "failed": len(failed),
        "stderr": done.stderr[-500:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="60,30", help="decode speeds in tokens/s")
    parser.add_argument("--model", default="gpt-4o", help="the model the recordings came from")
    args = parser.parse_args()
    count = get_counter("o200k_base").count
    as_recorded, lean, short, reports = recorded_tokens(count)
    price = price_of(args.model)
    work = Path(tempfile.mkdtemp(prefix="summarizer-realpace-"))
    rows: list[tuple[str, str, str, str, str]] = []
    try:
        rows.append(
            (
                "completion tokens per report (recordings)",
                "the 7 recorded answers, o200k_base compact JSON: as recorded vs converted to "
                "the lean answer (tests/chatserver.lean_answer)",
                "<= 0.6x",
                f"{lean / reports:,.0f} vs {as_recorded / reports:,.0f} "
                f"({lean / as_recorded:.2f}x)",
                "pass" if lean <= 0.6 * as_recorded else "GAP",
            )
        )
        rows.append(
            (
                "the same with the prompt's summary length (simulated)",
                f"as above, each summary cut at its last clause end within {SUMMARY_CHARS} "
                "characters, as the prompt now asks (recorded summaries average 82)",
                "<= 0.6x",
                f"{short / reports:,.0f} vs {as_recorded / reports:,.0f} "
                f"({short / as_recorded:.2f}x)",
                "pass (simulated)" if short <= 0.6 * as_recorded else "GAP",
            )
        )
        for rate in (float(r) for r in args.rates.split(",")):
            print(f"batch at {rate:g} tok/s ...", file=sys.stderr)
            r = run_batch(rate, args.model, work, count)
            ratio = r["wall"] / r["slowest"]
            rows.append(
                (
                    f"seeds batch at {rate:g} tok/s",
                    f"`summarizer batch seeds`, defaults; {FIRST_TOKEN_S} s to first token; "
                    f"{r['calls']} calls ({r['overview_calls']} overview); wall vs the "
                    "slowest single answer",
                    "<= 1.3x" if rate == 60 else "0 failures",
                    f"wall {r['wall']:.1f} s, slowest answer {r['slowest']:.1f} s "
                    f"({ratio:.2f}x); {r['files']} files, {r['failed']} failed, exit {r['exit']}",
                    ("pass" if ratio <= 1.3 else "GAP")
                    if rate == 60
                    else ("pass" if r["failed"] == 0 and r["exit"] == 0 else "GAP"),
                )
            )
            per_report = r["completion"] / max(1, r["reports"])
            bill = ""
            if price is not None:
                usd_in = r["prompt"] * price[0] / 1e6
                usd_out = r["completion"] * price[1] / 1e6
                bill = (
                    f"; bill ${usd_in + usd_out:.4f} = ${usd_in:.4f} in + ${usd_out:.4f} out "
                    f"({args.model} prices)"
                )
            rows.append(
                (
                    f"tokens at {rate:g} tok/s",
                    "usage in the outputs' provenance (the server's counts)",
                    "report it",
                    f"{r['prompt']:,} prompt + {r['completion']:,} completion tokens; "
                    f"{per_report:,.0f} completion tokens per report{bill}",
                    "info",
                )
            )
            if r["exit"] != 0:
                print(r["stderr"], file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| figure | how | target | measured | pass/gap |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
