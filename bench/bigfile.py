"""Large inputs (not part of CI): wall time and peak memory of `summarizer summarize` on one
big text, offline, as a subprocess per size. Prints a Markdown table.

In: the seeds in ./seeds, concatenated until the file reaches each size. Out: one row per
size (wall s, MB/s, peak RSS, RSS / file size) and the targets of issue 16: a 30 MB file
in under 30 s, peak memory within 10 x the file size. Temporary files are removed.

    .venv/bin/python bench/bigfile.py [--sizes 5,15,30]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_file(path: Path, mb: float) -> int:
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    blob = "\n\n".join(seeds) + "\n\n"
    want = int(mb * 1024 * 1024)
    size = 0
    with path.open("w", encoding="utf-8") as fh:
        while size < want:
            fh.write(blob)
            size += len(blob.encode("utf-8"))
    return path.stat().st_size


def run(path: Path, out: Path) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in bytes and the exit code of one summarize run."""
    cmd = [
        sys.executable, "-m", "summarizer", "summarize", str(path), "--backend", "offline",
        "--no-cache", "--max-file-mb", "200", "-f", "json", "-o", str(out), "-q",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    code = subprocess.run(cmd, cwd=ROOT, capture_output=True).returncode
    wall = time.perf_counter() - started
    # ru_maxrss of children is the largest so far: sizes run smallest first, so it is this one.
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) * 1024
    return wall, peak, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5,15,30", help="file sizes in MB, comma-separated")
    args = parser.parse_args()
    sizes = sorted(float(x) for x in args.sizes.split(","))
    print(
        "| input | wall | throughput | peak RSS | RSS / file | targets (30 MB < 30 s; RSS <= 10x) |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for mb in sizes:
            path = Path(tmp) / f"big{mb:g}.txt"
            size = make_file(path, mb)
            wall, peak, code = run(path, Path(tmp) / "out.json")
            ratio = peak / size
            ok_time = "pass" if mb < 30 or wall < 30 else "GAP"
            ok_mem = "pass" if ratio <= 10 else "GAP"
            status = "ok" if code == 0 else f"exit {code}"
            print(
                f"| {size / 1e6:.1f} MB seeds text ({status}) | {wall:.1f} s | "
                f"{size / 1e6 / wall:.2f} MB/s | {peak / 1e6:.0f} MB | {ratio:.1f}x | "
                f"time {ok_time}, memory {ok_mem} |",
                flush=True,
            )
            path.unlink()


if __name__ == "__main__":
    main()
