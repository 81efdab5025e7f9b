"""Optional rewriting of a draft by an OpenAI-compatible chat completions server.

Off unless ``[drafting.rewrite] enabled``. The server gets the chosen sentences and the rules
(:func:`bot.domain.rewrite.prompt`); its answer replaces the extractive body only when
:func:`bot.domain.rewrite.check` passes. A server that is down, slow or wrong never blocks
drafting: the extractive draft is kept and the reason says why. The key, if the server
needs one, comes only from the environment (``GOODNEWS_REWRITE_API_KEY``) and is never
logged.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

import httpx

from bot.config import RewriteConfig
from bot.domain import rewrite
from bot.domain.drafting import Draft
from bot.domain.errors import N_

log = logging.getLogger(__name__)

KEY_VARIABLE = "GOODNEWS_REWRITE_API_KEY"
#: The note of a draft whose body is the model's rewrite.
REWRITTEN = N_("✍️ Rewritten by the language model; the extractive version is one tap away")


@dataclass(frozen=True)
class Rewritten:
    """The draft to use; ``extractive`` is the extractive body when the rewrite replaced it;
    ``note`` says which version it is and, for a rejected rewrite, why: a JSON object
    {"template", "detail"} whose template is a catalog message (empty: rewriting is off)."""

    draft: Draft
    extractive: str | None
    note: str


def _note(template: str, detail: str = "") -> str:
    return json.dumps({"template": template, "detail": detail}, ensure_ascii=False)


def rewrite_draft(
    settings: RewriteConfig, draft: Draft, *, source: str, max_chars: int, closing: str = ""
) -> Rewritten:
    """The draft rewritten by the server if the answer passes the guard, else as it was.

    ``closing``: the template's call to action ending the body; it is kept, not rewritten.
    """
    closing = closing.strip()
    sentences = [s for s in draft.sentences if not closing or s != closing]
    if not settings.enabled or not sentences:
        return Rewritten(draft, None, "")
    room = max_chars - (len(closing) + 2 if closing else 0)
    try:
        answer = _complete(settings, rewrite.prompt(sentences, max_chars=room))
    except RewriteError as exc:
        log.warning("rewrite not used: %s", exc)
        return Rewritten(draft, None, _note(exc.template, exc.detail))
    verdict = rewrite.check(answer, source=source, max_chars=room)
    if not verdict.ok:
        log.warning("rewrite not used: %s", verdict.reason.format(detail=verdict.detail))
        return Rewritten(draft, None, _note(verdict.reason, verdict.detail))
    body = unicodedata.normalize("NFC", answer.strip())
    body = f"{body}\n\n{closing}" if closing else body
    return Rewritten(
        dataclasses.replace(draft, body=body, sentences=()), draft.body, _note(REWRITTEN)
    )


class RewriteError(Exception):
    """The server did not give a usable answer: a catalog message and its detail."""

    def __init__(self, template: str, detail: str = "") -> None:
        super().__init__(template.format(detail=detail))
        self.template, self.detail = template, detail


def _complete(settings: RewriteConfig, messages: list[dict[str, str]]) -> str:
    headers = {"Content-Type": "application/json"}
    key = os.environ.get(KEY_VARIABLE)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    url = settings.base_url.rstrip("/") + "/chat/completions"
    body = {"model": settings.model, "messages": messages, "temperature": 0.2}
    try:
        with httpx.Client(timeout=settings.timeout) as client:
            response = client.post(url, json=body, headers=headers)
    except httpx.TimeoutException:
        raise RewriteError(
            N_("the rewrite server did not answer within {detail} s"), f"{settings.timeout:g}"
        ) from None
    except httpx.HTTPError as exc:
        raise RewriteError(
            N_("the rewrite server cannot be reached ({detail})"), type(exc).__name__
        ) from None
    if response.status_code != httpx.codes.OK:
        raise RewriteError(
            N_("the rewrite server answered HTTP {detail}"), str(response.status_code)
        )
    return _content(response)


def _content(response: httpx.Response) -> str:
    try:
        data: Any = response.json()
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise RewriteError(N_("the rewrite server's answer is not a chat completion")) from None
    if not isinstance(content, str):
        raise RewriteError(N_("the rewrite server's answer is not a chat completion"))
    return content
