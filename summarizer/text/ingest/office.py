"""Office files: .docx paragraphs and tables in document order, an old binary .doc through
Debian's `antiword`, and password-protected files recognised as such.

In: the file's bytes. Out: plain text, or an `InputError` naming the file and the fix.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from typing import Any

from summarizer.core.errors import InputError

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted .docx/.xlsx is not a ZIP but an OLE compound file holding these streams
# (MS-OFFCRYPTO); their directory entries spell the names in UTF-16LE.
_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
# antiword's own words for a file it refuses because of its password.
_ANTIWORD_ENCRYPTED = "encrypted"
_ANTIWORD_TIMEOUT_S = 60


def is_encrypted_ooxml(data: bytes) -> bool:
    """Whether `data` is a password-protected Office Open XML file (.docx, .xlsx, .pptx)."""
    return data.startswith(_OLE_MAGIC) and all(s in data for s in _ENCRYPTED_STREAMS)


def protected_error(name: str) -> InputError:
    return InputError(
        "the document is password-protected; save a copy without a password", path=name
    )


def docx_text(data: bytes, name: str) -> str:
    import docx

    if is_encrypted_ooxml(data):
        raise protected_error(name)
    if data.startswith(_OLE_MAGIC):
        raise InputError("an old binary Word file (.doc) named .docx; rename it to .doc", path=name)
    try:
        document = docx.Document(io.BytesIO(data))
        return "\n".join(_docx_paragraphs(document.element.body, document))
    except Exception as e:
        raise InputError(
            f"not a valid .docx file (corrupt): {type(e).__name__}", path=name
        ) from None


def _docx_paragraphs(parent: Any, document: Any) -> Iterator[str]:
    """Paragraph texts of a body or table cell, tables included, in document order."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in parent.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document).text
        elif child.tag == qn("w:tbl"):
            table = Table(child, document)
            for row in table.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    # Merged cells come back once per grid column they span.
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    yield from _docx_paragraphs(cell._tc, document)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _docx_paragraphs(content, document)


def doc_text(data: bytes, name: str) -> str:
    """The text of an old binary Word .doc file, through `antiword` (Debian package)."""
    if is_encrypted_ooxml(data):
        # A password-protected .docx saved under a .doc name.
        raise protected_error(name)
    if not data.startswith(_OLE_MAGIC):
        if data.startswith(b"PK\x03\x04"):
            raise InputError("a .docx file named .doc; rename it to .docx", path=name)
        raise InputError("not a Word .doc file (corrupt or another format)", path=name)
    exe = shutil.which("antiword")
    if exe is None:
        raise InputError(
            "old binary Word file (.doc) needs antiword: apt-get install antiword, "
            "or save it as .docx",
            path=name,
        )
    with tempfile.TemporaryDirectory(prefix="summarizer-doc-") as tmp:
        path = os.path.join(tmp, "input.doc")
        with open(path, "wb") as f:
            f.write(data)
        try:
            done = subprocess.run(
                # UTF-8 output, no line wrapping (-w 0): paragraphs stay whole lines.
                [exe, "-m", "UTF-8.txt", "-w", "0", path],
                capture_output=True,
                timeout=_ANTIWORD_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise InputError(
                f"antiword took over {_ANTIWORD_TIMEOUT_S} s; giving up",
                path=name,
            ) from None
    err = done.stderr.decode("utf-8", "replace").replace(path, name).strip()
    if done.returncode != 0:
        if _ANTIWORD_ENCRYPTED in err.lower():
            raise protected_error(name)
        first = err.splitlines()[0] if err else f"exit code {done.returncode}"
        raise InputError(f"antiword cannot read this .doc file: {first}", path=name)
    return done.stdout.decode("utf-8", "replace")
