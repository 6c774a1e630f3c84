"""Reading under limits: `read_source` in a child process with a time and a memory bound.

In: a path, the byte limit of the input and `ParseLimits`. Out: the `SourceText` that
`read_source` returns, or an `InputError` naming the file and the limit it crossed.

Container formats (docx, doc, PDF, HTML, Markdown) are parsed in a child process forked
from a single-threaded fork server, so a decompression bomb, a document with millions of
paragraphs or a parser that loops ends with its own process: the child's address space is
capped at what it had plus `memory_mb`, its CPU time by the kernel (a backstop should the
parent die), and the parent kills it after `timeout_s`. Plain `.txt` is decoded in-process:
its cost is bounded by the file size limit already. The reader itself is not changed here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from summarizer.core.config import Settings
from summarizer.core.document import SourceText
from summarizer.core.errors import InputError
from summarizer.text.read import read_source

#: Extensions decoded in-process: no parser runs on them, only a decoder over bounded bytes.
IN_PROCESS_EXTENSIONS = frozenset({".txt"})

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_MB = 500


@dataclass(frozen=True)
class ParseLimits:
    """The bounds of one file's parse; `isolate=False` parses in-process (no bounds)."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    isolate: bool = True


_context: Any = None


def _ctx() -> Any:
    global _context
    if _context is None:
        methods = multiprocessing.get_all_start_methods()
        # A fork server forks each child from a clean single-threaded process that has the
        # readers imported already: cheap per file, and safe while this process has threads.
        method = "forkserver" if "forkserver" in methods else "spawn"
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(_preload())
        _context = ctx
    return _context


def _preload() -> list[str]:
    """The reader and every ingest module: imported once in the server, not per file."""
    import pkgutil

    import summarizer.text.ingest

    names = [
        f"summarizer.text.ingest.{m.name}"
        for m in pkgutil.iter_modules(summarizer.text.ingest.__path__)
    ]
    # The readers import their libraries when first used; a child would pay that per file.
    # (A missing optional library is skipped by the fork server.)
    libraries = ["docx", "docx.table", "docx.text.paragraph", "pypdfium2", "bs4", "trafilatura"]
    libraries += ["markdown_it", "opencc"]
    return ["summarizer.text.read", "summarizer.text.bounded", *names, *libraries]


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _limit_self(memory_mb: int, timeout_s: float) -> None:
    import resource

    now = _address_space()
    if now is not None:
        cap = now + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    cpu = int(timeout_s) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _child(conn: Connection, name: str, max_bytes: int | None, limits: ParseLimits) -> None:
    from summarizer.text.ingest.pdf import OcrDeferred

    result: tuple[str, Any]
    try:
        _limit_self(limits.memory_mb, limits.timeout_s)
        result = ("ok", read_source(name, max_bytes=max_bytes, defer_ocr=True))
    except OcrDeferred:
        result = ("ocr", None)
    except MemoryError:
        result = ("memory", None)
    except InputError as e:
        result = ("input", str(e))
    except BaseException as e:  # noqa: BLE001 - whatever a parser raises becomes one line
        result = ("error", f"{type(e).__name__}: {' '.join(str(e).split())}"[:500])
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("memory", None))
    finally:
        conn.close()


def _memory_error(name: str, limits: ParseLimits) -> InputError:
    return InputError(
        f"{name}: parsing needed more than {limits.memory_mb} MB (a decompression bomb or a "
        "huge document?); raise it with --parse-memory-mb"
    )


