"""The walk of a batch: which files under an input folder are inputs, and where outputs go.

In: an input folder, glob patterns, folders to leave out. Out: sorted POSIX paths relative to
the folder, and the output path of each.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from summarizer.read import SUPPORTED_EXTENSIONS


def default_out_dir(root: str | os.PathLike[str]) -> Path:
    """`./<DIR name>-summaries` in the working folder (never inside the input tree itself)."""
    name = Path(root).resolve().name or "batch"
    return Path(f"{name}-summaries")


def walk_inputs(
    root: str | os.PathLike[str],
    *,
    patterns: Sequence[str] = (),
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> list[str]:
    """Input files under `root` as sorted POSIX paths relative to it.

    Hidden files and folders and the `exclude` folders (the output folder, the cache) are
    skipped; symlinked folders are followed once each, so a link loop ends. With no
    `patterns`, every supported extension matches.
    """
    base = Path(root)
    excluded = {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    found: list[str] = []
    for current, dirs, files in os.walk(base, followlinks=True):
        real = os.path.realpath(current)
        if real in seen or real in excluded:
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and os.path.realpath(os.path.join(current, d)) not in excluded
        )
        rel_dir = PurePosixPath(Path(current).relative_to(base).as_posix())
        for name in sorted(files):
            if name.startswith("."):
                continue
            rel = (rel_dir / name).as_posix() if str(rel_dir) != "." else name
            if _matches(rel, name, patterns) and os.path.isfile(os.path.join(current, name)):
                found.append(rel)
    return sorted(found)


def _matches(rel: str, name: str, patterns: Sequence[str]) -> bool:
    if not patterns:
        return os.path.splitext(name)[1].lower() in SUPPORTED_EXTENSIONS
    for pattern in patterns:
        # A pattern with a slash is about the path under DIR, one without about the name.
        target = rel if "/" in pattern else name
        if fnmatch.fnmatch(target, pattern) or PurePosixPath(rel).match(pattern):
            return True
    return False


def output_path(out_dir: str | os.PathLike[str], rel: str, suffix: str = ".json") -> Path:
    """Where the output of input `rel` goes: `a/b.txt` → `OUTDIR/a/b.txt.json`."""
    return Path(out_dir) / (rel + suffix)
