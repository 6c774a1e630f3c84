"""summarizer.toml (defaults, precedence, refusals), `--version` and shell completion."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from conftest import seed_paths
from helpers import run_cli

from summarizer.cli._options import build_settings
from summarizer.core.config import Settings, load_settings
from summarizer.core.errors import ConfigError
from summarizer.core.version import __version__

FAKE_SECRET = "sk-test0123456789abcdefghijklmnopqrstuv"


def write_toml(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def test_toml_values_become_the_defaults(tmp_path: Path) -> None:
    cfg = write_toml(
        tmp_path / "cfg.toml",
        '[summarizer]\nbackend = "offline"\nprovider = "deepseek"\nchunk-tokens = 800\n'
        'lang = "en"\nconcurrency = 3\nstrict = true\n',
    )
    s = load_settings(str(cfg))
    assert (s.backend, s.provider, s.chunk_tokens, s.lang, s.concurrency, s.strict) == (
        "offline",
        "deepseek",
        800,
        "en",
        3,
        True,
    )
    assert s.resolved_model == "deepseek-chat"
    # Untouched settings keep their defaults.
    assert s.timeout_s == Settings().timeout_s and s.use_cache is True


def test_toml_without_a_table_and_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_toml(tmp_path / "summarizer.toml", "max_file_mb = 2.5\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().max_file_mb == 2.5
    monkeypatch.chdir(tmp_path.parent)
    assert load_settings().max_file_mb == Settings().max_file_mb


def test_cli_flags_win_over_the_toml(tmp_path: Path) -> None:
    cfg = write_toml(tmp_path / "cfg.toml", 'chunk_tokens = 800\nlang = "en"\nmodel = "gpt-4o"\n')
    ctx = click.Context(click.Command("test"), obj={"config_path": str(cfg)})
    s = build_settings(ctx, chunk_tokens=1500, lang=None, model=None, use_cache=False)
    assert s.chunk_tokens == 1500  # the flag
    assert s.lang == "en" and s.model == "gpt-4o"  # the toml, where no flag was given
    assert s.use_cache is False


@pytest.mark.slow
def test_cli_reads_the_config_and_a_flag_overrides_it(tmp_path: Path) -> None:
    cfg = write_toml(tmp_path / "cfg.toml", '[summarizer]\nbackend = "openai"\n')
    seed = seed_paths()[4]
    # The toml asks for the openai backend, and there is no key: a configuration error.
    refused = run_cli("--config", cfg, "summarize", seed, "-f", "json", cwd=tmp_path)
    assert refused.returncode == 3
    assert "no API key" in refused.stderr and "Traceback" not in refused.stderr
    # --backend offline on the command line wins.
    ok = run_cli(
        "--config", cfg, "summarize", seed, "-f", "json", "--backend", "offline", cwd=tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["provenance"]["backend"] == "offline"


@pytest.mark.slow
@pytest.mark.parametrize("key", ["api_key", "openai_api_key", "api-key"])
def test_a_secret_in_the_toml_is_refused_and_never_echoed(tmp_path: Path, key: str) -> None:
    cfg = write_toml(tmp_path / "cfg.toml", f'[summarizer]\n{key} = "{FAKE_SECRET}"\n')
    with pytest.raises(ConfigError, match="secrets do not belong"):
        load_settings(str(cfg))
    result = run_cli("--config", cfg, "summarize", seed_paths()[0], cwd=tmp_path)
    assert result.returncode == 3
    assert "secrets do not belong" in result.stderr
    assert FAKE_SECRET not in result.stderr + result.stdout


@pytest.mark.slow
def test_an_unknown_key_is_refused(tmp_path: Path) -> None:
    cfg = write_toml(tmp_path / "cfg.toml", "[summarizer]\ncolour = true\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_settings(str(cfg))
    result = run_cli("--config", cfg, "batch", tmp_path, "--dry-run", cwd=tmp_path)
    assert result.returncode == 3
    assert "unknown setting 'colour'" in result.stderr


@pytest.mark.slow
def test_invalid_or_missing_config_is_a_config_error(tmp_path: Path) -> None:
    bad = write_toml(tmp_path / "bad.toml", "backend = \n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(str(bad))
    result = run_cli("--config", tmp_path / "nope.toml", "summarize", seed_paths()[0], cwd=tmp_path)
    assert result.returncode == 3
    assert "config file not found" in result.stderr


@pytest.mark.slow
def test_version(tmp_path: Path) -> None:
    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"summarizer, version {__version__}"


@pytest.mark.slow
def test_bash_completion_script_and_completions(tmp_path: Path) -> None:
    script = run_cli(cwd=tmp_path, env={"_SUMMARIZER_COMPLETE": "bash_source"})
    assert script.returncode == 0
    assert "_summarizer_completion()" in script.stdout
    assert "complete -o nosort -F _summarizer_completion summarizer" in script.stdout
    words = run_cli(
        cwd=tmp_path,
        env={
            "_SUMMARIZER_COMPLETE": "bash_complete",
            "COMP_WORDS": "summarizer ba",
            "COMP_CWORD": "1",
        },
    )
    assert words.returncode == 0
    assert words.stdout.split() == ["plain,batch", "plain,batch-api"]
