"""Can each Facebook Page publish for real? ``GET /{page-id}`` and ``GET /me`` with the Page
token (is the token valid, is the page right, is the token that page's own). Nothing is sent
or changed.

Library errors become a :class:`ChannelCheck` here and never escape. No message built here
contains a token: requests' connection errors can quote it (in the URL), so their text is
never shown.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import facebook
import requests

from bot.config import ENV_FACEBOOK_TOKEN, ChannelConfig, Config
from bot.domain.errors import N_, Text
from bot.platforms.base import ChannelCheck, Finding, Verdicts
from bot.platforms.base import quote as _quote
from bot.platforms.facebook.client import make_graph
from bot.platforms.facebook.errors import ADMIN_CODES, RETRY_CODES
from bot.platforms.facebook.platform import PLATFORM

_verdicts = Verdicts(PLATFORM)
_ok = _verdicts.ok
_said = _verdicts.said


# A comma, not "and": the list also sits in Vietnamese lines.
_PERMISSIONS = "pages_manage_posts, pages_read_engagement"
_NEW_TOKEN_FIX = N_(
    "create a new long-lived Page access token: in the Graph API Explorer, get a user token "
    "with {permissions} (by a person with full control of the Page), exchange it for a "
    "long-lived one (GET /oauth/access_token with grant_type=fb_exchange_token), then "
    "GET /me/accounts and copy the access_token of page {page_id}; put it in {env} in the "
    "environment or in .env, and restart the worker (goodnews run)"
)
_DRY_RUN = N_(
    "dry-run mode: {env} is not set, so posts are written to {outbox}/ instead of being "
    "published on the Page"
)
_GO_LIVE = N_(
    "create a Page access token of page {page_id} with {permissions}, put {env}=<token> in "
    "the environment or in .env, and run goodnews check again"
)
_SESSION_EXPIRED = 463
_TRY_AGAIN = N_(
    "try again in a few minutes; if it persists, check facebook.graph_url in the config"
)


async def check(config: Config, channels: list[ChannelConfig]) -> list[ChannelCheck]:
    """One check per Facebook channel, in order; the SDK runs in a worker thread."""
    graph = make_graph(config)
    if graph is None:
        return [
            _verdicts.dry_run(
                config, c, _DRY_RUN, _GO_LIVE, page_id=c.target, permissions=_PERMISSIONS
            )
            for c in channels
        ]
    url, token = config.settings.facebook.graph_url, graph.access_token
    return [await asyncio.to_thread(_check_page, graph, c, url, token) for c in channels]


def _check_page(graph: Any, channel: ChannelConfig, graph_url: str, token: str) -> ChannelCheck:
    try:
        page = graph.get_object(channel.target, fields="id,name")
        owner = graph.get_object("me", fields="id,name")
    except facebook.GraphAPIError as exc:
        return _graph_error(exc, channel, graph_url, token)
    except requests.RequestException as exc:  # its text may hold the URL, token included
        what = (
            N_("cannot reach Facebook at {url} (timed out)")
            if isinstance(exc, requests.Timeout)
            else N_("cannot reach Facebook at {url} (the connection failed)")
        )
        return _said(
            channel,
            Finding.UNREACHABLE,
            what,
            N_(
                "check the network (and facebook.graph_url in the config), then try again "
                "in a few minutes"
            ),
            url=graph_url,
        )
    except (KeyError, ValueError, TypeError) as exc:  # facebook-sdk trips on odd answers
        return _said(  # (no Content-Type, a body that is not JSON): never a traceback
            channel,
            Finding.UNREACHABLE,
            N_("Facebook at {url} gave an answer that cannot be read ({error})"),
            _TRY_AGAIN,
            url=graph_url,
            error=type(exc).__name__,
        )
    name = page.get("name") or channel.target
    return replace(_verdict(channel, page, owner, name), title=page.get("name") or "")


def _verdict(channel: ChannelConfig, page: Any, owner: Any, name: str) -> ChannelCheck:
    """Whether the token is the page's own."""
    if str(owner.get("id")) != str(page.get("id")):
        return _said(
            channel,
            Finding.TOKEN_OF_OTHER_PAGE,
            N_(
                '{env} is not a token of "{name}": it belongs to "{owner}" (id {owner_id}), '
                "so it cannot post on this page"
            ),
            N_(
                "put the Page access token of page {page_id} in {env} (GET /me/accounts "
                "with your user token lists each Page's token) or correct page_id in the "
                "config, and restart the worker (goodnews run)"
            ),
            env=ENV_FACEBOOK_TOKEN,
            name=name,
            owner=owner.get("name"),
            owner_id=owner.get("id"),
            page_id=channel.target,
        )
    return _ok(channel, Text(N_('the Page token is valid and belongs to "{name}"'), name=name))


