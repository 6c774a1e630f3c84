"""Soak test (not in CI): 200 synthetic reports through `summarizer batch` with 20% faults.

In: nothing (reports are generated from seeds into a temporary folder). Out: printed counts
(files ok / failed / retried, requests, faults served by kind), then a fault-free re-run on
the same cache and output folder that must finish every file; every output JSON is validated.
Exit 0 when the re-run completes all 200 valid outputs, 1 otherwise.

Besides the server's faults, the folder holds the input-side ones (`--no-input-faults` to
leave them out): one report under a GBK (non-UTF-8) file name, a docx with 3 million
paragraphs, a symlink to a file outside the folder, a FIFO, an earlier `.html` and `.md`
output of the tool; the first run is stopped by SIGTERM once and resumed, and rows of the
cache are damaged before the healthy re-run. The peak memory (max RSS) of the batch
processes is printed.

Issue 26 mixes in model deviations and offload faults (`--deviation-rate 0`,
`--no-offload` to leave them out): a fifth of the chunks are answered with one of a model's
slips (a Chinese kind, a 41-character title, metrics as objects, an off-list topic, an extra
or a missing field, prose after the JSON, a <think> preamble, a null list) every time they
are asked, and 1 % with prose only (nothing usable: the chunk fails, its file is written
without it and counts as failed). Every paid call is compared with the server's own log:
the answers it served with HTTP 200 against the calls the index counts (less those whose
tokens are estimated: hangs and resets, which the server never answered). Then a Batch API
job over 40 reports meets two `submit`s at once, a `submit` killed after the provider made
its batch, and two `collect`s at once: the provider's log must show each request run once.

    .venv/bin/python bench/soak.py [--files 200] [--fault-rate 0.2] [--seed 7]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from chatserver import (  # noqa: E402
    ChatServer,
    Reply,
    default_responder,
    document_text,
    extraction_for,
    is_overview,
)

from summarizer.core.config import Settings  # noqa: E402
from summarizer.core.document import SourceText  # noqa: E402
from summarizer.pipeline import analyse_source  # noqa: E402
from summarizer.review.validate import validate_file  # noqa: E402

FAKE_KEY = "sk-test-FAKEKEY-0123456789"
CHUNK_TOKENS = 200  # small, so the longer reports split into several chunks
FAULT_KINDS = (
    "429-ms",
    "429",
    "500",
    "502",
    "503",
    "reset",
    "hang",
    "bad-schema",
    "truncated",
    "empty",
    "refusal",
    "length",
)
#: Faults the server answers without a billable completion (an error status, no answer).
UNPAID = frozenset({"429-ms", "429", "500", "502", "503", "reset", "hang"})


def _slip(kind: int, answer: dict) -> str:  # type: ignore[type-arg]
    """One of a model's slips, applied to every finding of an answer."""
    for f in answer["findings"]:
        if kind == 0:
            f["kind"] = {"achievement": "成绩", "problem": "问题", "plan": "计划"}.get(f["kind"], "其他")
        elif kind == 1:
            f["title"] = "标题，" + "长" * 38
        elif kind == 2:
            f["metrics"] = [{"name": "签约项目", "value": "12个"}]
        elif kind == 3:
            f["topic"] = "招商"
        elif kind == 4:
            f["confidence"] = 0.9
        elif kind == 5:
            f.pop("entities", None)
        elif kind == 8:
            f["quotes"] = None
    text = json.dumps(answer, ensure_ascii=False)
    if kind == 6:
        text += "\n以上为提取结果。"
    elif kind == 7:
        text = "<think>先读一遍。</think>" + text
    return text


