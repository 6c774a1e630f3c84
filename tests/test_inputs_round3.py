"""Issue 26 item 6, inputs and secrets, as users run them (the CLI as a subprocess): a few
invalid bytes in UTF-8 are replaced with a warning naming their offsets (refused only when
many), OCR of a scanned PDF through `summarizer summarize`, a password in `--base-url`
written nowhere."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from chatserver import ChatServer
from helpers import ROOT, batch_args, cli_env, make_report, run_cli

from summarizer.text.ingest.ocr import ocr_available

SEED = (ROOT / "seeds" / "001_5b5363006416d159.txt").read_text(encoding="utf-8")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.mark.slow
def test_a_truncated_utf8_file_is_read_with_its_bad_bytes_named(tmp_path: Path) -> None:
    data = bytearray(SEED.encode("utf-8"))
    data[300] = 0xFF  # a flipped byte inside a character
    cut = bytes(
        data[: len(data.rstrip(b"!\n")) - 1]
    )  # a truncated download: the last character cut in half
    (tmp_path / "r.txt").write_bytes(cut)
    proc = run_cli("summarize", "--backend", "offline", "r.txt", "-o", "r.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "r.json").read_text("utf-8"))
    (warning,) = [w for w in doc["warnings"] if "invalid UTF-8 byte" in w]
    assert "byte offset(s) 299, 300, 301," in warning and f"{len(cut) - 2:,}" in warning
    assert doc["source"]["encoding"] == "utf-8"


@pytest.mark.slow
def test_a_file_with_many_bad_bytes_is_still_refused(tmp_path: Path) -> None:
    data = bytearray(SEED.encode("utf-8"))
    for i in range(0, len(data), 40):  # 2.5 % of the bytes
        data[i] = 0xFF
    (tmp_path / "r.txt").write_bytes(bytes(data))
    proc = run_cli("summarize", "--backend", "offline", "r.txt", "-o", "r.json", cwd=tmp_path)
    assert proc.returncode == 2 and "undecodable" in proc.stderr
    assert not (tmp_path / "r.json").exists()


def _scan_pdf(path: Path, lines: list[str]) -> None:
    """A PDF of one page that is only an image of `lines`, as a scanner makes it."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(NOTO_CJK), 40, index=2)
    page = Image.new("RGB", (1400, 90 * len(lines) + 60), "white")
    for i, line in enumerate(lines):
        ImageDraw.Draw(page).text((40, 40 + 90 * i), line, font=font, fill="black")
    png = io.BytesIO()
    page.save(png, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(png.getvalue()), x=10, y=10, w=190)
    pdf.output(str(path))


@pytest.mark.slow
@pytest.mark.skipif(not NOTO_CJK.is_file(), reason="no Noto CJK font (.ci/run installs it)")
@pytest.mark.skipif(not ocr_available(), reason="the OCR extra is not installed")
def test_summarize_of_a_scanned_pdf_runs_ocr_through_the_cli(tmp_path: Path) -> None:
    _scan_pdf(
        tmp_path / "scan.pdf",
        ["XX经济开发区2023年工作总结", "一、2023年工作总结", "全年新签约项目32个，总投资120亿元。",
         "二、2024年工作思路", "力争引进亿元以上项目20个"],
    )  # fmt: skip
    proc = run_cli(
        "summarize",
        "--backend",
        "offline",
        "scan.pdf",
        "-o",
        "scan.json",
        cwd=tmp_path,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert "crashed" not in proc.stderr
    doc = json.loads((tmp_path / "scan.json").read_text("utf-8"))
    assert any("read by OCR" in w for w in doc["warnings"]), doc["warnings"]
    assert doc["reports"][0]["title"] == "XX经济开发区2023年工作总结"
    text = json.dumps(doc, ensure_ascii=False)
    assert "32个" in text


@pytest.mark.slow
def test_a_password_in_the_base_url_reaches_no_file_or_log(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "r.txt").write_text(make_report(1), encoding="utf-8")
    with ChatServer() as srv:
        args = batch_args(srv, inputs, tmp_path / "out", tmp_path)
        url = srv.base_url.replace("http://", "http://analyst:Pw0rd-s3cret@")
        args[args.index(srv.base_url)] = url
        proc = run_cli("--verbose", *args, env=cli_env())
    assert proc.returncode == 0, proc.stderr
    assert "Pw0rd-s3cret" not in proc.stdout + proc.stderr
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert b"Pw0rd-s3cret" not in path.read_bytes(), path
    (record,) = [
        json.loads(x) for x in (tmp_path / "out/index.jsonl").read_text("utf-8").splitlines()
    ]
    assert record["settings"]["base_url"].startswith("http://analyst:***@127.0.0.1:")