def _graph_error(exc: Any, channel: ChannelConfig, graph_url: str, token: str) -> ChannelCheck:
    """A Graph error, sorted by its code as the publisher sorts them."""
    code = exc.code
    error = exc.result.get("error") if isinstance(exc.result, dict) else None
    error = error if isinstance(error, dict) else {}
    said = _quote(str(exc.message), token) if code is not None else ""
    if code in (190, 102):
        return _token_error(channel, said, error.get("error_subcode"))
    if code in ADMIN_CODES:  # 10, 200-299 (368: the Page is blocked from posting)
        return _said(
            channel,
            Finding.MISSING_PERMISSION,
            N_("the Page token lacks a permission Facebook requires (Facebook: {said})"),
            N_(
                "create the token again with {permissions}, by a person with full control "
                "of page {page_id}; put it in {env} and restart the worker"
            ),
            said=said,
            permissions=_PERMISSIONS,
            page_id=channel.target,
            env=ENV_FACEBOOK_TOKEN,
        )
    if code == 100 and (error.get("error_subcode") == 33 or "does not exist" in said):
        return _said(
            channel,
            Finding.WRONG_PAGE,
            N_("Facebook knows no Page with id {page_id} that this token can see"),
            N_(
                "correct page_id in the config: the Page's id is under About → Page "
                "transparency, or GET /me with the Page's token"
            ),
            page_id=channel.target,
        )
    if code in RETRY_CODES or error.get("is_transient"):
        return _said(
            channel,
            Finding.RATE_LIMITED if code in (4, 17, 32, 613) else Finding.UNREACHABLE,
            N_("Facebook asks to try again later (Facebook: {said})"),
            N_("wait a few minutes and run goodnews check again"),
            said=said,
        )
    if code is None:  # not Graph's JSON: a proxy's error page (502), a 5xx
        return _said(
            channel,
            Finding.UNREACHABLE,
            N_(
                "Facebook at {url} answered with an error page instead of the Graph API: "
                "it is probably down for a moment"
            ),
            _TRY_AGAIN,
            url=graph_url,
        )
    return _said(
        channel,
        Finding.UNEXPECTED,
        N_("Facebook refused the request (#{code}: {said})"),
        N_("check page_id of channel {name} and the Page token's permissions ({permissions})"),
        code=code,
        said=said,
        name=channel.name,
        permissions=_PERMISSIONS,
    )


def _token_error(channel: ChannelConfig, said: str, subcode: object) -> ChannelCheck:
    """Code 190: the Page token expired (subcode 463) or is invalid; both need a new one."""
    expired = subcode == _SESSION_EXPIRED or "expired" in said.lower()
    return _said(
        channel,
        Finding.TOKEN_EXPIRED if expired else Finding.TOKEN_REFUSED,
        N_("the Page token ({env}) has expired (Facebook: {said})")
        if expired
        else N_("Facebook refused {env}: the token is wrong or was revoked (Facebook: {said})"),
        _NEW_TOKEN_FIX,
        env=ENV_FACEBOOK_TOKEN,
        said=said,
        permissions=_PERMISSIONS,
        page_id=channel.target,
    )
