"""A fake OpenAI-compatible chat completions server (what Ollama, vLLM and llama.cpp serve).

``POST /v1/chat/completions`` answers as those servers do: 200 with
``{"id", "object": "chat.completion", "model", "choices": [{"index", "message": {"role",
"content"}, "finish_reason"}], "usage"}``; 401 ``{"error": {...}}`` when a key is required
and missing; 404 for an unknown model. Tests queue the next answers (:meth:`answer`) or a
fault (:meth:`fail_next` with a status, a non-JSON body, or a delay) and read the requests.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes._http import FakeServer, HttpRequest, HttpResponse, json_bytes


class FakeCompletions(FakeServer):
    name = "fake completions server"

    def __init__(self, *, model: str = "qwen2.5:7b", api_key: str | None = None) -> None:
        super().__init__()
        self.model = model
        self.api_key = api_key
        self.answers: list[str] = []
        self.faults: list[HttpResponse] = []
        self.requests: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    def answer(self, *contents: str) -> None:
        with self.cond:
            self.answers.extend(contents)

    def fail_next(self, response: HttpResponse) -> None:
        with self.cond:
            self.faults.append(response)

    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.path != "/v1/chat/completions":
            return _error(404, f"unknown path {request.path}", "not_found")
        with self.cond:
            self.requests.append({"headers": dict(request.headers), "body": request.json_body})
            if self.faults:
                return self.faults.pop(0)
            if self.api_key is not None:
                given = request.headers.get("authorization", "")
                if given != f"Bearer {self.api_key}":
                    return _error(401, "Incorrect API key provided", "invalid_api_key")
            body = request.json_body if isinstance(request.json_body, dict) else {}
            if body.get("model") != self.model:
                return _error(404, f"model '{body.get('model')}' not found", "model_not_found")
            content = self.answers.pop(0) if self.answers else ""
        return HttpResponse(
            200,
            json_bytes(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": self.model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            ),
        )


def _error(status: int, message: str, code: str) -> HttpResponse:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return HttpResponse(status, json.dumps(body).encode())
