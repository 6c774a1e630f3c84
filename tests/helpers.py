"""Helpers shared by the tests: the one CLI runner, synthetic reports, the flags that point
the CLI at tests/chatserver.py, golden comparison (output-model builders: factories.py)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from chatserver import ChatServer

from summarizer.backends.extract import ExtractRequest, chunk_context
from summarizer.core.config import Settings
from summarizer.core.document import Analysis, Chunk, CleanText, Report, SourceText
from summarizer.pipeline import analyse_source

ROOT = Path(__file__).resolve().parent.parent
FAKE_KEY = "sk-test-FAKEKEY-0123456789"
#: The key the OpenAI backend tests set; it must never appear in an output, a log or a cache.
KEY = "sk-test-DO-NOT-LEAK-1234567890"
# A small budget, so that a report of a few paragraphs per part still makes several chunks.
CHUNK_TOKENS = 200


def run_cli(
    *args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`python -m summarizer ARGS` as a subprocess, output captured as text.

    `env` is laid over this process's environment, which conftest has cleared of keys and
    endpoints; `cli_env()` adds the fake key and a plain, wide terminal.
    """
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *map(str, args)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# ---------------------------------------------------------------------- the CLI against a chat server


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess: the fake key, no user endpoint, no colour."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.pop("OPENAI_BASE_URL", None)
    env.update(OPENAI_API_KEY=FAKE_KEY, NO_COLOR="1", TERM="dumb", COLUMNS="200")
    env.update(extra)
    return env


def write_config(folder: Path, *, max_retries: int = 2, timeout_s: float = 10.0) -> Path:
    """A summarizer.toml with the SDK's retry count and timeout."""
    path = folder / "summarizer.toml"
    path.write_text(f"max_retries = {max_retries}\ntimeout_s = {timeout_s}\n", encoding="utf-8")
    return path


def openai_args(srv: ChatServer, cache_dir: Path) -> list[str]:
    """The flags that point a command at the test server, before the subcommand's own."""
    return [
        "--backend",
        "openai",
        "--base-url",
        srv.base_url,
        "--cache-dir",
        str(cache_dir),
        "--chunk-tokens",
        str(CHUNK_TOKENS),
        "--no-overview",
    ]


def summarize(
    srv: ChatServer,
    src: Path,
    tmp: Path,
    *extra: str,
    max_retries: int = 2,
    timeout_s: float = 10.0,
    verbose: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`summarizer summarize SRC -o tmp/out.json` against the test server, one call at a time."""
    config = write_config(tmp, max_retries=max_retries, timeout_s=timeout_s)
    head = ["--verbose"] if verbose else []
    return run_cli(
        *head,
        "--config",
        str(config),
        "summarize",
        str(src),
        "-o",
        str(tmp / "out.json"),
        "--concurrency",
        "1",
        *openai_args(srv, tmp / "cache"),
        *extra,
        env=env or cli_env(),
    )


def make_report(seed: int, paras: int = 2, parts: tuple[str, ...] = ("a", "p", "l")) -> str:
    """A small synthetic work report (one chunk per part), varied by `seed`."""
    r = random.Random(seed)
    zone = r.choice(["高新区", "经开区", "临港产业园", "综合保税区", "科技城", "物流园区"])

    def para(kind: str) -> str:
        n, m, g = r.randint(3, 90), r.randint(2, 400), r.randint(1, 30)
        if kind == "a":
            return f"全年新签约项目{n}个，总投资{m}亿元，同比增长{g}%。园区企业发展加快推进建设。"
        if kind == "p":
            return f"部分项目推进缓慢，{n}个项目未按期开工，招商引资压力较大，要素保障不足。"
        return f"计划新引进企业{n}家，完成固定资产投资{m}亿元，推进园区基础设施建设。"

    heads = {"a": "2023年工作回顾", "p": "存在的问题", "l": "2024年工作计划"}
    numerals = "一二三四五"
    lines = [f"{zone}2023年工作总结和2024年工作计划", ""]
    for i, kind in enumerate(parts):
        lines.append(f"{numerals[i]}、{heads[kind]}")
        lines += [para(kind) for _ in range(paras)]
    return "\n".join(lines) + "\n"


def chunk_count(path: Path) -> int:
    """How many chunks (model requests when all goes well) a file makes at CHUNK_TOKENS."""
    text = path.read_text(encoding="utf-8")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    source = SourceText(path=str(path), text=text, encoding="utf-8", format="txt", sha256=sha)
    return len(analyse_source(source, Settings(chunk_tokens=CHUNK_TOKENS)).chunks)


def read_index(out: Path) -> list[dict[str, Any]]:
    """The records of OUT/index.jsonl; fails on a torn line."""
    lines = (out / "index.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def batch_args(srv: ChatServer, inputs: Path, out: Path, tmp: Path, *extra: str) -> list[str]:
    """`--config C batch IN -o OUT` against the test server."""
    config = write_config(tmp, max_retries=2, timeout_s=10)
    return [
        "--config",
        str(config),
        "batch",
        str(inputs),
        "-o",
        str(out),
        *openai_args(srv, tmp / "cache"),
        *extra,
    ]


# ---------------------------------------------------------------------- backend requests

#: A valid (lean) answer of a model for the chunk of `make_request()`.
GOOD = {
    "organization": "某某经济开发区",
    "key_metrics": ["规上工业总产值 184.7亿元"],
    "findings": [
        {
            "kind": "achievement",
            "title": "招商引资",
            "summary": "全年新签约项目32个。",
            "topic": "investment_promotion",
            "metrics": [],
            "entities": [],
            "quotes": ["全年新签约项目32个。"],
        }
    ],
    "overview": None,
}


def make_request(
    text: str = "（一）招商引资\n全年新签约项目32个。实现规上工业总产值184.7亿元。",
    *,
    kind: str = "achievements",
    lang: str = "zh",
) -> ExtractRequest:
    source = SourceText(path="r.txt", text=text, encoding="utf-8", format="txt", sha256="0" * 64)
    chunk = Chunk(
        index=0,
        report=0,
        kind=kind,  # type: ignore[arg-type]
        path=("一、2021年工作总结", "（一）招商引资"),
        start=0,
        end=len(text),
        text=text,
        tokens=20,
    )
    report = Report(
        index=0, title="某开发区2021年工作总结", start=0, end=len(text), body_start=0, parts=[]
    )
    analysis = Analysis(clean=CleanText.build(source, []), reports=[report], chunks=[chunk])
    return chunk_context(chunk, analysis, lang)


def make_docx(path: Path, paragraphs: int, text: str = "x") -> Path:
    """A minimal .docx whose body repeats one paragraph; millions compress to a few hundred KB."""
    import zipfile

    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    para = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{ns}">'
        "<w:body>".encode()
        + para * paragraphs
        + b"</w:body></w:document>"
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", document)
    return path


def compare_golden(path: Path, data: Any) -> None:
    """Assert that `data` equals the golden JSON file at `path`.

    `UPDATE_GOLDEN=1` rewrites a file that differs, and the test still fails, naming it: a
    stray UPDATE_GOLDEN in the environment cannot turn the golden tests into ones that always
    pass. Review `git diff` and run again without it; an unchanged file passes either way.
    """
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if old is not None and json.loads(old) == data:
        return
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
        raise AssertionError(
            f"rewrote {path.name} (UPDATE_GOLDEN=1): review `git diff {path}`, then run the "
            "tests again without UPDATE_GOLDEN"
        )
    raise AssertionError(
        f"{path.name} differs from this run: review the change; if it is meant, rewrite it "
        "with UPDATE_GOLDEN=1 and say so in the commit message"
    )
