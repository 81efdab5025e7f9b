"""The facebook-sdk 3.1.0 client. It rejects modern API versions in its constructor, so the
version is set on the object afterwards, and its base URL is a module global."""

from __future__ import annotations

from typing import Any

import facebook


def make_graph(*, token: str, graph_url: str, version: str, timeout: float) -> Any:
    """A GraphAPI client aimed at ``graph_url`` and ``version`` for every call."""
    facebook.FACEBOOK_GRAPH_URL = graph_url.rstrip("/") + "/"
    graph = facebook.GraphAPI(access_token=token, timeout=timeout)
    graph.version = version  # after construction: the constructor only knows up to v3.1
    return graph
