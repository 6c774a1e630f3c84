"""Benchmarks of `summarizer` (not part of CI): one table of every figure, on stdout.

In: the seeds in ./seeds, tests/chatserver.py as the model endpoint (127.0.0.1 only).
Out: a Markdown table (figure, how, target, measured, pass/gap); progress on stderr.
All temporary data goes under one tempfile.mkdtemp() folder, removed at the end.

    .venv/bin/python bench/run.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.core.config import Settings  # noqa: E402
from summarizer.pipeline import analyse, summarize_file  # noqa: E402
from summarizer.text.tokens import get_counter  # noqa: E402
from tests.chatserver import ChatServer, Recorded  # noqa: E402

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
LATENCY_S = 0.3
MB = 1_000_000


@dataclass
class Row:
    """One line of the results table."""

    figure: str
    how: str
    target: str
    measured: str
    verdict: str


def log(message: str) -> None:
    """Progress to stderr so stdout holds only the table."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def verdict(ok: bool | None) -> str:
    """pass / GAP / n/a for a comparison that may not have been possible."""
    if ok is None:
        return "n/a"
    return "pass" if ok else "GAP"


# ---------------------------------------------------------------------------- helpers


def cli(
    args: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run `python -m summarizer ARGS` and return (wall seconds, completed process)."""
    full_env = {**os.environ, **(env or {})}
    # Runs from the temp folder, so ./cache and ./summarizer.toml of the repo are never used.
    full_env["PYTHONPATH"] = str(ROOT)
    full_env["SUMMARIZER_CACHE_DIR"] = full_env.get("SUMMARIZER_CACHE_DIR", str(cwd / "cache"))
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return time.perf_counter() - started, proc


def failure(proc: subprocess.CompletedProcess[str]) -> str:
    """A short reason from a failed subprocess, for an n/a cell."""
    text = (proc.stderr or proc.stdout or "").strip().splitlines()
    last = text[-1] if text else ""
    return f"exit {proc.returncode}: {last[:120]}"


def synthetic_reports(folder: Path, count: int) -> list[Path]:
    """`count` reports derived from the seeds, each sentence tagged so no two chunks match."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        seed = SEEDS[i % len(SEEDS)]
        lines = seed.read_text(encoding="utf-8").split("\n")
        # Only sentence-final lines change, so headings (which the sectioner reads) stay intact.
        varied = [ln[:-1] + f"，样本{i}。" if ln.endswith("。") else ln for ln in lines]
        path = folder / f"r{i:04d}_{seed.name}"
        path.write_text("\n".join(varied), encoding="utf-8")
        paths.append(path)
    return paths


def message_text(message: dict[str, Any]) -> str:
    """The text content of one chat message (string or list of text parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def prompt_tokens(requests: list[Recorded]) -> tuple[int, int]:
    """(all message tokens, stable-prefix tokens) over the recorded chat requests.

    The stable prefix is every system message plus the user text before `<document`.
    """
    count = get_counter("o200k_base").count
    total = prefix = 0
    for r in requests:
        body = r.body if isinstance(r.body, dict) else {}
        for m in body.get("messages") or []:
            text = message_text(m)
            n = count(text)
            total += n
            if m.get("role") == "system":
                prefix += n
            elif m.get("role") == "user":
                cut = text.find("<document")
                prefix += count(text[:cut]) if cut >= 0 else 0
    return total, prefix


def analysed_tokens(paths: Sequence[Path]) -> tuple[int, int]:
    """(analysed-text tokens, parts + reports) of the files, as the pipeline sees them."""
    count = get_counter("o200k_base").count
    tokens = calls = 0
    for p in paths:
        a = analyse(p, Settings(backend="offline"))
        tokens += count(a.clean.analysed(0, len(a.source.text)))
        calls += sum(len(r.parts) for r in a.reports) + len(a.reports)
    return tokens, calls


def peak_rss_mb(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """(peak RSS in MB, exit code) of one child, measured by a wrapper so children don't mix."""
    wrapper = (
        "import resource, subprocess, sys\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL).returncode\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *argv],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
    ).stdout.split()
    return int(out[0]) / 1024, int(out[1])  # ru_maxrss is in KiB on Linux


def pin_one_core() -> set[int] | None:
    """Run this process on one CPU so throughput means one core; returns the old CPU set."""
    try:
        old = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(old)})
        return old
    except (AttributeError, OSError):
        return None


