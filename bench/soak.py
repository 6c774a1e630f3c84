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

from chatserver import ChatServer, document_text  # noqa: E402

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
            code = run_batch(srv, inputs, out, work, ns.concurrency)
            first_s = time.monotonic() - started
            first = srv.chat_requests()
            per_chunk = Counter(document_text(r.body) or "" for r in first)
            status = index_status(out)
            ok = sum(1 for s in status.values() if s == "ok")
            failed = sum(1 for s in status.values() if s == "failed")
            retried = {file_of_chunk[t] for t, n in per_chunk.items() if n > 1 and t}
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

            # Same server (its port is part of the cache key), now healthy.
            srv.fault_rate = 0.0
            if not ns.no_input_faults:
                print(f"  cache rows damaged before run 2: {damage_cache(work, 25)}")
            started = time.monotonic()
            code2 = run_batch(srv, inputs, out, work, ns.concurrency)
            second_s = time.monotonic() - started
            second = srv.chat_requests()[len(first) :]
        status2 = index_status(out)
        outputs = sorted(out.rglob("*.txt.json"))
        invalid = [p.name for p in outputs if validate_file(p)]
        redone = Counter(status2.values())
        unexpected = {
            p: s for p, s in status2.items() if s != expected.get(p, "ok") and s != "skipped"
        }
        stray = [p.name for p in out.rglob("*.tmp")]
        complete = (
            code2 == (1 if expected else 0)
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
        print(f"  peak memory (max RSS of a batch process): {peak_rss_mb():.0f} MB")
        print("RESULT:", "all outputs complete and valid" if complete else f"INCOMPLETE {invalid}")
        return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
