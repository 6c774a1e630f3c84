"""What the seeds cost against a server that caches prompt prefixes (not part of CI).

The server is tests/chatserver.py on 127.0.0.1. It answers every chunk of the five seeds with
the lean answer a capable model wrote to exactly that request (../shared/recordings/seeds-lean,
by the SHA-256 of the document block), counts usage in o200k_base tokens like a real server
(prompt = the response-format schema, when one is sent, plus every message; completion = the
answer) and keeps a prompt-prefix cache the way the providers describe theirs:

- openai: the longest prefix (token ids) shared with an earlier request counts as cached from
  1,024 tokens on, in steps of 128, reported as `prompt_tokens_details.cached_tokens`;
- deepseek: the same prefix in 64-token units, reported as `prompt_cache_hit_tokens` and
  `prompt_cache_miss_tokens`.

For each it runs `summarizer batch seeds` (gpt-4o-mini over the openai cache; deepseek-chat,
which gets JSON mode with the schema in the system prompt, over the deepseek cache) and reads
the receipt from the outputs' provenance; then `summarizer summarize seeds/* --dry-run -f json`
for the estimate, and prints one Markdown table: the share of prompt tokens served from the
cache (all calls, and from the second call on), the dry-run estimate against the receipt, the
recorded lean answers' completion tokens against the estimate, and the cost of 1,000
seed-sized reports at gpt-4o-mini batch, DeepSeek off-peak with the cache and Qwen batch list
prices (capability table, summarizer/data/models.toml).

    .venv/bin/python bench/cost.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from chatserver import ChatServer, Reply, recorded_answers, recorded_responder  # noqa: E402

from summarizer.backends.pricing import usd_for  # noqa: E402
from summarizer.text.tokens import get_counter  # noqa: E402

LEAN = ROOT.parent / "shared" / "recordings" / "seeds-lean" / "answers.jsonl"
SEEDS = ROOT / "seeds"


class PrefixCache:
    """The longest token prefix shared with any earlier request, in a provider's units."""

    def __init__(self, style: str) -> None:
        self.style = style
        self.seen: list[list[int]] = []
        self.calls: list[tuple[int, int]] = []  # (prompt, cached) in the order served
        self.lock = threading.Lock()

    def hit(self, ids: list[int]) -> int:
        with self.lock:
            best = 0
            for old in self.seen:
                n = 0
                for a, b in zip(old, ids, strict=False):
                    if a != b:
                        break
                    n += 1
                best = max(best, n)
            self.seen.append(ids)
            if self.style == "openai":
                cached = 0 if best < 1024 else 1024 + (best - 1024) // 128 * 128
            else:
                cached = best // 64 * 64
            self.calls.append((len(ids), cached))
        return cached


def prompt_ids(body: dict[str, Any], encode: Any) -> list[int]:
    """The prompt as the server counts it: the schema sent in response_format, then messages."""
    ids: list[int] = []
    fmt = body.get("response_format") or {}
    schema = fmt.get("json_schema") or fmt.get("schema")
    if schema:
        ids += encode(json.dumps(schema, ensure_ascii=False, separators=(",", ":")))
    for m in body.get("messages") or []:
        ids += encode(str(m.get("role"))) + encode(str(m.get("content")))
    return ids


def run(style: str, work: Path, encode: Any, answers: dict[str, Any]) -> dict[str, Any]:
    cache = PrefixCache(style)
    recorded = recorded_responder(answers, convert=lambda a: a)

    def responder(body: dict[str, Any]) -> Reply:
        reply = recorded(body)
        ids = prompt_ids(body, encode)
        cached = cache.hit(ids)
        reply.prompt_tokens = len(ids)
        reply.completion_tokens = len(encode(reply.content or ""))
        if style == "openai":
            reply.cached_tokens = cached
        else:
            reply.usage_extra = {
                "prompt_cache_hit_tokens": cached,
                "prompt_cache_miss_tokens": len(ids) - cached,
            }
        return reply

    out = work / f"out-{style}"
    model = ["--model", "gpt-4o-mini"] if style == "openai" else [
        "--provider", "deepseek", "--model", "deepseek-chat"]  # fmt: skip
    with ChatServer(responder, max_seconds=600) as srv:
        env = {
            **os.environ,
            "OPENAI_API_KEY": "sk-bench-openai",
            "DEEPSEEK_API_KEY": "sk-bench-deepseek",
            "SUMMARIZER_CACHE_DIR": str(work / f"cache-{style}"),
        }
        done = subprocess.run(
            [sys.executable, "-m", "summarizer", "batch", str(SEEDS), "-o", str(out),
             *model, "--base-url", srv.base_url, "--backend", "openai", "--quiet"],
            cwd=work, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"batch ({style}) failed: {done.stderr[-2000:]}")
    usage = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cached_tokens": 0}
    reports = 0
    for p in sorted(out.glob("*.json")):
        if p.name.startswith("_") or p.name == "index.json":
            continue
        doc = json.loads(p.read_text(encoding="utf-8"))
        if "provenance" not in doc:
            continue
        reports += len(doc["reports"])
        for k in usage:
            usage[k] += doc["provenance"]["usage"].get(k, 0)
    per_call = cache.calls
    later = per_call[1:]
    return {
        "usage": usage,
        "reports": reports,
        "share_all": usage["cached_tokens"] / max(usage["prompt_tokens"], 1),
        "share_later": sum(c for _, c in later) / max(sum(p for p, _ in later), 1),
        "calls_seen": len(per_call),
    }


