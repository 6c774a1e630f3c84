"""Every headline figure of issue 27 in one run (not part of CI), about 4 minutes.

    .venv/bin/python bench/perf.py                  # everything
    .venv/bin/python bench/perf.py --only big,start # some sections: big, start, throughput,
                                                    # panel, cost

Each table gives the wall time beside the CPU time (user + system, of the child process
where the figure is a subprocess) and the load average (`os.getloadavg()`) when the row
was measured: on a machine shared with other work, wall time follows the load and CPU time
is the better guide to an idle machine. All data lives in a temporary folder, removed at
the end; the model is tests/chatserver.py on 127.0.0.1.

- big: `summarizer summarize BIG.txt --backend offline -f json -o OUT` as a subprocess on
  the seeds repeated to 1, 5, 10 and 30 MB (about 70 reports per MB), and on 5 MB of tiny
  reports (a title, two numbered parts and two lines: ~8,700 reports per MB); wall, CPU,
  peak RSS of the child (`os.wait4`), the RSS over the file size, and the growth exponent
  of time and memory fitted over the four sizes (log-log least squares).
- start: `summarizer sections` of a 20,858-character government work report
  (bench/genre.py) and `summarizer summarize SEED --backend offline -f json -o OUT`, each
  the median of 5 subprocess runs.
- throughput: the five seeds repeated 59 times (5.0 MB), each copy its own file,
  `summarize_file(..., backend offline)` in this process after a warm-up; MB/s of wall time.
- panel: `summarizer export` of 1,000 outputs (bench/panel.py's set) to csv, parquet,
  sqlite and xlsx, once each.
- cost: bench/cost.py (cache share, dry run vs receipt, cost per 1,000 reports).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

SECTIONS = ("big", "start", "throughput", "panel", "cost")


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def child(cmd: Sequence[str], cwd: Path) -> tuple[float, float, int, int]:
    """(wall s, CPU s, peak RSS bytes, exit code) of one subprocess, its own rusage."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, proc.returncode


def summarize_cmd(path: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "summarizer", "summarize", str(path), "--backend", "offline",
        "--no-cache", "--max-file-mb", "200", "-f", "json", "-o", str(out), "-q",
    ]  # fmt: skip


def tiny_reports(path: Path, mb: float) -> int:
    want = int(mb * 1024 * 1024)
    size = i = 0
    with path.open("w", encoding="utf-8") as fh:
        while size < want:
            s = (
                f"2023年经济开发区工作总结\n一、工作成效\n完成投资{i % 97 + 3}亿元。\n"
                "二、工作思路\n推进项目建设。\n\n"
            )
            fh.write(s)
            size += len(s.encode("utf-8"))
            i += 1
    return path.stat().st_size


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The exponent b of y = a·x^b, least squares on the logs."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum(
        (a - mx) ** 2 for a in lx
    )


def big(tmp: Path) -> None:
    from bigfile import make_file

    print("\n### Big inputs (summarize --backend offline, subprocess)\n")
    print("| input | wall | CPU | MB/s (wall) | peak RSS | RSS / file | load | target |")
    print("|---|---|---|---|---|---|---|---|")
    sizes, walls, cpus, peaks = [], [], [], []
    for mb in (1, 5, 10, 30):
        path = tmp / f"seeds{mb}.txt"
        size = make_file(path, mb)
        wall, cpu, peak, code = child(summarize_cmd(path, tmp / "out.json"), tmp)
        path.unlink()
        sizes.append(size)
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
        target = "≤ 30 s, RSS ≤ 10×" if mb == 30 else ""
        verdict = ""
        if mb == 30:
            ok = wall <= 30 and peak <= 10 * size
            verdict = (
                " pass"
                if ok
                else f" {'time ' if wall > 30 else ''}{'memory ' if peak > 10 * size else ''}GAP"
            )  # noqa: E501
        print(
            f"| {size / 1e6:.1f} MB seeds text{'' if code == 0 else f' (exit {code})'} | "
            f"{wall:.1f} s | {cpu:.1f} s | {size / 1e6 / wall:.2f} | {peak / 1e6:.0f} MB | "
            f"{peak / size:.1f}× | {load()} | {target}{verdict} |",
            flush=True,
        )
    path = tmp / "tiny5.txt"
    size = tiny_reports(path, 5)
    wall, cpu, peak, code = child(summarize_cmd(path, tmp / "out.json"), tmp)
    print(
        f"| {size / 1e6:.1f} MB of tiny reports{'' if code == 0 else f' (exit {code})'} | "
        f"{wall:.1f} s | {cpu:.1f} s | {size / 1e6 / wall:.2f} | {peak / 1e6:.0f} MB | "
        f"{peak / size:.1f}× | {load()} | ≤ 10 s{' pass' if wall <= 10 else ' GAP'} |"
    )
    print(
        f"\nGrowth exponent over 1-30 MB (log-log fit; target ≤ 1.1): wall {slope(sizes, walls):.2f}, "
        f"CPU {slope(sizes, cpus):.2f}, peak RSS {slope(sizes, peaks):.2f} (RSS includes the "
        f"interpreter's ~45 MB, so its exponent is below 1)."
    )


