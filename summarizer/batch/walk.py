"""The walk of a batch: which files under an input folder are inputs, and where outputs go.

In: an input folder, glob patterns, folders to leave out. Out: sorted POSIX paths relative to
the folder, and the output path of each.
"""

from __future__ import annotations

import fnmatch
import json
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from summarizer.batch.index import INDEX_NAME
from summarizer.text.bounded import display_path
from summarizer.text.read import SUPPORTED_EXTENSIONS

__all__ = [
    "Walk",
    "default_out_dir",
    "display_path",
    "output_path",
    "walk_inputs",
    "walk_tree",
]


def default_out_dir(root: str | os.PathLike[str]) -> Path:
    """`./<DIR name>-summaries` in the working folder (never inside the input tree itself)."""
    name = Path(root).resolve().name or "batch"
    return Path(f"{name}-summaries")


#: Why the walk left a file out (the keys of `Walk.skipped`, shown in the final table).
SKIP_SYMLINK = "symlinks leaving DIR"
SKIP_SPECIAL = "special or broken files"
SKIP_OWN = "outputs of summarizer"

#: The marks the tool's own pages carry (render.markdown, render.html), read from their ends.
_OWN_MARKS: dict[str, tuple[bytes, ...]] = {
    ".md": (b"# Batch summary\n", b" chars) \xc2\xb7 backend "),
    ".html": (b'<meta name="generator" content="summarizer">', b"<title>summarizer \xc2\xb7 "),
}
_PEEK = 4096


@dataclass
class Walk:
    """The inputs under a folder, and how many files were left out for each reason."""

    inputs: list[str]
    skipped: Counter[str] = field(default_factory=Counter)


def walk_inputs(
    root: str | os.PathLike[str],
    *,
    patterns: Sequence[str] = (),
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> list[str]:
    """Input files under `root` as sorted POSIX paths relative to it (see `walk_tree`)."""
    return walk_tree(root, patterns=patterns, exclude=exclude).inputs


def walk_tree(
    root: str | os.PathLike[str],
    *,
    patterns: Sequence[str] = (),
    exclude: Iterable[str | os.PathLike[str]] = (),
    follow_symlinks: bool = False,
) -> Walk:
    """Input files under `root` as sorted POSIX paths relative to it, and what was left out.

    Hidden files and folders and the `exclude` folders (the output folder, the cache) are
    skipped silently. Counted as skipped: symlinks whose target lies outside `root`
    (unless `follow_symlinks`), FIFOs, sockets, devices and broken links, and what the tool
    wrote itself: earlier output folders (they hold an index.jsonl of ours) and its
    Markdown and HTML pages. Symlinked folders inside `root` are followed once each, so a
    link loop ends. With no `patterns`, every supported extension matches.
    """
    base = Path(root)
    top = os.path.realpath(base)
    excluded = {os.path.realpath(p) for p in exclude}
    seen: set[str] = set()
    walk = Walk([])

    def inside(real: str) -> bool:
        return follow_symlinks or real == top or real.startswith(top.rstrip(os.sep) + os.sep)

    for current, dirs, files in os.walk(base, followlinks=True):
        real = os.path.realpath(current)
        if real in seen or real in excluded:
            dirs[:] = []
            continue
        seen.add(real)
        rel_dir = PurePosixPath(Path(current).relative_to(base).as_posix())
        if current != os.fspath(base) and _is_output_folder(current):
            walk.skipped[SKIP_OWN] += sum(
                1 for f in _all_files(current) if _matches(f, f, patterns)
            )
            dirs[:] = []
            continue
        kept_dirs = []
        for d in sorted(dirs):
            path = os.path.join(current, d)
            if d.startswith(".") or os.path.realpath(path) in excluded:
                continue
            if os.path.islink(path) and not inside(os.path.realpath(path)):
                walk.skipped[SKIP_SYMLINK] += 1
                continue
            kept_dirs.append(d)
        dirs[:] = kept_dirs
        for name in sorted(files):
            if name.startswith("."):
                continue
            rel = (rel_dir / name).as_posix() if str(rel_dir) != "." else name
            if not _matches(rel, name, patterns):
                continue
            path = os.path.join(current, name)
            reason = _left_out(path, inside)
            if reason is None:
                walk.inputs.append(rel)
            else:
                walk.skipped[reason] += 1
    walk.inputs.sort()
    return walk


def _left_out(path: str, inside: Callable[[str], bool]) -> str | None:
    """Why a matching file is not an input, or None when it is one."""
    if os.path.islink(path) and not inside(os.path.realpath(path)):
        return SKIP_SYMLINK
    try:
        st = os.stat(path)
    except OSError:
        return SKIP_SPECIAL  # a broken link
    if not stat.S_ISREG(st.st_mode):
        return SKIP_SPECIAL
    marks = _OWN_MARKS.get(os.path.splitext(path)[1].lower())
    if marks is not None and _carries(path, marks, st.st_size):
        return SKIP_OWN
    return None


def _carries(path: str, marks: tuple[bytes, ...], size: int) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(_PEEK)
            if size > 2 * _PEEK:
                fh.seek(size - _PEEK)
            tail = fh.read(_PEEK)
    except OSError:
        return False
    return any(m in head or m in tail for m in marks)


def _is_output_folder(folder: str) -> bool:
    """True when `folder` holds an index.jsonl whose first line is one of our records."""
    try:
        with open(os.path.join(folder, INDEX_NAME), "rb") as fh:
            first = fh.readline(64 * 1024)
        data = json.loads(first)
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and {"path", "status", "findings"} <= set(data)


def _all_files(folder: str) -> list[str]:
    return [name for _, _, files in os.walk(folder) for name in files]


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