def dry_run(work: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "summarizer", "summarize", *map(str, sorted(SEEDS.glob("*.txt"))),
         "--dry-run", "-f", "json", "--model", "gpt-4o-mini", "--backend", "openai"],
        cwd=work, env={**os.environ, "OPENAI_API_KEY": "sk-bench"},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"dry run failed: {done.stderr[-2000:]}")
    data = json.loads(done.stdout)
    return {e["model"]: e for e in data["estimates"]}


def lean_completion(count: Any) -> tuple[int, int]:
    rows = [json.loads(line) for line in LEAN.read_text(encoding="utf-8").splitlines() if line]
    tokens = sum(
        count(json.dumps(r["answer"], ensure_ascii=False, separators=(",", ":"))) for r in rows
    )
    return tokens, len(rows)


def main() -> None:
    if not LEAN.is_file():
        raise SystemExit(f"{LEAN} is missing (the lean recordings of the seeds)")
    counter = get_counter("o200k_base")
    answers = recorded_answers(LEAN)
    with tempfile.TemporaryDirectory(prefix="summarizer-cost-") as tmp:
        work = Path(tmp)
        oa = run("openai", work, counter.encode, answers)
        ds = run("deepseek", work, counter.encode, answers)
        est = dry_run(work)
    lean, lean_n = lean_completion(counter.count)
    u = oa["usage"]
    mini = est["gpt-4o-mini"]
    receipt = usd_for(
        "gpt-4o-mini", u["prompt_tokens"], u["completion_tokens"], cached_tokens=u["cached_tokens"]
    )
    per = 1000 / max(oa["reports"], 1)
    dsu = ds["usage"]
    rows = [
        ("prompt tokens from the cache, openai-style (gpt-4o-mini)",
         "share of prompt tokens; all calls / from the 2nd call on", ">= 60 % from the 2nd",
         f"{oa['share_all']:.1%} / {oa['share_later']:.1%} "
         f"({u['cached_tokens']:,} of {u['prompt_tokens']:,}; {oa['calls_seen']} calls)"),
        ("prompt tokens from the cache, deepseek-style (deepseek-chat)",
         "the same, 64-token units, prompt_cache_hit_tokens", ">= 60 % from the 2nd",
         f"{ds['share_all']:.1%} / {ds['share_later']:.1%} "
         f"({dsu['cached_tokens']:,} of {dsu['prompt_tokens']:,})"),
        ("dry-run estimate vs receipt: prompt tokens", "--dry-run -f json vs outputs' usage",
         "within ±10 %", _vs(mini["prompt_tokens"], u["prompt_tokens"])),
        ("dry-run estimate vs receipt: completion tokens", "the same", "within ±10 %",
         _vs(mini["completion_tokens"], u["completion_tokens"])),
        ("dry-run estimate vs receipt: cached tokens", "the same", "report it",
         _vs(mini["cached_tokens"], u["cached_tokens"])),
        ("dry-run estimate vs receipt: USD at gpt-4o-mini, with the cache",
         "usd_cache vs the receipt priced at the cache rate", "within ±10 %",
         _vs(mini["usd_cache"], receipt or 0.0, money=True)),
        ("dry-run completion vs recorded lean answers",
         f"estimate vs {lean_n} answers in seeds-lean (o200k, compact JSON)", "within ±10 %",
         _vs(mini["completion_tokens"], lean)),
        ("1,000 seed-sized reports at gpt-4o-mini batch", "receipt per report × 1,000, batch prices",
         "<= $0.60", _money(per * _usd("gpt-4o-mini", u, "batch"))),
        ("1,000 seed-sized reports at gpt-4o-mini live, with the cache",
         "receipt per report × 1,000", "report it", _money(per * (receipt or 0.0))),
        ("1,000 seed-sized reports at DeepSeek off-peak, with the cache",
         "deepseek-style receipt × 1,000, off-peak prices", "report it",
         _money(1000 / max(ds["reports"], 1) * _usd("deepseek-chat", dsu, "offpeak"))),
        ("1,000 seed-sized reports at Qwen batch (qwen-plus)",
         "openai-style receipt × 1,000, batch prices", "report it",
         _money(per * _usd("qwen-plus", u, "batch"))),
    ]  # fmt: skip
    print("| figure | how | target | measured |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    load = os.getloadavg()
    print(f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {oa['reports']} reports")


def _usd(model: str, u: dict[str, int], mode: Any) -> float:
    value = usd_for(
        model, u["prompt_tokens"], u["completion_tokens"], cached_tokens=u["cached_tokens"],
        mode=mode,
    )  # fmt: skip
    return value or 0.0


def _vs(estimate: float, actual: float, *, money: bool = False) -> str:
    ratio = estimate / actual if actual else float("nan")
    fmt = (lambda v: f"${v:.4f}") if money else (lambda v: f"{v:,.0f}")
    verdict = "pass" if abs(ratio - 1) <= 0.10 else "GAP"
    return f"{fmt(estimate)} vs {fmt(actual)} ({ratio - 1:+.1%}, {verdict})"


def _money(v: float) -> str:
    return f"${v:.3f}"


if __name__ == "__main__":
    main()