def read_bounded(
    path: str | os.PathLike[str],
    *,
    max_bytes: int | None = None,
    limits: ParseLimits | None = None,
) -> SourceText:
    """`read_source(path)` with `limits` enforced on every format that runs a parser."""
    name = os.fspath(path)
    limits = limits or ParseLimits()
    if not limits.isolate or os.path.splitext(name)[1].lower() in IN_PROCESS_EXTENSIONS:
        return read_source(name, max_bytes=max_bytes)
    with _child_process(_ctx(), _child, name, max_bytes, limits) as (proc, receiver):
        if not receiver.poll(limits.timeout_s):
            raise InputError(
                f"{name}: parsing took longer than {limits.timeout_s:g} s; "
                "raise it with --parse-timeout-s"
            )
        try:
            status, value = receiver.recv()
        except (EOFError, OSError):
            proc.join(5)
            code = proc.exitcode
            if code is not None and code < 0 and -code in (signal.SIGXCPU, signal.SIGKILL):
                raise (
                    _memory_error(name, limits)
                    if -code == signal.SIGKILL
                    else InputError(
                        f"{name}: parsing used more than {limits.timeout_s:g} s of CPU; "
                        "raise it with --parse-timeout-s"
                    )
                ) from None
            raise InputError(f"{name}: the parser crashed (exit code {code})") from None
    if status == "ok":
        assert isinstance(value, SourceText)
        return value
    if status == "ocr":
        # The text layer parsed within the limits in the child; OCR (ONNX Runtime, which
        # crashes in a forked child) runs in a freshly spawned process of its own.
        return _read_with_ocr(name, max_bytes)
    if status == "memory":
        raise _memory_error(name, limits)
    if status == "input":
        raise InputError(str(value))
    raise InputError(f"{name}: could not be parsed ({value})")


@contextlib.contextmanager
def _child_process(ctx: Any, target: Any, *args: Any) -> Iterator[tuple[Any, Connection]]:
    """A child running `target(sender, *args)` and the end that receives its result; the
    child is killed (if still running) and reaped on the way out."""
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(sender, *args), daemon=True)
    proc.start()
    sender.close()
    try:
        yield proc, receiver
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receiver.close()


def _ocr_child(conn: Connection, name: str, max_bytes: int | None) -> None:
    result: tuple[str, Any]
    try:
        result = ("ok", read_source(name, max_bytes=max_bytes))
    except InputError as e:
        result = ("input", str(e))
    except BaseException as e:  # noqa: BLE001 - whatever OCR raises becomes one line
        result = ("error", f"{type(e).__name__}: {' '.join(str(e).split())}"[:500])
    conn.send(result)
    conn.close()


def _read_with_ocr(name: str, max_bytes: int | None) -> SourceText:
    """`read_source` with OCR, in a spawned (not forked) child: a clean interpreter, where
    ONNX Runtime runs as in the parent. Its time is the OCR's (pages × seconds), so it has
    no parse timeout; the memory bound was proven by the text-layer parse."""
    spawn = multiprocessing.get_context("spawn")
    with _child_process(spawn, _ocr_child, name, max_bytes) as (proc, receiver):
        try:
            status, value = receiver.recv()
        except (EOFError, OSError):
            proc.join(5)
            raise InputError(f"{name}: OCR crashed (exit code {proc.exitcode})") from None
    if status == "ok":
        assert isinstance(value, SourceText)
        return value
    if status == "input":
        raise InputError(str(value))
    raise InputError(f"{name}: could not be read by OCR ({value})")


def display_path(path: str) -> str:
    """A path as printable text: bytes that are not UTF-8 (a GBK name from a Windows zip),
    which the OS layer keeps as surrogate escapes, are shown as `\\xNN`."""
    if not any("\ud800" <= c <= "\udfff" for c in path):
        return path
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def limits_of(settings: Settings) -> ParseLimits:
    """The parse limits a run's settings ask for."""
    return ParseLimits(timeout_s=settings.parse_timeout_s, memory_mb=settings.parse_memory_mb)


def read_input(path: str | os.PathLike[str], settings: Settings) -> SourceText:
    """Read one input under the run's limits: file size, parse time and parse memory.

    The source's path is made printable (see `display_path`): it goes into the output JSON.
    """
    try:
        source = read_bounded(
            path, max_bytes=int(settings.max_file_mb * 1024 * 1024), limits=limits_of(settings)
        )
    except InputError as e:
        shown = display_path(str(e))
        if shown != str(e):
            raise InputError(shown) from None
        raise
    shown = display_path(source.path)
    return source if shown == source.path else dataclasses.replace(source, path=shown)
