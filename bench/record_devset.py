"""Turn hand-written answers to `summarizer batch --via batch-file` requests into a batch
results file, and request + results files into recordings (devset/recordings/answers.jsonl).

    python bench/record_devset.py results --requests OUT/batch-requests-….jsonl \
        --answers answers.jsonl -o results.jsonl
    python bench/record_devset.py results --requests OUT/batch-requests-….jsonl \
        --recordings devset/recordings/answers.jsonl -o results.jsonl      # replay
    python bench/record_devset.py record --requests OUT/batch-requests-….jsonl [...] \
        --results results.jsonl [...] --inputs IN_DIR --job OUT/.summarizer-batch-job.sqlite3 \
        -o devset/recordings/answers.jsonl

`--answers` holds one line per request: {"custom_id": ..., "answer": {...}}; the answer is
written compact as the assistant message. Usage is counted with o200k_base (summarizer's own
counter): prompt tokens over the messages' contents plus 3 per message and 3 for the reply's
priming (OpenAI's chat accounting), completion tokens over the answer's text.

A recording line: file (from the job's labels, else the input whose text holds the document
block), breadcrumb ("(overview)" for the second-round overview requests),
document_sha256 (sha256 of the text between the request's `<document id=…>` tags), request
(the whole body), answer (the parsed content), like ../shared/recordings/seeds-lean.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from summarizer.text.tokens import get_counter

_DOC = re.compile(r'<document id="([^"]+)">\n?(.*?)</document id="\1">', re.S)
_CRUMB = re.compile(r"^Breadcrumb: (.*)$", re.M)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _user(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


def document_block(body: dict[str, Any]) -> str:
    m = _DOC.search(_user(body))
    if m is None:
        raise ValueError("no <document> block in the request")
    return m.group(2)


def usage(body: dict[str, Any], content: str) -> dict[str, int]:
    count = get_counter("o200k_base").count
    prompt = sum(count(str(m["content"])) + 3 for m in body["messages"]) + 3
    completion = count(content)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _body_key(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def results(
    requests: list[Path],
    answers: Path | None,
    out: Path,
    model: str,
    recordings: Path | None = None,
) -> int:
    by_id = {a["custom_id"]: a["answer"] for a in _lines(answers)} if answers else {}
    # Recordings match by the request itself (custom_ids are cache keys, which change with
    # the tool's code even when the request does not), else by the document block.
    by_body: dict[str, Any] = {}
    by_doc: dict[str, Any] = {}
    for rec in _lines(recordings) if recordings else []:
        by_body[_body_key(rec["request"])] = rec["answer"]
        by_doc.setdefault(rec["document_sha256"], rec["answer"])
    rows = []
    for path in requests:
        for n, req in enumerate(_lines(path)):
            cid = req["custom_id"]
            doc_key = hashlib.sha256(document_block(req["body"]).encode("utf-8")).hexdigest()
            answer = by_id.get(cid, by_body.get(_body_key(req["body"]), by_doc.get(doc_key)))
            if answer is None:
                continue
            content = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
            rows.append(
                {
                    "id": f"batch-req-{path.stem}-{n}",
                    "custom_id": cid,
                    "response": {
                        "status_code": 200,
                        "request_id": f"rec-{n}",
                        "body": {
                            "id": f"chatcmpl-rec-{cid[:16]}",
                            "object": "chat.completion",
                            "model": model,
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": content},
                                    "finish_reason": "stop",
                                }
                            ],
                            "usage": usage(req["body"], content),
                        },
                    },
                    "error": None,
                }
            )
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return len(rows)


def _file_of(doc: str, inputs: dict[str, str]) -> str:
    probes = [ln.strip() for ln in doc.splitlines() if len(ln.strip()) >= 12][:3]
    for name, text in inputs.items():
        if probes and all(p in text for p in probes):
            return name
    return ""


def _job_labels(job: Path | None) -> dict[str, str]:
    """custom_id → input file name, from the batch job's own labels ("file.txt: chunk")."""
    if job is None:
        return {}
    with sqlite3.connect(job) as con:
        rows = con.execute("SELECT custom_id, label FROM lines").fetchall()
    return {str(cid): str(label).rsplit(": ", 1)[0] for cid, label in rows}


def record(
    requests: list[Path],
    result_files: list[Path],
    inputs_dir: Path,
    out: Path,
    job: Path | None = None,
) -> int:
    labels = _job_labels(job)
    answers: dict[str, str] = {}
    for path in result_files:
        for row in _lines(path):
            body = row["response"]["body"]
            answers[row["custom_id"]] = body["choices"][0]["message"]["content"]
    inputs = {
        p.name: p.read_text(encoding="utf-8") for p in sorted(inputs_dir.iterdir()) if p.is_file()
    }
    rows = []
    for path in requests:
        for req in _lines(path):
            cid = req["custom_id"]
            if cid not in answers:
                continue
            body = req["body"]
            doc = document_block(body)
            crumb = _CRUMB.search(_user(body))
            rows.append(
                {
                    "file": labels.get(cid) or _file_of(doc, inputs),
                    "breadcrumb": crumb.group(1) if crumb else "(overview)",
                    "document_sha256": hashlib.sha256(doc.encode("utf-8")).hexdigest(),
                    "request": body,
                    "answer": json.loads(answers[cid]),
                }
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows),
        "utf-8",
    )
    return len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("results", help="answers → batch results file")
    r.add_argument("--requests", type=Path, nargs="+", required=True)
    r.add_argument("--answers", type=Path, help='lines {"custom_id", "answer"}')
    r.add_argument("--recordings", type=Path, help="answers.jsonl of recordings (by request)")
    r.add_argument("--model", default="gpt-4o-mini")
    r.add_argument("-o", "--output", type=Path, required=True)
    c = sub.add_parser("record", help="requests + results → recordings")
    c.add_argument("--requests", type=Path, nargs="+", required=True)
    c.add_argument("--results", type=Path, nargs="+", required=True)
    c.add_argument("--inputs", type=Path, required=True)
    c.add_argument("--job", type=Path, help="OUT/.summarizer-batch-job.sqlite3 (file names)")
    c.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    if args.cmd == "results":
        n = results(args.requests, args.answers, args.output, args.model, args.recordings)
    else:
        n = record(args.requests, args.results, args.inputs, args.output, args.job)
    print(f"{n} lines → {args.output}")


if __name__ == "__main__":
    main()