def unpin(old: set[int] | None) -> None:
    """Restore the CPU set, since later children (servers, batches) inherit it."""
    if old is not None:
        os.sched_setaffinity(0, old)


# ---------------------------------------------------------------------------- figures


def bench_throughput(tmp: Path, target_mb: float) -> list[Row]:
    """Text stages and full offline summarize over the seeds repeated to `target_mb`."""
    seed_bytes = sum(p.stat().st_size for p in SEEDS)
    reps = max(1, math.ceil(target_mb * MB / seed_bytes))
    total = reps * seed_bytes
    settings = Settings(backend="offline", use_cache=False, cache_dir=str(tmp / "cache"))
    analyse(SEEDS[0], settings)  # warm imports and the tokenizer
    old = pin_one_core()
    try:
        log(f"throughput: text stages over {total / MB:.1f} MB")
        # As a model run counts (estimates, exact near the budget), and as `sections` does.
        started = time.perf_counter()
        for _ in range(reps):
            for p in SEEDS:
                analyse(p, settings, tokens="budget")
        text_s = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(reps):
            for p in SEEDS:
                analyse(p, settings, tokens="exact")
        exact_s = time.perf_counter() - started
        log(f"throughput: offline summarize over {total / MB:.1f} MB")
        started = time.perf_counter()
        for _ in range(reps):
            for p in SEEDS:
                summarize_file(p, settings=settings)
        full_s = time.perf_counter() - started
    finally:
        unpin(old)
    text_rate, full_rate = total / MB / text_s, total / MB / full_s
    exact_rate = total / MB / exact_s
    how = f"seeds x{reps} = {total / MB:.1f} MB, in-process, one core"
    return [
        Row(
            "throughput: read+clean+sections+chunks",
            how + "; token counts as summarize/batch make them (estimate, exact near the budget)",
            ">= 5 MB/s",
            f"{text_rate:.2f} MB/s",
            verdict(text_rate >= 5),
        ),
        Row(
            "throughput: the same with every chunk counted exactly",
            how + "; o200k_base on every chunk, as `sections` and `--dry-run` do",
            "report it",
            f"{exact_rate:.2f} MB/s",
            "info",
        ),
        Row(
            "offline throughput: full summarize --backend offline",
            how + " (summarize_file per file)",
            ">= 5 MB/s",
            f"{full_rate:.2f} MB/s",
            verdict(full_rate >= 5),
        ),
    ]


def bench_one_seed(tmp: Path, runs: int) -> list[Row]:
    """Median in-process time of an offline summarize of each seed, after a warm-up."""
    settings = Settings(backend="offline", use_cache=False, cache_dir=str(tmp / "cache"))
    medians = {}
    for p in SEEDS:
        summarize_file(p, settings=settings)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            summarize_file(p, settings=settings)
            times.append(time.perf_counter() - started)
        medians[p.name] = statistics.median(times) * 1000
    first = medians[SEEDS[0].name]
    worst_name = max(medians, key=lambda k: medians[k])
    return [
        Row(
            "offline summarize of one seed",
            f"median of {runs} in-process summarize_file after warm-up",
            "< 50 ms",
            f"{first:.1f} ms ({SEEDS[0].name[:3]}); worst {medians[worst_name]:.1f} ms "
            f"({worst_name[:3]}, {(ROOT / 'seeds' / worst_name).stat().st_size // 1000} kB)",
            verdict(max(medians.values()) < 50),
        )
    ]


def bench_startup(tmp: Path) -> list[Row]:
    """Median wall time of `--help` and `schema` as subprocesses."""
    rows = []
    for args in (["--help"], ["schema"]):
        times = []
        for _ in range(5):
            wall, proc = cli(args, cwd=tmp)
            if proc.returncode != 0:
                rows.append(
                    Row(f"start-up: {' '.join(args)}", "", "<= 0.35 s", "n/a", failure(proc))
                )
                break
            times.append(wall)
        else:
            med = statistics.median(times)
            rows.append(
                Row(
                    f"start-up: summarizer {' '.join(args)}",
                    "subprocess wall time, median of 5",
                    "<= 0.35 s",
                    f"{med:.3f} s",
                    verdict(med <= 0.35),
                )
            )
    return rows


