"""The settings model: every field checked the same way from TOML, environment and flags.

A bad value in any source is one ConfigError line that names the source (file and key,
variable or flag), the value and what the field allows; the CLI exits 3 before any work.
"""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from conftest import seed_paths
from helpers import run_cli

from summarizer.cli._options import flag_name
from summarizer.core.config import (
    FIELDS,
    GROUPS,
    PROVIDERS,
    BackendName,
    ProviderName,
    Settings,
    allowed,
    load_settings,
)
from summarizer.core.errors import ConfigError

# field -> (a good value as TOML text, its parsed value, a bad value as TOML text, allowed text)
CASES: dict[str, tuple[str, object, str, str]] = {
    "backend": ('"offline"', "offline", '"foo"', "one of auto, openai, offline"),
    "provider": ('"deepseek"', "deepseek", '"bard"', "one of openai, deepseek, qwen"),
    "model": ('"gpt-4o"', "gpt-4o", '""', "a non-empty text"),
    "base_url": (
        '"http://127.0.0.1:8080/v1"',
        "http://127.0.0.1:8080/v1",
        '"ftp://x"',
        "an http:// or https:// URL",
    ),
    "api_key_env": ('"MY_KEY"', "MY_KEY", '"MY KEY"', "an environment variable name"),
    "json_mode": ("true", True, '"sometimes"', "true or false"),
    "temperature": ("0.5", 0.5, "3", "a number from 0 to 2"),
    "timeout_s": ("30", 30.0, "0", "a number > 0 and ≤ 3600"),
    "max_retries": ("5", 5, "-1", "an integer from 0 to 10"),
    "deadline_s": ("600", 600.0, "0", "a number > 0 and ≤ 86400"),
    "stream": ("false", False, '"maybe"', "true or false"),
    "max_output_tokens": ("2048", 2048, "8", "an integer from 16 to 200000"),
    "max_response_mb": ("4", 4.0, "0", "a number > 0 and ≤ 1024"),
    "lang": ('"en"', "en", '"fr"', "one of zh, en"),
    "chunk_tokens": ("800", 800, "10", "an integer from 200 to 200000"),
    "encoding": ('"cl100k_base"', "cl100k_base", '"gpt9"', "one of o200k_base, cl100k_base"),
    "max_file_mb": ("2.5", 2.5, "-1", "a number > 0 and ≤ 1024"),
    "parse_timeout_s": ("5", 5.0, "0", "a number > 0 and ≤ 3600"),
    "parse_memory_mb": ("200", 200, "10", "an integer from 50 to 65536"),
    "concurrency": ("3", 3, '"lots"', "an integer from 1 to 256"),
    "cache_dir": ('"/tmp/c"', "/tmp/c", '""', "a non-empty text"),
    "use_cache": ("false", False, "2", "true or false"),
    "refresh": ("true", True, '"yes please"', "true or false"),
    "strict": ("true", True, "[]", "true or false"),
    "overview": ("false", False, '"no way"', "true or false"),
}


def test_every_field_has_a_case() -> None:
    # A field added to the model without a row here fails, so its validation gets a test.
    assert set(CASES) == set(Settings.model_fields) == set(FIELDS)


def test_choices_are_the_registry_and_the_presets() -> None:
    assert typing.get_args(ProviderName) == tuple(PROVIDERS)
    # The tests' fake backend is no user choice.
    assert typing.get_args(BackendName) == ("auto", "openai", "offline")
    assert "fake" not in allowed("backend")


@pytest.mark.parametrize("field", sorted(CASES))
def test_toml_good_and_bad_value(tmp_path: Path, field: str) -> None:
    good, parsed, bad, allows = CASES[field]
    group = FIELDS[field]
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(f"{field} = {good}\n", encoding="utf-8")
    assert getattr(load_settings(cfg, environ={}), field) == parsed
    # The same key inside its concern's table.
    cfg.write_text(f"[{group}]\n{field} = {good}\n", encoding="utf-8")
    assert getattr(load_settings(cfg, environ={}), field) == parsed
    cfg.write_text(f"{field} = {bad}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg, environ={})
    message = str(info.value)
    assert message.startswith(f"{cfg}: {field} = ")
    assert allows in message and "\n" not in message


@pytest.mark.parametrize("field", sorted(CASES))
def test_environment_bad_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str) -> None:
    _, _, bad, allows = CASES[field]
    raw = bad.strip('"') or ""
    if raw == "":
        pytest.skip("an empty variable means unset")
    var = "SUMMARIZER_" + field.upper()
    with pytest.raises(ConfigError) as info:
        monkeypatch.chdir(tmp_path)  # no ./summarizer.toml
        load_settings(environ={var: raw})
    assert str(info.value).startswith(f"{var}={raw}: not allowed")
    assert allows in str(info.value)


