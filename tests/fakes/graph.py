"""A fake Facebook Graph API (Pages publishing subset) for tests, driven over real HTTP.

Point facebook-sdk at it::

    facebook.FACEBOOK_GRAPH_URL = graph.url        # module global; restore it afterwards
    api = facebook.GraphAPI(access_token=token, timeout=5)
    api.version = graph.version                    # facebook-sdk 3.1.0 only accepts <= v3.1

A config file that holds the Graph root takes ``graph.graph_url`` (no trailing slash).

Answers are shaped like Graph's: ``Content-Type: application/json; charset=UTF-8``, a
``facebook-api-version`` header, errors as ``{"error": {"message", "type", "code",
"error_subcode"?, "fbtrace_id"}}`` with ``WWW-Authenticate`` on token errors.

One deliberate strictness: a request for any version other than ``self.version`` (including
facebook-sdk's default v2.8) is refused with a 400 ``(#2635)`` error.  The live Graph API silently
upgrades calls to retired versions; refusing them here makes a forgotten ``api.version`` fail
loudly in tests instead of passing by accident.

All state is guarded by the one condition ``self.cond`` (see :mod:`tests.fakes._http`).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from tests.fakes._http import (
    FakeServer,
    HttpRequest,
    HttpResponse,
    UploadedFile,
    image_size,
    json_bytes,
)

__all__ = ["FakeGraph", "GraphCall", "UploadedFile", "graph_error_body"]

JSON = dict[str, Any]
GRAPH_JSON = "application/json; charset=UTF-8"
_PACIFIC = ZoneInfo("America/Los_Angeles")

PERMISSION_200 = (
    "(#200) If posting to a group, requires app being installed in the group, and \\ either "
    "publish_to_groups permission with user token, or both pages_read_engagement \\ and "
    "pages_manage_posts permission with page token; If posting to a page, \\ requires both "
    "pages_read_engagement and pages_manage_posts as an admin with \\ sufficient administrative "
    "permission"
)
RATE_LIMIT_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}
BAD_GATEWAY_HTML = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    "</center><hr><center>proxygen</center></body></html>"
)


def fbtrace_id() -> str:
    return secrets.token_urlsafe(17)[:23].replace("-", "A").replace("_", "B")


def graph_error_body(
    code: int,
    message: str,
    *,
    type: str = "OAuthException",
    subcode: int | None = None,
    is_transient: bool | None = None,
    user_title: str | None = None,
    user_msg: str | None = None,
) -> JSON:
    """An error body exactly as Graph lays it out (``fbtrace_id`` included)."""
    error: JSON = {"message": message, "type": type, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if is_transient is not None:
        error["is_transient"] = is_transient
    if user_title is not None:
        error["error_user_title"] = user_title
    if user_msg is not None:
        error["error_user_msg"] = user_msg
    error["fbtrace_id"] = fbtrace_id()
    return {"error": error}


def rate_limit_body(code: int = 4) -> JSON:
    """The throttling errors: code 4 (app), 17 (user), 32 (page) or 613 (custom rate limit)."""
    return graph_error_body(code, RATE_LIMIT_MESSAGES[code], is_transient=True)


def duplicate_post_body() -> JSON:
    """What Graph answers when the same status is posted twice in a row."""
    return graph_error_body(
        506,
        "Duplicate status message",
        subcode=1455006,
        is_transient=False,
        user_title="Duplicate Status Update",
        user_msg=(
            "This status update is identical to the last one you posted. Try posting something "
            "different, or delete your previous update."
        ),
    )


@dataclass(frozen=True)
class GraphCall:
    """One request the fake answered (or hung up on).

    ``params`` merges the query string and the body; JSON objects/arrays sent as strings (like
    ``attached_media[0]``) are decoded, everything else stays a string as Graph receives it;
    files are :class:`UploadedFile`.  ``response`` is the decoded JSON, the raw text of a non-JSON
    answer, or ``None`` when the connection was dropped.
    """

    index: int
    http_method: str
    path: str
    params: JSON
    token: str | None
    status: int
    response: JSON | str | None
    dropped: bool = False
    delay: float = 0.0


class _GraphError(Exception):
    def __init__(self, status: int, body: JSON, headers: dict[str, str] | None = None) -> None:
        super().__init__(body["error"]["message"])
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class _Fault:
    kind: str  # fail | drop | delay
    suffix: str
    method: str | None
    remaining: int
    status: int = 0
    body: JSON | str = ""
    content_type: str = GRAPH_JSON
    seconds: float = 0.0
    store: bool = True

    def matches(self, http_method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != http_method.upper():
            return False
        return path.rstrip("/").endswith(self.suffix)


_VERSION = re.compile(r"^v\d+\.\d+$")
_PAGE_FIELDS = (
    "id",
    "name",
    "link",
    "category",
    "fan_count",
    "followers_count",
    "access_token",
)
_POST_FIELDS = (
    "id",
    "message",
    "created_time",
    "updated_time",
    "permalink_url",
    "is_published",
    "link",
    "reactions",
    "comments",
    "shares",
    "insights",
)
#: Post insights metrics Graph serves (until :meth:`FakeGraph.retire_metric`).
INSIGHT_METRICS = ("post_media_view", "post_total_media_view_unique", "post_clicks")
INVALID_METRIC = "(#100) The value must be a valid insights metric"
MAX_IDS = 50
#: Pages with fewer likes get no insights: Graph answers an empty ``data``.
INSIGHTS_MIN_FANS = 100
_PHOTO_FIELDS = ("id", "created_time", "name", "link", "width", "height", "page_story_id")


class FakeGraph(FakeServer):
    """A fake Graph API serving Pages.  See the module docstring."""

    name = "FakeGraph"
    server_header = "proxygen-bolt"

    def __init__(self, version: str = "v24.0", *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        if not _VERSION.match(version):
            raise ValueError(f"version must look like v24.0, not {version!r}")
        self.version = version
        self._clock = clock
        self._pages: dict[str, JSON] = {}
        self._tokens: dict[str, str] = {}
        self._expired: dict[str, dt.datetime] = {}
        self._posts: dict[str, JSON] = {}
        self._photos: dict[str, JSON] = {}
        self._calls: list[GraphCall] = []
        self._faults: list[_Fault] = []
        self._metrics = set(INSIGHT_METRICS)
        self._post_seq = itertools.count(122_100_000_000_000_001)
        self._photo_seq = itertools.count(122_200_000_000_000_001)

    # -- URLs ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``FACEBOOK_GRAPH_URL`` for facebook-sdk, which does ``FACEBOOK_GRAPH_URL + path``."""
        return f"{self.root_url}/"

    @property
    def graph_url(self) -> str:
        """The Graph root without a trailing slash, like ``https://graph.facebook.com``."""
        return self.root_url

    # -- world setup -----------------------------------------------------------------------

    def add_page(
        self, page_id: str, token: str, name: str = "Test Page", *, fans: int = 1200
    ) -> None:
        """A Page and a Page access token with pages_manage_posts and pages_read_engagement
        on it; under ``INSIGHTS_MIN_FANS`` likes the Page has no insights."""
        with self.cond:
            self._pages[page_id] = {"id": page_id, "name": name, "token": token, "fans": fans}
            self._tokens[token] = page_id

    def add_published_post(self, page_id: str, message: str = "Tin tốt") -> str:
        """A post already on the Page (as if published long ago); its id."""
        with self.cond:
            post_id = f"{page_id}_{next(self._post_seq)}"
            self._posts[post_id] = {
                "id": post_id,
                "page_id": page_id,
                "message": message,
                "link": None,
                "published": True,
                "scheduled_publish_time": None,
                "attached_media": [],
                "photo_id": None,
                "created_time": self._now(),
                "deleted": False,
                "params": {},
            }
            return post_id

    def set_engagement(
        self,
        post_id: str,
        *,
        reactions: dict[str, int] | None = None,
        comments: int | None = None,
        shares: int | None = None,
        insights: dict[str, int] | None = None,
    ) -> None:
        """What people did with a post: reactions by type (LIKE, LOVE, ...), comments,
        shares, and insights values by metric name."""
        with self.cond:
            post = self._posts[post_id]
            if reactions is not None:
                post["reactions"] = dict(reactions)
            if comments is not None:
                post["comments"] = comments
            if shares is not None:
                post["shares"] = shares
            if insights is not None:
                post.setdefault("insights", {}).update(insights)

    def retire_metric(self, metric: str) -> None:
        """From now on asking for ``metric`` fails the whole request, as Graph does."""
        with self.cond:
            self._metrics.discard(metric)

    def add_token(self, token: str, page_id: str) -> None:
        """Another valid Page token for an existing page."""
        with self.cond:
            if page_id not in self._pages:
                raise KeyError(f"unknown page {page_id}")
            self._tokens[token] = page_id

    def expire_token(self, token: str, expired_at: dt.datetime | None = None) -> None:
        """From now on the token answers 190 / subcode 463 (session expired)."""
        when = expired_at or dt.datetime.fromtimestamp(self._clock() - 3600, tz=dt.UTC)
        with self.cond:
            self._expired[token] = when

    # -- observing -------------------------------------------------------------------------

    def posts(self, page_id: str, *, include_deleted: bool = False) -> list[JSON]:
        """Posts created on the page, in creation order (copies): ``id, page_id, message, link,
        published, created_time, scheduled_publish_time, attached_media, photo_id, deleted``,
        ``params`` (the request as received) and ``edits`` (earlier messages, once edited)."""
        with self.cond:
            return [
                copy.deepcopy(p)
                for p in self._posts.values()
                if p["page_id"] == page_id and (include_deleted or not p["deleted"])
            ]

    def delete_post(self, post_id: str) -> None:
        """The Page's admin deletes a post by hand: the Graph API no longer finds it."""
        with self.cond:
            self._posts[post_id]["deleted"] = True
            self.cond.notify_all()

    def post(self, post_id: str) -> JSON:
        with self.cond:
            if post_id not in self._posts:
                raise KeyError(f"no post {post_id}; known: {sorted(self._posts)}")
            return copy.deepcopy(self._posts[post_id])

    def photos(self, page_id: str) -> list[JSON]:
        """Photos uploaded to the page (published or not), in upload order (copies)."""
        with self.cond:
            return [copy.deepcopy(p) for p in self._photos.values() if p["page_id"] == page_id]

    def calls(self, path_suffix: str | None = None, *, since: int = 0) -> list[GraphCall]:
        with self.cond:
            return [
                c
                for c in self._calls[since:]
                if path_suffix is None or c.path.rstrip("/").endswith(_suffix(path_suffix))
            ]

    def mark(self) -> int:
        """The number of calls so far, for ``since=``."""
        with self.cond:
            return len(self._calls)

    def wait_for_call(
        self,
        path_suffix: str,
        predicate: Callable[[GraphCall], bool] = lambda call: True,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> GraphCall:
        """The first call whose path ends with ``path_suffix`` (index >= ``since``, so calls
        made before the wait count unless ``since=graph.mark()``)."""
        suffix = _suffix(path_suffix)

        def probe() -> GraphCall | None:
            for call in self._calls[since:]:
                if call.path.rstrip("/").endswith(suffix) and predicate(call):
                    return call
            return None

        return self.wait_until(
            probe,
            timeout=timeout,
            describe=lambda: (
                f"no call to *{suffix} since #{since}; calls: "
                f"{[f'{c.http_method} {c.path}->{c.status}' for c in self._calls[since:]]}"
            ),
        )

    def wait_for_posts(self, page_id: str, n: int, timeout: float = 5.0) -> list[JSON]:
        """Wait until the page has at least ``n`` (non-deleted) posts; returns them all."""

        def probe() -> list[JSON] | None:
            found = [
                copy.deepcopy(p)
                for p in self._posts.values()
                if p["page_id"] == page_id and not p["deleted"]
            ]
            return found if len(found) >= n else None

        return self.wait_until(
            probe,
            timeout=timeout,
            describe=lambda: (
                f"wanted {n} post(s) on page {page_id}, have "
                f"{[p['message'] for p in self._posts.values() if p['page_id'] == page_id]}"
            ),
        )

    # -- fault injection -------------------------------------------------------------------

    def fail_next(
        self,
        path_suffix: str,
        *,
        status: int,
        body: JSON | str,
        content_type: str = GRAPH_JSON,
        times: int = 1,
        method: str | None = None,
    ) -> None:
        """The next ``times`` requests whose path ends with ``path_suffix`` get this answer and
        change nothing.  A dict body is sent as JSON (an ``error`` without ``fbtrace_id`` gets
        one); a str body is sent verbatim, e.g. ``BAD_GATEWAY_HTML`` with
        ``content_type="text/html"``.  See :func:`rate_limit_body`, :func:`duplicate_post_body`.
        """
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body = copy.deepcopy(body)
            body["error"].setdefault("fbtrace_id", fbtrace_id())
        self._add(
            _Fault(
                "fail",
                _suffix(path_suffix),
                method,
                times,
                status=status,
                body=body,
                content_type=content_type,
            )
        )

    def drop_connection_next(
        self, path_suffix: str, store: bool = True, *, times: int = 1, method: str | None = None
    ) -> None:
        """Close the socket without answering.  ``store=True``: the request is carried out
        first (the post exists: it reached Facebook); ``store=False``: nothing happens."""
        self._add(_Fault("drop", _suffix(path_suffix), method, times, store=store))

    def delay_next(
        self, path_suffix: str, seconds: float, *, times: int = 1, method: str | None = None
    ) -> None:
        """Carry the request out at once, answer after ``seconds`` (``stop()`` interrupts)."""
        self._add(_Fault("delay", _suffix(path_suffix), method, times, seconds=seconds))

    def _add(self, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be >= 1")
        with self.cond:
            self._faults.append(fault)

    def _take_fault(self, http_method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.matches(http_method, path):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    # -- HTTP ------------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        params: JSON = dict(request.query)
        if isinstance(request.json_body, dict):
            params.update(request.json_body)
        params.update(request.form)
        token = _token(params, request.headers)
        with self.cond:
            fault = self._take_fault(request.method, request.path)
            dropped = fault is not None and fault.kind == "drop"
            delay = fault.seconds if fault is not None and fault.kind == "delay" else 0.0
            headers = {"facebook-api-version": self.version, "x-fb-trace-id": fbtrace_id()}
            status: int
            payload: JSON | str
            content_type = GRAPH_JSON
            if fault is not None and fault.kind == "fail":
                status, payload, content_type = fault.status, fault.body, fault.content_type
            elif dropped and fault is not None and not fault.store:
                status, payload = 0, ""
            else:
                try:
                    status, payload = 200, self._route(request, params, token)
                except _GraphError as exc:
                    status, payload = exc.status, exc.body
                    headers.update(exc.headers)
            self._calls.append(
                GraphCall(
                    index=len(self._calls),
                    http_method=request.method,
                    path=request.path,
                    params=_record_params(params, request.files),
                    token=token,
                    status=status,
                    response=None if dropped else copy.deepcopy(payload),
                    dropped=dropped,
                    delay=delay,
                )
            )
            self.cond.notify_all()
        if dropped:
            return HttpResponse(drop=True)
        body = json_bytes(payload) if isinstance(payload, dict) else payload.encode("utf-8")
        return HttpResponse(status, body, content_type, headers, delay=delay)

    def internal_error_response(self) -> HttpResponse:
        body = graph_error_body(
            1, "An unknown error occurred (the fake crashed)", is_transient=False
        )
        return HttpResponse(500, json_bytes(body), GRAPH_JSON)

    # -- routing ---------------------------------------------------------------------------

    def _route(self, request: HttpRequest, params: JSON, token: str | None) -> JSON:
        parts = [p for p in request.path.split("/") if p]
        got = parts[0] if parts and _VERSION.match(parts[0]) else "unversioned"
        if got != self.version:
            raise _GraphError(
                400,
                graph_error_body(
                    2635,
                    f"(#2635) You are calling a deprecated version of the Graph API ({got}). "
                    f"Please update to the latest version: {self.version}.",
                ),
            )
        rest = parts[1:]
        verb = request.method.upper()
        page_id = self._authenticate(token)
        read = self._engagement_read(rest, verb, params, page_id)
        if read is not None:
            return read
        if not rest:
            raise _error(400, 100, "(#100) Missing node id", subcode=None)
        node_id = page_id if rest[0] == "me" else rest[0]
        node = self._lookup(node_id)
        if node is None:
            action = {"GET": "get", "POST": "post", "DELETE": "delete"}.get(verb, verb.lower())
            raise _unsupported(action, rest[0])
        kind, obj = node
        if len(rest) > 2 or (len(rest) == 2 and (kind != "page" or rest[1] not in _EDGES)):
            raise _error(400, 2500, f"Unknown path components: /{'/'.join(rest[1:])}")
        if len(rest) == 1:
            return self._on_node(verb, kind, obj, page_id, params)
        edge = rest[1]
        if verb == "POST" and edge == "feed":
            return self._post_feed(obj, page_id, params, request.files)
        if verb == "POST" and edge == "photos":
            return self._post_photo(obj, page_id, params, request.files)
        if verb == "GET" and edge in ("feed", "posts", "published_posts"):
            posts = [
                self._post_view(p, ("created_time", "message", "id"))
                for p in reversed(list(self._posts.values()))
                if p["page_id"] == obj["id"] and p["published"] and not p["deleted"]
            ]
            return {"data": posts}
        if verb == "GET" and edge == "photos":
            photos = [
                {"created_time": p["created_time"], "id": p["id"]}
                for p in reversed(list(self._photos.values()))
                if p["page_id"] == obj["id"]
            ]
            return {"data": photos}
        raise _unsupported(verb.lower(), f"{rest[0]}/{edge}")

    def _authenticate(self, token: str | None) -> str:
        if not token:
            message = "An access token is required to request this resource."
            raise _GraphError(
                400,
                graph_error_body(104, message),
                {"WWW-Authenticate": f'OAuth "Facebook Platform" "invalid_request" "{message}"'},
            )
        if token in self._expired:
            expired = self._expired[token].astimezone(_PACIFIC)
            now = dt.datetime.fromtimestamp(self._clock(), tz=_PACIFIC)
            message = (
                f"Error validating access token: Session has expired on {_fb_time(expired)}. "
                f"The current time is {_fb_time(now)}."
            )
            raise _GraphError(
                400,
                graph_error_body(190, message, subcode=463),
                {"WWW-Authenticate": f'OAuth "Facebook Platform" "invalid_token" "{message}"'},
            )
        page_id = self._tokens.get(token)
        if page_id is None:
            message = "Invalid OAuth access token - Cannot parse access token"
            raise _GraphError(
                400,
                graph_error_body(190, message),
                {"WWW-Authenticate": f'OAuth "Facebook Platform" "invalid_token" "{message}"'},
            )
        return page_id

    def _lookup(self, node_id: str) -> tuple[str, JSON] | None:
        if node_id in self._pages:
            return "page", self._pages[node_id]
        post = self._posts.get(node_id)
        if post is not None and not post["deleted"]:
            return "post", post
        photo = self._photos.get(node_id)
        if photo is not None and not photo["deleted"]:
            return "photo", photo
        return None

    def _fields(self, params: JSON, allowed: tuple[str, ...], node_type: str) -> list[str] | None:
        raw = str(params.get("fields") or "").strip()
        if not raw:
            return None
        fields = [re.split(r"[.{]", f, maxsplit=1)[0] for f in _split_fields(raw)]
        fields = [f for f in fields if f]
        for name in fields:
            if name not in allowed:
                raise _error(
                    400,
                    100,
                    f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})",
                )
        return fields

    def _read_node(self, kind: str, obj: JSON, params: JSON) -> JSON:
        if kind == "page":
            fields = self._fields(params, _PAGE_FIELDS, "Page") or ["name", "id"]
            full = {
                "id": obj["id"],
                "name": obj["name"],
                "link": f"https://www.facebook.com/{obj['id']}",
                "category": "Community",
                "fan_count": obj["fans"],
                "followers_count": obj["fans"],
                "access_token": obj["token"],
            }
            out = {f: full[f] for f in fields if f != "id"}
            out["id"] = obj["id"]
            return out
        if kind == "post":
            post_fields = self._fields(params, _POST_FIELDS, "PagePost")
            view = self._post_view(obj, tuple(post_fields or ("created_time", "message", "id")))
            view.update(self._engagement(obj, str(params.get("fields") or "")))
            return view
        fields = self._fields(params, _PHOTO_FIELDS, "Photo") or ["created_time", "name", "id"]
        full = {
            "created_time": obj["created_time"],
            "name": obj["caption"],
            "link": f"https://www.facebook.com/photo.php?fbid={obj['id']}",
            "width": obj["width"],
            "height": obj["height"],
            "page_story_id": obj["post_id"],
        }
        out = {f: full[f] for f in fields if f != "id" and full.get(f) is not None}
        out["id"] = obj["id"]
        return out

    def _post_view(self, post: JSON, fields: tuple[str, ...]) -> JSON:
        page_id, _, story = str(post["id"]).partition("_")
        full = {
            "created_time": post["created_time"],
            "updated_time": post["created_time"],
            "message": post["message"],
            "permalink_url": f"https://www.facebook.com/{page_id}/posts/{story}",
            "is_published": post["published"],
            "link": post["link"],
        }
        out = {f: full[f] for f in fields if f != "id" and full.get(f) is not None}
        out["id"] = post["id"]
        return out

    def _engagement_read(
        self, rest: list[str], verb: str, params: JSON, page_id: str
    ) -> JSON | None:
        """``GET /?ids=...`` and ``GET /{post-id}/insights``; None for any other request."""
        if not rest and params.get("ids") and verb == "GET":
            return self._read_many(str(params["ids"]), params, page_id)
        if len(rest) == 2 and rest[1] == "insights" and verb == "GET":
            node = self._lookup(rest[0])
            if node is not None and node[0] == "post":
                return {"data": self._insights(node[1], str(params.get("metric") or ""))}
        return None

    def _read_many(self, ids_text: str, params: JSON, token_page_id: str) -> JSON:
        """``GET /?ids=a,b&fields=...``: one object per id; one bad id or field fails all."""
        ids = [i.strip() for i in ids_text.split(",") if i.strip()]
        if len(ids) > MAX_IDS:
            raise _error(
                400, 100, f"(#100) Too many IDs. Maximum: {MAX_IDS}. Provided: {len(ids)}."
            )
        missing = [i for i in ids if self._lookup(i) is None]
        if missing:
            raise _error(
                404, 803, f"(#803) Some of the aliases you requested do not exist: {missing[0]}"
            )
        out: JSON = {}
        for node_id in ids:
            node = self._lookup(node_id)
            assert node is not None
            if node[1].get("page_id", node[1]["id"]) != token_page_id:
                raise _error(
                    403,
                    10,
                    "(#10) This endpoint requires the 'pages_read_engagement' "
                    "permission or the 'Page Public Content Access' feature.",
                )
            out[node_id] = self._read_node(node[0], node[1], params)
        return out

    def _engagement(self, post: JSON, raw_fields: str) -> JSON:
        """The engagement fields asked for, laid out as Graph does: edges with a ``summary``
        when asked (``.summary(true)``), ``shares`` only once someone shared."""
        out: JSON = {}
        for spec in _split_fields(raw_fields):
            name = re.split(r"[.{]", spec, maxsplit=1)[0]
            if name == "reactions":
                counts = post.get("reactions", {})
                edge: JSON = {
                    "data": []
                    if ".limit(0)" in spec
                    else [
                        {"id": str(10_000 + i), "name": f"Người {i}", "type": kind}
                        for i, (kind, n) in enumerate(
                            (k, n) for k, n in counts.items() for _ in range(n)
                        )
                    ][:25]
                }
                if ".summary(" in spec:
                    edge["summary"] = {
                        "total_count": sum(counts.values()),
                        "viewer_reaction": "NONE",
                    }
                out["reactions"] = edge
            elif name == "comments":
                edge = {"data": []}
                if ".summary(" in spec:
                    edge["summary"] = {
                        "order": "ranked",
                        "total_count": post.get("comments", 0),
                        "can_comment": True,
                    }
                out["comments"] = edge
            elif name == "shares" and post.get("shares"):
                out["shares"] = {"count": post["shares"]}
            elif name == "insights":
                match = re.search(r"\.metric\(([^)]*)\)", spec)
                out["insights"] = {"data": self._insights(post, match.group(1) if match else "")}
        return out

    def _insights(self, post: JSON, metrics_text: str) -> list[JSON]:
        metrics = [m.strip() for m in metrics_text.split(",") if m.strip()]
        if not metrics or any(m not in self._metrics for m in metrics):
            raise _error(400, 100, INVALID_METRIC)
        if self._pages[post["page_id"]]["fans"] < INSIGHTS_MIN_FANS:
            return []
        values = post.get("insights", {})
        return [
            {
                "name": m,
                "period": "lifetime",
                "values": [{"value": values.get(m, 0)}],
                "title": m.replace("_", " ").capitalize(),
                "description": f"Lifetime: {m}",
                "id": f"{post['id']}/insights/{m}/lifetime",
            }
            for m in metrics
        ]

    def _require_page_token(self, page: JSON, token_page_id: str) -> None:
        if page["id"] != token_page_id:
            raise _error(403, 200, PERMISSION_200)

    def _post_feed(
        self, page: JSON, token_page_id: str, params: JSON, files: dict[str, UploadedFile]
    ) -> JSON:
        self._require_page_token(page, token_page_id)
        message = str(params.get("message") or "") or None
        link = str(params.get("link") or "") or None
        media = _attached_media(params)
        if message is None and link is None and not media:
            raise _error(400, 100, "(#100) Missing message or attachment")
        post_id = f"{page['id']}_{next(self._post_seq)}"
        self._posts[post_id] = {
            "id": post_id,
            "page_id": page["id"],
            "message": message,
            "link": link,
            "published": _graph_bool(params.get("published"), default=True),
            "scheduled_publish_time": params.get("scheduled_publish_time"),
            "attached_media": media,
            "photo_id": None,
            "created_time": self._now(),
            "deleted": False,
            "params": _record_params(params, files),
        }
        self.cond.notify_all()
        return {"id": post_id}

    def _post_photo(
        self, page: JSON, token_page_id: str, params: JSON, files: dict[str, UploadedFile]
    ) -> JSON:
        self._require_page_token(page, token_page_id)
        source = files.get("source")
        url = str(params.get("url") or "") or None
        if source is None and url is None:
            raise _error(400, 324, "(#324) Requires upload file")
        size = (1280, 720)
        if source is not None:
            measured = image_size(source.data)
            if measured is None:
                raise _error(400, 324, "(#324) Missing or invalid image file")
            size = measured
        published = _graph_bool(params.get("published"), default=True)
        caption = str(params.get("caption") or params.get("message") or "") or None
        photo_id = str(next(self._photo_seq))
        post_id = None
        now = self._now()
        if published:
            post_id = f"{page['id']}_{next(self._post_seq)}"
            self._posts[post_id] = {
                "id": post_id,
                "page_id": page["id"],
                "message": caption,
                "link": None,
                "published": True,
                "scheduled_publish_time": None,
                "attached_media": [],
                "photo_id": photo_id,
                "created_time": now,
                "deleted": False,
                "params": _record_params(params, files),
            }
        self._photos[photo_id] = {
            "id": photo_id,
            "page_id": page["id"],
            "caption": caption,
            "published": published,
            "url": url,
            "source": source,
            "width": size[0],
            "height": size[1],
            "post_id": post_id,
            "created_time": now,
            "deleted": False,
            "params": _record_params(params, files),
        }
        self.cond.notify_all()
        return {"id": photo_id} if post_id is None else {"id": photo_id, "post_id": post_id}

    def _on_node(self, verb: str, kind: str, obj: JSON, page_id: str, params: JSON) -> JSON:
        """``GET``, ``DELETE`` or ``POST`` (an edit) on one node."""
        if verb == "GET":
            return self._read_node(kind, obj, params)
        if verb == "DELETE" and kind in ("post", "photo"):
            return self._delete(kind, obj, page_id)
        if verb == "POST" and kind == "post":
            return self._edit_post(obj, page_id, params)
        raise _unsupported(verb.lower(), obj["id"])

    def _edit_post(self, post: JSON, token_page_id: str, params: JSON) -> JSON:
        """``POST /{post-id}`` with a new ``message``: the Page's post reads it from now on
        (and its photo's caption, for a photo post)."""
        if post["page_id"] != token_page_id:
            raise _error(403, 200, "(#200) Permissions error")
        message = str(params.get("message") or "") or None
        if message is None:
            raise _error(400, 100, "(#100) Missing message or attachment")
        post.setdefault("edits", []).append(post["message"])
        post["message"] = message
        if post["photo_id"] in self._photos:
            self._photos[post["photo_id"]]["caption"] = message
        self.cond.notify_all()
        return {"success": True}

    def _delete(self, kind: str, obj: JSON, token_page_id: str) -> JSON:
        if obj["page_id"] != token_page_id:
            raise _error(403, 200, "(#200) Permissions error")
        obj["deleted"] = True
        if kind == "photo" and obj["post_id"] in self._posts:
            self._posts[obj["post_id"]]["deleted"] = True
        self.cond.notify_all()
        return {"success": True}

    def _now(self) -> str:
        moment = dt.datetime.fromtimestamp(self._clock(), tz=dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


_EDGES = frozenset({"feed", "photos", "posts", "published_posts"})


def _split_fields(raw: str) -> list[str]:
    """Top-level fields of a ``fields=`` value (commas inside ``(...)`` or ``{...}`` stay)."""
    out, depth, current = [], 0, ""
    for ch in raw:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        out.append(current.strip())
    return out


def _suffix(path_suffix: str) -> str:
    path_suffix = path_suffix.rstrip("/")
    return path_suffix if path_suffix.startswith("/") else "/" + path_suffix


def _token(params: JSON, headers: dict[str, str]) -> str | None:
    token = params.get("access_token")
    if token:
        return str(token)
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() in ("oauth", "bearer") and value.strip():
        return value.strip()
    return None


def _error(
    status: int,
    code: int,
    message: str,
    *,
    subcode: int | None = None,
    type: str = "OAuthException",
) -> _GraphError:
    return _GraphError(status, graph_error_body(code, message, type=type, subcode=subcode))


def _unsupported(action: str, object_id: str) -> _GraphError:
    return _error(
        400,
        100,
        f"Unsupported {action} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please read the "
        "Graph API documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
        type="GraphMethodException",
    )


def _graph_bool(value: Any, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("false", "0", "no")


def _attached_media(params: JSON) -> list[Any]:
    media: list[Any] = []
    whole = params.get("attached_media")
    if isinstance(whole, str):
        try:
            whole = json.loads(whole)
        except json.JSONDecodeError:
            whole = None
    if isinstance(whole, list):
        media.extend(whole)
    indexed = sorted(
        (int(m.group(1)), key)
        for key in params
        if (m := re.match(r"^attached_media\[(\d+)\]$", key)) is not None
    )
    for _, key in indexed:
        value = params[key]
        if isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        media.append(value)
    return media


def _record_params(params: JSON, files: dict[str, UploadedFile]) -> JSON:
    out: JSON = {}
    for key, value in params.items():
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            try:
                out[key] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        out[key] = value
    out.update(files)
    return out


def _fb_time(moment: dt.datetime) -> str:
    """Graph's wording: ``Friday, 09-Jun-17 11:00:00 PDT``."""
    return moment.strftime("%A, %d-%b-%y %H:%M:%S %Z")