def bench_tokens_and_calls(tmp: Path) -> list[Row]:
    """Per seed via `summarize --backend openai`: prompt tokens sent and calls made."""
    env = {"OPENAI_API_KEY": "bench-key"}
    sent = prefix = calls = 0
    for p in SEEDS:
        with ChatServer(max_seconds=300) as srv:
            _, proc = cli(
                [
                    "summarize",
                    str(p),
                    "--backend",
                    "openai",
                    "--base-url",
                    srv.base_url,
                    "--no-cache",
                    "-f",
                    "json",
                    "-o",
                    str(tmp / f"{p.stem}.json"),
                ],
                cwd=tmp,
                env=env,
            )
            if proc.returncode != 0:
                reason = f"n/a ({failure(proc)})"
                return [
                    Row("tokens sent", "", "<= 1.30x", reason, "n/a"),
                    Row("calls per report", "", "report it", reason, "n/a"),
                ]
            requests = srv.chat_requests()
        t, pre = prompt_tokens(requests)
        sent, prefix, calls = sent + t, prefix + pre, calls + len(requests)
    text_tokens, expected_calls = analysed_tokens(SEEDS)
    ratio = sent / text_tokens
    return [
        Row(
            "tokens sent",
            "o200k tokens of request messages the server saw / analysed text of the 5 seeds",
            "<= 1.30x",
            f"{ratio:.2f}x ({sent} / {text_tokens}); stable prefix {prefix / sent:.0%} "
            f"({prefix} tokens); response_format schema not counted",
            verdict(ratio <= 1.30),
        ),
        Row(
            "calls per report",
            "chat requests per seed, incl. overview, vs parts+1",
            "report it",
            f"{calls / len(SEEDS):.1f} per seed ({calls} calls vs parts+1 = {expected_calls})",
            "info",
        ),
    ]


def batch_args(src: Path, out: Path, base_url: str, k: int, cache: bool) -> list[str]:
    """Arguments of one `summarizer batch` run against the local server."""
    args = ["batch", str(src), "-o", str(out), "--backend", "openai", "--base-url", base_url]
    args += ["--concurrency", str(k), "--quiet"]
    return args if cache else [*args, "--no-cache"]