@pytest.mark.parametrize("field", sorted(CASES))
def test_flag_bad_value(field: str) -> None:
    _, _, bad, allows = CASES[field]
    flag = f"--{flag_name(field)}"
    with pytest.raises(ConfigError) as info:
        load_settings(flags={field: bad.strip('"')}, flag_names={field: flag}, environ={})
    assert str(info.value).startswith(f"{flag} ")
    assert allows in str(info.value)


def test_precedence_defaults_toml_environment_flags(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.toml"
    cfg.write_text("[chunking]\nchunk_tokens = 800\n[run]\nconcurrency = 3\n", encoding="utf-8")
    env = {"SUMMARIZER_CONCURRENCY": "4", "SUMMARIZER_LANG": "en"}
    s = load_settings(cfg, environ=env)
    assert (s.chunk_tokens, s.concurrency, s.lang) == (800, 4, "en")
    s = load_settings(cfg, environ=env, flags={"concurrency": "5", "lang": None})
    assert (s.chunk_tokens, s.concurrency, s.lang) == (800, 5, "en")
    assert load_settings(environ={}).concurrency == Settings().concurrency


def test_a_key_in_the_wrong_table_or_misspelt(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.toml"
    cfg.write_text("[run]\nchunk_tokens = 800\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"'chunk_tokens' belongs in \[chunking\], not in \[run\]"
    ):
        load_settings(cfg)
    cfg.write_text("concurency = 3\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match="unknown setting 'concurency'; did you mean 'concurrency'"
    ):
        load_settings(cfg)


def test_settings_are_frozen_and_replace_validates() -> None:
    s = Settings()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        s.concurrency = 2  # type: ignore[misc]
    assert s.replace(concurrency=2).concurrency == 2
    with pytest.raises(ConfigError, match="concurrency=0: not allowed"):
        s.replace(concurrency=0)


def test_the_groups_split_the_fields() -> None:
    assert set(GROUPS) == {"backend", "chunking", "run"}
    assert FIELDS["model"] == "backend" and FIELDS["chunk_tokens"] == "chunking"
    assert FIELDS["concurrency"] == "run"


def test_the_default_cache_is_the_user_cache_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("SUMMARIZER_CACHE_DIR", raising=False)
    assert Settings().cache_dir == str(platformdirs.user_cache_path("summarizer"))
    assert load_settings(environ={}).cache_dir == str(platformdirs.user_cache_path("summarizer"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "toml, args, expected",
    [
        (
            'concurrency = "lots"',
            [],
            "concurrency = 'lots': not allowed; concurrency takes an integer",
        ),
        ("chunk_tokens = 10", [], "chunk_tokens = 10: not allowed"),
        ("", ["--lang", "fr"], "--lang fr: not allowed; lang takes one of zh, en"),
    ],
)
def test_the_cli_refuses_before_reading_the_file(
    tmp_path: Path, toml: str, args: list[str], expected: str
) -> None:
    cfg = tmp_path / "summarizer.toml"
    cfg.write_text(toml + "\n", encoding="utf-8")
    # The input does not exist: the settings error comes first, so nothing was read.
    result = run_cli("summarize", tmp_path / "missing.txt", *args, cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_every_field_is_a_flag_of_summarize(tmp_path: Path) -> None:
    result = run_cli("summarize", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for field in FIELDS:
        assert f"--{flag_name(field)}" in result.stdout, field
    assert "fake" not in result.stdout


@pytest.mark.slow
def test_an_environment_variable_reaches_a_real_run(tmp_path: Path) -> None:
    result = run_cli(
        "summarize",
        seed_paths()[4],
        "-f",
        "json",
        cwd=tmp_path,
        env={"SUMMARIZER_BACKEND": "openai", "OPENAI_API_KEY": ""},
    )
    # The variable asked for the openai backend, and there is no key.
    assert result.returncode == 3 and "no API key" in result.stderr