def deviating(rate: float, unreadable: float, seed: int):  # type: ignore[no-untyped-def]
    """A responder answering some chunks with a slip, and a few with prose only, every time
    they are asked (decided by the chunk's text, so a retry gets the same)."""

    def respond(body: dict) -> Reply:  # type: ignore[type-arg]
        if is_overview(body):
            return default_responder(body)
        doc = document_text(body) or ""
        draw = random.Random(f"{seed}:{doc}").random()
        if draw < unreadable:
            return Reply(content="对不起，这一部分我无法整理。")
        if draw < unreadable + rate:
            return Reply(content=_slip(int(draw * 1e6) % 9, extraction_for(body)))
        return default_responder(body)

    return respond


ZONES = ["高新区", "经开区", "临港产业园", "综合保税区", "科技城", "物流园区", "生态工业园"]
HEADS = {"a": "年度工作回顾", "p": "存在的问题", "l": "下一年工作计划"}
NUMERALS = "一二三四五六七八"


def make_report(seed: int) -> str:
    """A varied synthetic report: 1-3 parts, 1-8 paragraphs each, some sub-headings."""
    r = random.Random(seed)
    year = r.randint(2018, 2024)
    zone = r.choice(ZONES)
    kinds = r.choice([("a",), ("a", "l"), ("a", "p", "l"), ("a", "p", "l")])
    lines = [f"{zone}{year}年工作总结和{year + 1}年工作计划", ""]
    for i, kind in enumerate(kinds):
        lines.append(f"{NUMERALS[i]}、{HEADS[kind]}")
        for j in range(r.randint(1, 8)):
            if r.random() < 0.3:
                lines.append(f"（{NUMERALS[j]}）专项工作{j + 1}")
            n, m, g = r.randint(2, 95), r.randint(1, 480), r.randint(1, 35)
            lines.append(
                {
                    "a": f"全年新签约项目{n}个，总投资{m}亿元，同比增长{g}%，园区企业发展加快。",
                    "p": f"部分项目推进缓慢，{n}个项目未按期开工，土地等要素保障压力较大。",
                    "l": f"计划新引进企业{n}家，完成固定资产投资{m}亿元，推进园区基础设施建设。",
                }[kind]
            )
    return "\n".join(lines) + "\n"


def chunk_texts(path: Path) -> list[str]:
    """The chunk texts a file sends to the model (what the server sees between delimiters)."""
    text = path.read_text(encoding="utf-8")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    source = SourceText(path=str(path), text=text, encoding="utf-8", format="txt", sha256=sha)
    return [c.text for c in analyse_source(source, Settings(chunk_tokens=CHUNK_TOKENS)).chunks]