def bench_concurrency(tmp: Path, reports: int) -> list[Row]:
    """The synthetic batch at K = 1, 4, 16 against a server with fixed latency, then cached."""
    src = tmp / "synthetic"
    synthetic_reports(src, reports)
    env = {"OPENAI_API_KEY": "bench-key", "SUMMARIZER_CACHE_DIR": str(tmp / "batch-cache")}
    walls: dict[int, tuple[float, int]] = {}
    rows: list[Row] = []
    for k in (1, 4, 16):
        log(f"concurrency: batch of {reports} at K={k}")
        with ChatServer(latency_s=LATENCY_S, max_seconds=900, max_requests=20000) as srv:
            wall, proc = cli(
                batch_args(src, tmp / f"out-k{k}", srv.base_url, k, cache=False), cwd=tmp, env=env
            )
            n = len(srv.chat_requests())
        if proc.returncode != 0:
            reason = f"n/a (batch {failure(proc)})"
            return [
                Row("concurrency efficiency (batch CLI)", "", ">= 0.90 at K=16", reason, "n/a"),
                Row("vs sequential (batch CLI)", "", ">= 12x", reason, "n/a"),
                Row("cached re-run", "", "<= 1.5 s", reason, "n/a"),
                *library_concurrency(src),
            ]
        walls[k] = (wall, n)
    for k in (1, 4, 16):
        wall, n = walls[k]
        ideal = math.ceil(n / k) * LATENCY_S
        eff = ideal / wall
        rows.append(
            Row(
                f"concurrency efficiency K={k}",
                f"{reports} reports, {n} calls, {LATENCY_S * 1000:.0f} ms/call; ideal/wall",
                ">= 0.90 at K=16" if k == 16 else "report it",
                f"{eff:.2f} (wall {wall:.1f} s, ideal {ideal:.1f} s)",
                verdict(eff >= 0.90) if k == 16 else "info",
            )
        )
    # The same batch against a server that answers at once: the tool's own CPU floor (start-up,
    # the SDK import, request building, parsing, grounding, writing), which no concurrency hides.
    log(f"concurrency: batch of {reports} at K=16 against a zero-latency server (CPU floor)")
    with ChatServer(latency_s=0.0, max_seconds=900, max_requests=20000) as srv:
        floor, _ = cli(
            batch_args(src, tmp / "out-floor", srv.base_url, 16, cache=False), cwd=tmp, env=env
        )
    # Ten times the batch: the fixed start-up cost (the SDK import above all) amortised.
    big = tmp / "synthetic-x10"
    synthetic_reports(big, reports * 10)
    log(f"concurrency: batch of {reports * 10} at K=16")
    with ChatServer(latency_s=LATENCY_S, max_seconds=900, max_requests=20000) as srv:
        big_wall, _ = cli(
            batch_args(big, tmp / "out-x10", srv.base_url, 16, cache=False), cwd=tmp, env=env
        )
        big_n = len(srv.chat_requests())
    big_ideal = math.ceil(big_n / 16) * LATENCY_S
    rows.append(
        Row(
            f"concurrency efficiency K=16, {reports * 10} reports",
            f"the same at ten times the size: {big_n} calls; ideal/wall",
            "report it",
            f"{big_ideal / big_wall:.2f} (wall {big_wall:.1f} s, ideal {big_ideal:.1f} s)",
            "info",
        )
    )
    rows.append(
        Row(
            "K=16 against a zero-latency server",
            "the same 40-report batch with answers at once: the tool's own time, no waiting",
            "report it",
            f"wall {floor:.1f} s",
            "info",
        )
    )
    speedup = walls[1][0] / walls[16][0]
    rows.append(
        Row(
            "vs sequential",
            "wall(K=1) / wall(K=16)",
            ">= 12x",
            f"{speedup:.1f}x",
            verdict(speedup >= 12),
        )
    )
    log("cached re-run: fill the cache, then run again")
    with ChatServer(latency_s=LATENCY_S, max_seconds=900, max_requests=20000) as srv:
        _, fill = cli(batch_args(src, tmp / "out-fill", srv.base_url, 16, True), cwd=tmp, env=env)
        filled = len(srv.chat_requests())
        wall, again = cli(
            batch_args(src, tmp / "out-again", srv.base_url, 16, True), cwd=tmp, env=env
        )
        second = len(srv.chat_requests()) - filled
    if fill.returncode != 0 or again.returncode != 0:
        bad = again if again.returncode else fill
        rows.append(Row("cached re-run", "", "<= 1.5 s", f"n/a ({failure(bad)})", "n/a"))
    else:
        rows.append(
            Row(
                "cached re-run",
                f"same {reports}-report batch, K=16, warm cache (subprocess wall)",
                "<= 1.5 s",
                f"{wall:.2f} s ({second} calls reached the server)",
                verdict(wall <= 1.5),
            )
        )
    return rows


def library_concurrency(src: Path) -> list[Row]:
    """Stand-in while `batch` is missing: one process, one shared limit, as batch will do."""
    import asyncio

    from summarizer.backends.extract import create_backend
    from summarizer.pipeline import summarize_analysis

    os.environ.setdefault("OPENAI_API_KEY", "bench-key")
    paths = sorted(src.glob("*.txt"))
    walls: dict[int, tuple[float, int]] = {}
    for k in (1, 4, 16):
        log(f"concurrency (library): {len(paths)} reports at K={k}")
        with ChatServer(latency_s=LATENCY_S, max_seconds=900, max_requests=20000) as srv:
            settings = Settings(
                backend="openai", base_url=srv.base_url, use_cache=False, concurrency=k
            )

            async def run(s: Settings = settings, k: int = k) -> None:
                backend = create_backend("openai", s)
                limiter = asyncio.Semaphore(k)
                try:
                    await asyncio.gather(
                        *(
                            summarize_analysis(analyse(p, s), backend, settings=s, limiter=limiter)
                            for p in paths
                        )
                    )
                finally:
                    await backend.aclose()

            started = time.perf_counter()
            asyncio.run(run())
            walls[k] = (time.perf_counter() - started, len(srv.chat_requests()))
    rows = []
    for k in (1, 4, 16):
        wall, n = walls[k]
        ideal = math.ceil(n / k) * LATENCY_S
        rows.append(
            Row(
                f"concurrency efficiency K={k} (library stand-in)",
                f"{len(paths)} reports, {n} calls, in-process gather + shared Semaphore(K)",
                ">= 0.90 at K=16" if k == 16 else "report it",
                f"{ideal / wall:.2f} (wall {wall:.1f} s, ideal {ideal:.1f} s)",
                verdict(ideal / wall >= 0.90) if k == 16 else "info",
            )
        )
    speedup = walls[1][0] / walls[16][0]
    rows.append(
        Row(
            "vs sequential (library stand-in)",
            "wall(K=1) / wall(K=16)",
            ">= 12x",
            f"{speedup:.1f}x",
            verdict(speedup >= 12),
        )
    )
    return rows


