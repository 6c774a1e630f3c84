"""Benchmark of `summarizer export` over 1,000 outputs (not part of CI): one Markdown table.

In: the seeds in ./seeds, summarized once with the offline backend. Each of the N outputs is
a copy of one of those, pointing at its own copy of the source (the seed with a line
appended, so every source has its own sha256 and the SQLite export reads and indexes each).
Out: a table on stdout (format, wall time of the CLI as a subprocess, target, verdict);
progress on stderr. All data lives in a tempfile.mkdtemp() folder, removed at the end.

    .venv/bin/python bench/panel.py [--outputs 1000] [--runs 3] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.core.config import Settings  # noqa: E402
from summarizer.pipeline import summarize_file  # noqa: E402

TARGET_S = 5.0


def log(message: str) -> None:
    print(f"[bench/panel] {message}", file=sys.stderr, flush=True)


def make_set(root: Path, n: int) -> dict[str, int]:
    """N outputs under root/out, their sources under root/src; return counts."""
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    settings = Settings(backend="offline", use_cache=False, cache_dir=str(root / "cache"))
    docs = [(s, summarize_file(s, settings=settings)) for s in seeds]
    findings = metrics = 0
    for i in range(n):
        seed, doc = docs[i % len(docs)]
        # A line at the end keeps every offset of the seed's evidence valid.
        data = seed.read_bytes() + f"\n样本{i}\n".encode()
        rel = f"src/{i // 100:02d}/{i:04d}_{seed.name}"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        copy = doc.model_copy(deep=True)
        copy.source.path = rel
        copy.source.sha256 = hashlib.sha256(data).hexdigest()
        copy.source.chars = doc.source.chars + len(f"\n样本{i}\n")
        out = root / "out" / f"{i // 100:02d}" / f"{i:04d}_{seed.name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(copy.model_dump_json(indent=2), encoding="utf-8")
        for rep in copy.reports:
            parts = (rep.achievements, rep.problems, rep.plans, rep.other)
            findings += sum(len(p) for p in parts)
            metrics += len(rep.key_metrics) + sum(len(f.metrics) for p in parts for f in p)
    size = sum(p.stat().st_size for p in (root / "out").rglob("*.json"))
    return {"outputs": n, "findings": findings, "metrics": metrics, "json_bytes": size}


def run_export(root: Path, target: str, *extra: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one `summarizer export` subprocess."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", "export", "out", "-o", target, *extra],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"export {target} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--outputs", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="Keep the temporary folder.")
    ap.add_argument(
        "--only", nargs="*", default=None, help="Only these targets (panel.csv, lean.sqlite ...)."
    )
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="summarizer-panel-bench-"))
    try:
        log(f"writing {args.outputs} outputs under {tmp}")
        counts = make_set(tmp, args.outputs)
        log(f"{counts}")
        rows = []
        for target, extra, how in (
            ("panel.csv", (), "csv"),
            ("panel.sqlite", (), "sqlite, FTS5 over findings and every source text"),
            ("lean.sqlite", ("--no-sources",), "sqlite --no-sources (findings index only)"),
            ("panel.parquet", (), "parquet (pyarrow)"),
            ("panel.xlsx", (), "xlsx (openpyxl, write-only)"),
        ):
            if args.only and target not in args.only:
                continue
            runs = [run_export(tmp, target, *extra) for _ in range(args.runs)]
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            size = (tmp / target).stat().st_size
            log(f"{target}: " + ", ".join(f"{w:.2f} s wall / {c:.2f} s CPU" for w, c in runs))
            rows.append(
                f"| export {args.outputs} outputs → {how} | subprocess, median of {args.runs}; "
                f"{size / 1e6:.1f} MB written | < {TARGET_S:g} s | {wall:.2f} s wall, "
                f"{cpu:.2f} s CPU | {'pass' if wall < TARGET_S else 'GAP'} |"
            )
        load = os.getloadavg()[0]
        print(f"load average at the end: {load:.1f} on {os.cpu_count()} CPUs")
        print(
            f"{counts['outputs']} outputs ({counts['json_bytes'] / 1e6:.1f} MB of JSON): "
            f"{counts['findings']} findings, {counts['metrics']} metrics\n"
        )
        print("| figure | how | target | measured | pass/gap |")
        print("|---|---|---|---|---|")
        print("\n".join(rows))
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
