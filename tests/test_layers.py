"""The layer contracts of pyproject.toml ([tool.importlinter]): kept on this tree, and able to fail.

In: the package as it is, and a copy of it with imports that break each contract.
Out: import-linter's verdict (exit code and the names of the broken contracts).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_keeps_every_layer_contract() -> None:
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


CORE = "core imports nothing of ours outside core"
FOUNDATIONS = "The foundations (errors, schema, document, vocabulary) import nothing of ours"
CLI = "Nothing imports the CLI"
BACKENDS = "Backends import no stage"
LAYERS = "Stages import only downward (core sits beneath them all)"

# A wrong import appended to one module of the copy -> the contracts it breaks.
WRONG_IMPORTS = [
    ("core/schema.py", "import summarizer.lexicon.figures", {CORE, FOUNDATIONS}),
    ("core/errors.py", "from summarizer.core import schema", {FOUNDATIONS}),
    ("core/vocabulary.py", "import summarizer.core.schema", {FOUNDATIONS}),
    ("core/config.py", "import summarizer.lexicon.topics", {CORE}),
    ("grounding/merge.py", "import summarizer.cli", {CLI, LAYERS}),
    ("backends/offline.py", "import summarizer.text.sections", {BACKENDS}),
    ("backends/offline.py", "import summarizer.grounding.ground", {LAYERS}),
    ("text/read.py", "import summarizer.grounding.ground", {LAYERS}),
    ("lexicon/topics.py", "import summarizer.text.clean", {BACKENDS, LAYERS}),
    # lexicon imports only core: not a backend, not grounding, not the panel above it.
    ("lexicon/words.py", "import summarizer.backends.prompts", {LAYERS}),
    ("lexicon/reading.py", "import summarizer.panel.dictionary", {LAYERS}),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "line", "contracts"), WRONG_IMPORTS, ids=[f"{w[0]}:{w[1].split()[-1]}" for w in WRONG_IMPORTS]
)
def test_a_wrong_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contracts: set[str]
) -> None:
    shutil.copytree(ROOT / "summarizer", tmp_path / "summarizer")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "summarizer" / module).open("a", encoding="utf-8") as f:
        f.write(f"\n{line}\n")
    # A fresh interpreter whose path finds the copy before the installed tree.
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 1, run.stdout + run.stderr
    broken = {ln.split(" BROKEN")[0] for ln in run.stdout.splitlines() if " BROKEN" in ln}
    assert broken == contracts, run.stdout
