"""A completed answer → the validated extraction, or the reason it is not one.

In: an `Answer` (content, finish reason, refusal) and the chunk it answers. Out: the
`ChunkExtraction` (the lean answer expanded against the chunk, backends/answer.py), or:
`AnswerTooLong` (cut at the output limit: the caller splits the chunk), `ExtractionError`
(refused, filtered), `InvalidAnswer` (did not validate: the client shows the model the error
once, in the repair prompt).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic

from summarizer.backends.answer import expand_answer
from summarizer.backends.extract import AnswerTooLong, ChunkContext
from summarizer.backends.openai_compat.errors import short
from summarizer.backends.openai_compat.transport import Answer
from summarizer.backends.prompts import render
from summarizer.backends.salvage import Slip, salvage
from summarizer.core.errors import ExtractionError
from summarizer.core.schema import ChunkAnswer, ChunkExtraction, OverviewText, Usage


class InvalidAnswer(Exception):
    """The model's answer did not validate; carries the text to show in the repair prompt."""

    def __init__(self, content: str, error: str, usage: Usage) -> None:
        super().__init__(error)
        self.content = content
        self.error = error
        self.usage = usage


def repair_body(body: dict[str, Any], invalid: InvalidAnswer) -> dict[str, Any]:
    """The request again, with the invalid answer and the repair prompt that shows the model
    its validation error appended (the one repair retry)."""
    repair = render("repair", error=short(invalid.error))
    body["messages"] = [
        *body["messages"],
        {"role": "assistant", "content": invalid.content or "(empty answer)"},
        {"role": "user", "content": repair},
    ]
    return body


def parse_chunk(content: str, context: ChunkContext) -> ChunkExtraction:
    """An answer's content → the lean answer, salvaged → the extraction, its figures and
    quotes completed from the chunk (raises ValueError when nothing usable remains)."""
    return expand_answer(salvaged_answer(content)[0], context.chunk.text)


def salvaged_answer(content: str) -> tuple[ChunkAnswer, list[Slip]]:
    """What can be read of an answer (backends/salvage.py) and the liberties taken; raises
    ValueError naming what is wrong when nothing usable remains (the repair prompt shows it)."""
    found = salvage(content)
    if found.answer is not None:
        return found.answer, found.slips
    error = found.reason
    try:
        ChunkAnswer.model_validate_json(strip_fence(content))
    except pydantic.ValidationError as e:
        error = f"{error}; {validation_text(e)}"
    except ValueError:
        pass
    raise ValueError(error)


def slip_notes(slips: list[Slip], chunk: int) -> list[str]:
    """One warning per liberty taken with chunk `chunk`'s answer."""
    return [f"chunk {chunk}: the model's answer: {slip.text()}" for slip in slips]


def parse_overview(content: str) -> str:
    """An overview answer's content → its text (raises pydantic/ValueError)."""
    return OverviewText.model_validate_json(strip_fence(content)).overview.strip()


def checked_chunk(
    answer: Answer,
    context: ChunkContext,
    *,
    model: str | None,
    output_limit: int,
    clean: Callable[[str], str],
) -> tuple[ChunkExtraction, list[str]]:
    """The extraction `answer` holds for the chunk of `context` and the warnings of what was
    salvaged to get it, or why it holds none."""
    if answer.finish_reason == "length":
        raise AnswerTooLong(
            f"{model}: the answer was cut at the output limit of "
            f"{output_limit} tokens (finish_reason=length)",
            usage=answer.usage,
        )
    if answer.finish_reason == "content_filter":
        raise ExtractionError(
            f"{model}: the provider's content filter rejected this chunk", usage=answer.usage
        )
    if answer.refusal:
        raise ExtractionError(
            clean(f"model refused: {short(answer.refusal, 300)}"), usage=answer.usage
        )
    if not answer.content.strip():
        raise InvalidAnswer("", "the answer was empty", answer.usage)
    try:
        lean, slips = salvaged_answer(answer.content)
    except ValueError as e:
        raise InvalidAnswer(answer.content, str(e), answer.usage) from None
    extraction = expand_answer(lean, context.chunk.text)
    return extraction, slip_notes(slips, context.chunk.index)


def validation_text(e: Exception) -> str:
    """A validation error as the repair prompt shows it: one line per error, at most 20."""
    if isinstance(e, pydantic.ValidationError):
        # include_url=False: the links only waste the model's tokens.
        lines = []
        for err in e.errors(include_url=False)[:20]:
            loc = ".".join(str(p) for p in err["loc"]) or "(root)"
            lines.append(f"- {loc}: {short(err['msg'], 200)}")
        return f"{e.error_count()} validation error(s):\n" + "\n".join(lines)
    return str(e)


def strip_fence(content: str) -> str:
    # Some json_object servers still wrap the JSON in a Markdown fence.
    text = content.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        if text.rstrip().endswith("```"):
            text = text.rstrip()[:-3]
    return text
