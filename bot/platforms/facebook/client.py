"""The facebook-sdk 3.1.0 client. It rejects modern API versions in its constructor, so the
version is set on the object afterwards, and its base URL is a module global."""

from __future__ import annotations

from typing import Any

import facebook

from bot.config import Config


def make_graph(config: Config) -> Any:
    """A GraphAPI client with the Page token, aimed at ``facebook.graph_url`` and
    ``facebook.api_version`` for every call; None when no token is set."""
    token = config.secrets.facebook_page_token
    if not token:
        return None
    fb = config.settings.facebook
    facebook.FACEBOOK_GRAPH_URL = fb.graph_url.rstrip("/") + "/"
    graph = facebook.GraphAPI(access_token=token, timeout=fb.timeout)
    graph.version = fb.api_version  # after construction: the constructor only knows up to v3.1
    return graph
