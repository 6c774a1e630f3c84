"""Prompt templates: files under `prompts/`, `$var` substitution, and the prompt hash.

In: a template name and string values. Out: the rendered prompt text, and `prompt_version()`,
a short hash of every prompt file (part of provenance and of the cache key).

The report text is always passed as a value: substitution runs once over the template, so a
`$` or a `<document>` tag inside a report is never interpreted. `wrap_document` puts a text
between delimiters the text itself cannot close.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path
from string import Template

from summarizer.core.errors import ConfigError

# summarizer/backends/prompts.py -> the package root is two levels up, the checkout three.
_PACKAGE_PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
_REPO_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"

# Only the tags that could open or close our block are touched; the rest of the text is kept
# byte for byte so the model's quotes still match the source.
_DOCUMENT_TAG = re.compile(r"<(\s*/?\s*(?:document|context))", re.IGNORECASE)


def prompt_dir() -> Path:
    """The folder holding the prompt files: inside the package when installed, else the repo's."""
    # A wheel force-includes prompts/ as summarizer/prompts/; a checkout has them at the top.
    if (_PACKAGE_PROMPTS / "system.md").is_file():
        return _PACKAGE_PROMPTS
    return _REPO_PROMPTS


def load_prompt(name: str) -> str:
    """The text of prompts/<name>.md."""
    path = prompt_dir() / f"{name}.md"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"prompt {name!r} not found at {path}: reinstall summarizer") from e


def render(name: str, **values: str) -> str:
    """Fill the `$var` placeholders of a prompt; every missing variable is named at once."""
    template = Template(load_prompt(name))
    if not template.is_valid():
        raise ConfigError(f"prompt {name!r} has an invalid placeholder; write a literal $ as $$")
    missing = sorted(set(template.get_identifiers()) - set(values))
    if missing:
        raise ConfigError(f"prompt {name!r} is missing values for: {', '.join(missing)}")
    return template.substitute(values)


@functools.cache
def prompt_version() -> str:
    """A short SHA-256 over all prompt files (names sorted), so a prompt edit changes it."""
    digest = hashlib.sha256()
    for path in sorted(prompt_dir().glob("*.md"), key=lambda p: p.name):
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def document_nonce(text: str) -> str:
    """The delimiter id of a text: 16 hex characters of its SHA-256 (unique per content)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def escape_document(text: str) -> str:
    """Neutralise `<document`/`<context` tags (opening or closing) inside text taken from a
    report, so it cannot open or close the blocks that hold it."""
    return _DOCUMENT_TAG.sub(lambda m: "＜" + m.group(1), text)
