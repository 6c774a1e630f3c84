"""What the server turned out to accept: the negotiated state of one backend's run.

A run starts with what the capability table and the settings ask for (a strict `json_schema`
response format or JSON mode; streaming or not). When the server refuses one of them by name
(`errors.Refused`), `Negotiated.drop` switches it off for the rest of the run, once, and says
so in one notice; a feature already off cannot be dropped again, so the refusal then stands
as the error it is. Nothing else changes these two fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from summarizer.backends.capabilities import ResponseFormat

#: A feature of the request a server may refuse, in the order they are given up.
Feature = Literal["json_schema", "stream"]


@dataclass
class Negotiated:
    """The response format and streaming switch every next request uses."""

    response_format: ResponseFormat
    stream: bool

    def drop(self, features: tuple[Feature, ...], base_url: str, status: int) -> str | None:
        """Give up the first of `features` still in use; the notice to show, or None when
        every one of them is already off (the refusal is then a plain failure)."""
        for feature in features:
            if feature == "json_schema" and self.response_format == "json_schema":
                self.response_format = "json_object"
                return (
                    f"{base_url} refused the json_schema response format (HTTP {status}): "
                    "using JSON mode for the rest of the run"
                )
            if feature == "stream" and self.stream:
                self.stream = False
                return (
                    f"{base_url} refused streaming (HTTP {status}): plain requests for the "
                    "rest of the run"
                )
        return None