def batch_command(
    srv: ChatServer, inputs: Path, out: Path, work: Path, concurrency: int
) -> tuple[list[str], dict[str, str]]:
    """The `summarizer batch` command line against the server, and its environment."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(OPENAI_API_KEY=FAKE_KEY, NO_COLOR="1")
    config = work / "summarizer.toml"
    config.write_text("max_retries = 2\ntimeout_s = 1.0\n", encoding="utf-8")
    args = [
        sys.executable,
        "-m",
        "summarizer",
        "--config",
        str(config),
        "batch",
        str(inputs),
        "-o",
        str(out),
        "--backend",
        "openai",
        "--base-url",
        srv.base_url,
        "--cache-dir",
        str(work / "cache"),
        "--concurrency",
        str(concurrency),
        "--chunk-tokens",
        str(CHUNK_TOKENS),
        "--no-overview",
        "--quiet",
    ]
    return args, env


def run_batch(srv: ChatServer, inputs: Path, out: Path, work: Path, concurrency: int) -> int:
    """One `summarizer batch` run against the server; returns its exit code."""
    args, env = batch_command(srv, inputs, out, work, concurrency)
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    return done.returncode


def terminated_run(
    srv: ChatServer, inputs: Path, out: Path, work: Path, concurrency: int, after: int
) -> int:
    """A run stopped by SIGTERM once the server has seen `after` requests; its exit code."""
    args, env = batch_command(srv, inputs, out, work, concurrency)
    proc = subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(srv.chat_requests()) < after and proc.poll() is None:
        time.sleep(0.05)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=120)


GBK_NAME = "开发区工作总结.txt".encode("gbk")


def add_input_faults(inputs: Path, work: Path) -> dict[str, str]:
    """The input-side faults; returns what each is expected to end as in the index."""
    from helpers import make_docx

    make_docx(inputs / "bomb.docx", 3_000_000)
    outside = work / "outside.txt"
    outside.write_text(make_report(1), encoding="utf-8")
    (inputs / "passwd.txt").symlink_to(outside)
    os.mkfifo(inputs / "pipe.txt")
    (inputs / "old.txt.md").write_text(
        "# 报告\n\n---\n\n*Source: old.txt (sha256 0…, 10 chars) · backend offline*\n", "utf-8"
    )
    (inputs / "old.txt.html").write_text(
        '<!DOCTYPE html><html><head><meta name="generator" content="summarizer"></head></html>',
        "utf-8",
    )
    return {"bomb.docx": "failed"}


def damage_cache(work: Path, rows: int) -> int:
    """Overwrite `rows` cached answers with bytes that are not UTF-8; returns how many."""
    import sqlite3

    conn = sqlite3.connect(work / "cache" / "summarizer-cache.sqlite3")
    keys = [k for (k,) in conn.execute("SELECT key FROM entries LIMIT ?", (rows,))]
    for key in keys:
        conn.execute("UPDATE entries SET value = CAST(? AS TEXT) WHERE key = ?", (b"\xff\xfe", key))
    conn.commit()
    conn.close()
    return len(keys)


def peak_rss_mb() -> float:
    """The largest max RSS of any finished child process so far (Linux: KB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def paid_answers(srv: ChatServer, start: int, end: int) -> int:
    """Chat answers the server served with a billable completion among requests [start, end)."""
    chats = sum(1 for r in srv.requests[start:end] if r.path.endswith("/chat/completions"))
    unpaid = sum(1 for i, kind in srv.faults_served if start <= i < end and kind in UNPAID)
    return chats - unpaid


def counted(out: Path) -> tuple[int, int]:
    """(calls, calls with estimated tokens) of this run's records (skipped ones were paid
    before)."""
    lines = (out / "index.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    mine = [r for r in records if r["status"] != "skipped"]
    return sum(r["calls"] for r in mine), sum(r.get("estimated_calls", 0) for r in mine)


def index_status(out: Path) -> dict[str, str]:
    """path -> status from OUT/index.jsonl (fails loudly on a torn line)."""
    lines = (out / "index.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["path"]: r["status"] for r in (json.loads(line) for line in lines if line.strip())}


def main() -> int:
    """Run the soak and print its numbers; exit 1 if the healing re-run is incomplete."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--no-input-faults", action="store_true")
    parser.add_argument("--deviation-rate", type=float, default=0.2)
    parser.add_argument("--unreadable-rate", type=float, default=0.01)
    parser.add_argument("--no-offload", action="store_true")
    ns = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="summarizer-soak-") as tmp:
        work = Path(tmp)
        inputs, out = work / "in", work / "out"
        inputs.mkdir()
        file_of_chunk: dict[str, str] = {}
        for i in range(ns.files):
            path = inputs / f"r{i:03d}.txt"
            path.write_text(make_report(ns.seed * 100_000 + i), encoding="utf-8")
            for text in chunk_texts(path):
                file_of_chunk[text] = path.name
        chunks = len(file_of_chunk)
        expected: dict[str, str] = {}
        if not ns.no_input_faults:
            expected = add_input_faults(inputs, work)
            # One of the reports under a name that is not UTF-8.
            os.rename(inputs / "r000.txt", os.path.join(os.fsencode(inputs), GBK_NAME))

        with ChatServer(
            deviating(ns.deviation_rate, ns.unreadable_rate, ns.seed),
            fault_rate=ns.fault_rate,
            fault_kinds=FAULT_KINDS,
            seed=ns.seed,
            latency_s=ns.latency,
            hang_s=2.0,
            max_requests=20 * chunks,
            max_seconds=900,
        ) as srv:
            started = time.monotonic()
            term = None
            if not ns.no_input_faults:
                term = terminated_run(srv, inputs, out, work, ns.concurrency, after=chunks // 4)
                leftovers = [p.name for p in out.rglob("*.tmp")]
                print(
                    f"run 0 (SIGTERM after {chunks // 4} requests): exit {term}, "
                    f"{len(index_status(out))} index records, temp files left {len(leftovers)}"
                )
            run1_from = len(srv.requests)
            code = run_batch(srv, inputs, out, work, ns.concurrency)
            first_s = time.monotonic() - started
            paid1, (calls1, estimated1) = paid_answers(srv, run1_from, len(srv.requests)), counted(out)
            first = srv.chat_requests()
            per_chunk = Counter(document_text(r.body) or "" for r in first)
            status = index_status(out)
            ok = sum(1 for s in status.values() if s == "ok")
            failed = sum(1 for s in status.values() if s == "failed")
            retried = {
                file_of_chunk.get(t) or next((f for c, f in file_of_chunk.items() if t in c), t)
                for t, n in per_chunk.items()
                if n > 1 and t
            }  # a piece of a split chunk is found inside its chunk
            kinds = Counter(kind for _, kind in srv.faults_served)
            print(f"soak: {ns.files} files, {chunks} chunks, fault rate {ns.fault_rate:.0%},")
            print(f"  concurrency {ns.concurrency}, latency {ns.latency * 1000:.0f} ms")
            print(f"run 1 (faults): exit {code} in {first_s:.1f}s")
            print(f"  files ok {ok} / failed {failed} / retried {len(retried)}")
            print(
                f"  requests {len(first)} (chunks asked more than once: "
                f"{sum(1 for n in per_chunk.values() if n > 1)})"
            )
            print(f"  faults served {sum(kinds.values())}: {dict(sorted(kinds.items()))}")
            written1 = len(list(out.rglob("*.txt.json")))
            print(
                f"  outputs written {written1} (failed files with a written output: "
                f"{sum(1 for p, st in status.items() if st == 'failed' and (out / (p + '.json')).exists())})"
            )
            print(
                f"  paid answers in the server's log {paid1}; calls in the index {calls1}, of "
                f"which {estimated1} estimated (attempts that got no answer: resets, hangs, "
                f"timeouts) -> counted with the server's usage {calls1 - estimated1}"
            )

            # Same server (its port is part of the cache key), now healthy.
            srv.fault_rate = 0.0
            srv.responder = default_responder
            if not ns.no_input_faults:
                print(f"  cache rows damaged before run 2: {damage_cache(work, 25)}")
            started = time.monotonic()
            run2_from = len(srv.requests)
            code2 = run_batch(srv, inputs, out, work, ns.concurrency)
            second_s = time.monotonic() - started
            second = srv.chat_requests()[len(first) :]
            paid2, (calls2, estimated2) = paid_answers(srv, run2_from, len(srv.requests)), counted(out)
        status2 = index_status(out)
        outputs = sorted(out.rglob("*.txt.json"))
        invalid = [p.name for p in outputs if validate_file(p)]
        redone = Counter(status2.values())
        unexpected = {
            p: s for p, s in status2.items() if s != expected.get(p, "ok") and s != "skipped"
        }
        stray = [p.name for p in out.rglob("*.tmp")]
        accounted = calls1 - estimated1 == paid1 and calls2 - estimated2 == paid2
        offload_ok = True
        if not ns.no_offload:
            offload_ok = offload_soak(work, ns)
        complete = (
            accounted
            and offload_ok
            and code2 == (1 if expected else 0)
            and len(outputs) == ns.files
            and not invalid
            and not unexpected
            and not stray
            and len(status2) == ns.files + len(expected)
        )
        print(f"run 2 (healthy, same cache/output): exit {code2} in {second_s:.1f}s")
        print(
            f"  index: {dict(sorted(redone.items()))} ({len(status2)} records); requests {len(second)}"
        )
        print(
            f"  outputs {len(outputs)}/{ns.files}, invalid {len(invalid)}, unexpected {unexpected}, temp files {len(stray)}"
        )
        print(
            f"  paid answers in the server's log {paid2}; calls in the index {calls2} "
            f"({estimated2} estimated) -> counted {calls2 - estimated2}"
        )
        print(f"  every paid call counted (runs 1 and 2): {accounted}")
        print(f"  peak memory (max RSS of a batch process): {peak_rss_mb():.0f} MB")
        print("RESULT:", "all outputs complete and valid" if complete else f"INCOMPLETE {invalid}")
        return 0 if complete else 1


def offload_soak(work: Path, ns: argparse.Namespace) -> bool:
    """A Batch API job over 40 reports: two submits at once, a submit killed after the
    provider created its batch (then run again), two collects at once; True when the
    provider ran each request once, the job's usage is what the provider billed, and every
    output is written."""
    from batchserver import BatchServer

    inputs, out = work / "offload-in", work / "offload-out"
    inputs.mkdir()
    for i in range(40):
        (inputs / f"b{i:02d}.txt").write_text(make_report(ns.seed * 7_000 + i), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(OPENAI_API_KEY=FAKE_KEY, NO_COLOR="1")

    def cli(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "summarizer", *args], env=env, cwd=work, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

    started = time.monotonic()
    with BatchServer(max_seconds=900) as fake:
        flags = ["--backend", "openai", "--provider", "vllm", "--base-url", fake.base_url,
                 "--model", "test-model", "--chunk-tokens", str(CHUNK_TOKENS),
                 "--cache-dir", str(work / "offload-cache")]  # fmt: skip
        submit = ["batch-api", "submit", str(inputs), "-o", str(out), *flags]
        # A submit killed after the provider made its batch, before the job recorded it.
        fake.create_delay_s = 30.0
        victim = cli(*submit)
        deadline = time.monotonic() + 60
        while not fake.batches and time.monotonic() < deadline:
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.communicate()
        orphaned = len(fake.batches)
        # Two submits at once after it.
        fake.create_delay_s = 0.3
        both = [cli(*submit), cli(*submit)]
        for p in both:
            p.communicate(timeout=300)
        fake.create_delay_s = 0.0
        rounds = 0
        done = False
        while not done and rounds < 20:
            rounds += 1
            two = [cli("batch-api", "collect", str(out)), cli("batch-api", "collect", str(out))]
            results = [p.communicate(timeout=600) for p in two]
            done = any("files ok / failed / skipped" in o for o, _ in results)
        ids = Counter(line["custom_id"] for line in fake.lines_answered)
        twice = sum(1 for n in ids.values() if n > 1)
        billed = sum(
            json.loads(row)["response"]["body"]["usage"]["prompt_tokens"]
            for b in fake.batches.values()
            if b.output_file_id
            for row in fake.files[b.output_file_id].splitlines()
        )
        batches = len(fake.batches)
    import sqlite3

    db = sqlite3.connect(out / ".summarizer-batch-job.sqlite3")
    usage = json.loads(db.execute("SELECT value FROM meta WHERE key = 'usage'").fetchone()[0])
    db.close()
    outputs = len(list(out.glob("*.txt.json")))
    ok = done and twice == 0 and usage["prompt_tokens"] == billed and outputs == 40
    print(f"offload (Batch API, 40 reports): finished {done} in {time.monotonic() - started:.1f}s, {rounds} collect round(s)")
    print(
        f"  provider batches {batches} (1 orphaned by the kill: {orphaned == 1}, adopted, not bought again); "
        f"request lines run {len(fake.lines_answered)}, run twice {twice}"
    )
    print(
        f"  prompt tokens billed by the provider {billed:,}; counted by the job {usage['prompt_tokens']:,}; "
        f"outputs {outputs}/40"
    )
    return ok


if __name__ == "__main__":
    sys.exit(main())
