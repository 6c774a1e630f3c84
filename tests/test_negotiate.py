"""The negotiated features of an OpenAI-compatible run: each refusal drops one feature once,
and a refusal of a feature already off stands as the error it is (no state hidden in the
error mapping)."""

from __future__ import annotations

import pytest

from summarizer.backends.openai_compat.errors import Refused, Retryable, Where, status_error
from summarizer.backends.openai_compat.negotiate import Feature, Negotiated
from summarizer.core.errors import ExtractionError


class _StatusError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status
        self.body = {"error": {"message": message}}


def _where() -> Where:
    return Where(
        base_url="http://127.0.0.1:1/v1",
        model="m",
        key_env="OPENAI_API_KEY",
        key="local",
        local=True,
        idle_s=10.0,
        deadline_s=20.0,
        max_response_mb=8.0,
        response_format="json_schema",
    )


@pytest.mark.parametrize(
    ("status", "reason", "features", "otherwise"),
    [
        (400, "response_format json_schema unsupported", ("json_schema",), ExtractionError),
        (422, "structured output not available", ("json_schema",), ExtractionError),
        (500, "grammar failed to parse", ("json_schema",), Retryable),
        (400, "stream is not supported", ("stream",), ExtractionError),
        (400, "json_schema with stream unsupported", ("json_schema", "stream"), ExtractionError),
        (413, "response_format too large", (), ExtractionError),
        (503, "busy", (), Retryable),
    ],
)
def test_status_error_names_the_refused_features(
    status: int, reason: str, features: tuple[Feature, ...], otherwise: type[Exception]
) -> None:
    error = status_error(_StatusError(status, reason), _where())
    if features:
        assert isinstance(error, Refused)
        assert error.features == features and isinstance(error.otherwise, otherwise)
    else:
        assert isinstance(error, otherwise)


@pytest.mark.parametrize(
    ("start", "features", "after", "told"),
    [
        (("json_schema", True), ("json_schema",), ("json_object", True), "JSON mode"),
        (("json_object", True), ("json_schema",), ("json_object", True), None),
        (("json_schema", True), ("stream",), ("json_schema", False), "plain requests"),
        (("json_schema", False), ("stream",), ("json_schema", False), None),
        (("json_object", True), ("json_schema", "stream"), ("json_object", False), "plain"),
    ],
)
def test_each_refusal_drops_the_first_feature_still_in_use_once(
    start: tuple[str, bool],
    features: tuple[Feature, ...],
    after: tuple[str, bool],
    told: str | None,
) -> None:
    state = Negotiated(response_format=start[0], stream=start[1])  # type: ignore[arg-type]
    notice = state.drop(features, "http://x/v1", 400)
    assert (state.response_format, state.stream) == after
    assert (notice is None) if told is None else (notice is not None and told in notice)
    assert state.drop(features, "http://x/v1", 400) is None  # told once