def bench_memory(tmp: Path, sizes: Sequence[int]) -> list[Row]:
    """Peak RSS of offline batches of increasing size (the batch CLI, else a library loop)."""
    env = {"PYTHONPATH": str(ROOT), "SUMMARIZER_CACHE_DIR": str(tmp / "mem-cache")}
    peaks: dict[int, float] = {}
    mode = "summarizer batch --backend offline"
    for n in sizes:
        src = tmp / f"mem{n}"
        synthetic_reports(src, n)
        log(f"memory: offline batch of {n}")
        argv = [sys.executable, "-m", "summarizer"]
        argv += ["batch", str(src), "-o", str(tmp / f"mem-out{n}"), "--backend", "offline"]
        peak, rc = peak_rss_mb([*argv, "--quiet"], tmp, env)
        if rc != 0:
            # batch not ready: the same work through the library, one process per size.
            mode = "library loop of summarize_file (batch CLI failed)"
            loop = (
                "import sys, pathlib\n"
                "from summarizer.core.config import Settings\n"
                "from summarizer.pipeline import summarize_file\n"
                "s = Settings(backend='offline', use_cache=False)\n"
                "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.txt')):\n"
                "    summarize_file(p, settings=s).model_dump_json()\n"
            )
            peak, rc = peak_rss_mb([sys.executable, "-c", loop, str(src)], tmp, env)
            if rc != 0:
                return [Row("memory", "", "flat", f"n/a (exit {rc})", "n/a")]
        peaks[n] = peak
    small, large = peaks[sizes[0]], peaks[sizes[-1]]
    growth = large / small
    return [
        Row(
            "memory (peak RSS)",
            f"{mode}; files = " + ", ".join(str(n) for n in sizes),
            "flat in number of files",
            ", ".join(f"{n}: {peaks[n]:.0f} MB" for n in sizes) + f" (x{growth:.2f})",
            verdict(growth <= 1.15),
        )
    ]


# ---------------------------------------------------------------------------- main


def render(rows: list[Row]) -> str:
    """The results as one Markdown table."""

    def cell(s: str) -> str:
        return re.sub(r"\s+", " ", s.replace("|", "/")).strip()

    lines = ["| figure | how | target | measured | pass/gap |", "|---|---|---|---|---|"]
    for r in rows:
        parts = (r.figure, r.how, r.target, r.measured, r.verdict)
        lines.append("| " + " | ".join(cell(x) for x in parts) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Smaller sizes for a smoke run.")
    parser.add_argument("--keep", action="store_true", help="Keep the temp folder.")
    opts = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="summarizer-bench-"))
    log(f"temp folder {tmp}")
    steps: list[Callable[[], list[Row]]] = [
        lambda: bench_startup(tmp),
        lambda: bench_one_seed(tmp, 5 if opts.quick else 20),
        lambda: bench_throughput(tmp, 0.5 if opts.quick else 5.0),
        lambda: bench_tokens_and_calls(tmp),
        lambda: bench_concurrency(tmp, 8 if opts.quick else 40),
        lambda: bench_memory(tmp, (20, 60) if opts.quick else (100, 500)),
    ]
    rows: list[Row] = []
    try:
        for step in steps:
            try:
                rows.extend(step())
            except Exception as e:  # one broken figure must not hide the others
                log(f"step failed: {type(e).__name__}: {e}")
                rows.append(Row("(step failed)", "", "", f"n/a ({type(e).__name__}: {e})", "n/a"))
    finally:
        if not opts.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