def start(tmp: Path) -> None:
    from genre import government_report

    print("\n### Start-up (subprocess, median of 5)\n")
    print("| command | wall | CPU | load | target |")
    print("|---|---|---|---|---|")
    gov = tmp / "gov.txt"
    gov.write_text(government_report(), encoding="utf-8")
    seed = ROOT / "seeds" / "003_493866bb6fb899fa.txt"
    for name, cmd, target in (
        (
            f"summarizer sections (government report, {len(gov.read_text(encoding='utf-8')):,} chars)",
            [sys.executable, "-m", "summarizer", "sections", str(gov)],
            0.6,
        ),
        (
            "summarizer summarize SEED --backend offline -f json -o OUT",
            summarize_cmd(seed, tmp / "seed.json"),
            0.5,
        ),
    ):
        child(cmd, tmp)  # warm the disk cache and the BPE rank cache
        runs = [child(cmd, tmp) for _ in range(5)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        verdict = "pass" if wall <= target else "GAP"
        print(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {load()} | ≤ {target} s {verdict} |")


def throughput(tmp: Path) -> None:
    from summarizer.core.config import Settings
    from summarizer.pipeline import summarize_file

    print("\n### Offline throughput (in-process, one file per seed copy)\n")
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    files = []
    for i in range(59):
        for s in seeds:
            p = tmp / "tp" / f"{i:02d}_{s.name}"
            p.parent.mkdir(exist_ok=True)
            p.write_bytes(s.read_bytes())
            files.append(p)
    total = sum(p.stat().st_size for p in files)
    settings = Settings(backend="offline", use_cache=False)
    for s in seeds:
        summarize_file(s, settings=settings)  # warm-up: imports, compiled patterns
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for p in files:
        summarize_file(p, settings=settings)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print("| figure | wall | CPU | MB/s (wall / CPU) | load | target |")
    print("|---|---|---|---|---|---|")
    print(
        f"| summarize_file, offline, {len(files)} files, {total / 1e6:.1f} MB | {wall:.2f} s | "
        f"{cpu:.2f} s | {total / 1e6 / wall:.2f} / {total / 1e6 / cpu:.2f} | {load()} | "
        f"≥ 5 MB/s {'pass' if total / 1e6 / wall >= 5 else 'GAP'} |"
    )
    shutil.rmtree(tmp / "tp", ignore_errors=True)


def panel(tmp: Path) -> None:
    from panel import make_set

    print("\n### Panel export of 1,000 outputs (subprocess, one run each)\n")
    root = tmp / "panel"
    counts = make_set(root, 1000)
    print(
        f"{counts['outputs']} outputs, {counts['json_bytes'] / 1e6:.1f} MB of JSON, "
        f"{counts['findings']:,} findings, {counts['metrics']:,} metrics\n"
    )
    print("| format | wall | CPU | load | target |")
    print("|---|---|---|---|---|")
    for target, extra, limit in (
        ("panel.csv", (), 2.0),
        ("panel.parquet", (), 2.0),
        ("panel.sqlite", (), 2.0),
        ("lean.sqlite", ("--no-sources",), 2.0),
        ("panel.xlsx", (), 10.0),
    ):
        cmd = [sys.executable, "-m", "summarizer", "export", "out", "-o", target, *extra]
        wall, cpu, _, code = child(cmd, root)
        status = "" if code == 0 else f" (exit {code})"
        verdict = "pass" if wall <= limit and code == 0 else "GAP"
        print(
            f"| {target}{' --no-sources' if extra else ''}{status} | {wall:.2f} s | {cpu:.2f} s | "
            f"{load()} | ≤ {limit:g} s {verdict} |",
            flush=True,
        )


def cost() -> None:
    import cost as cost_bench

    print("\n### Cheap calls (bench/cost.py)\n")
    cost_bench.main()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    args = ap.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    started = time.perf_counter()
    print(
        f"bench/perf.py at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory(prefix="summarizer-perf-") as name:
        tmp = Path(name)
        for section in SECTIONS:
            if section not in chosen:
                continue
            if section == "cost":
                cost()
            else:
                globals()[section](tmp)
    print(f"\nTotal {time.perf_counter() - started:.0f} s; load average at the end {load()}.")


if __name__ == "__main__":
    main()
