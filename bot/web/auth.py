"""Who is at the dashboard: the Telegram Login Widget's signed answer, a signed session
cookie, and a CSRF token bound to that session.

The widget check is Telegram's own recipe: HMAC-SHA256 over the received fields but
``hash``, as sorted ``key=value`` lines joined by ``\\n``, keyed with SHA-256 of the bot
token. The cookie is ``payload.signature`` (our HMAC), so nothing is kept server-side for
a session; the CSRF token is an HMAC of the session's random id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import N_, UserError

#: The widget's fields; anything else in the query is not signed by Telegram and refused.
WIDGET_FIELDS = frozenset({"id", "first_name", "last_name", "username", "photo_url", "auth_date"})


class LoginError(UserError):
    """A login that must not be accepted (forged, stale, incomplete)."""


def widget_hash(fields: Mapping[str, str], bot_token: str) -> str:
    """The ``hash`` Telegram computes for these fields (everything but ``hash``)."""
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")
    key = hashlib.sha256(bot_token.encode()).digest()
    return hmac.new(key, check.encode(), hashlib.sha256).hexdigest()


def verify_widget(
    fields: Mapping[str, str], *, bot_token: str, now: datetime, max_age: timedelta
) -> int:
    """The Telegram user id the widget vouches for; LoginError for anything else."""
    missing = [name for name in ("id", "auth_date", "hash") if not fields.get(name)]
    if missing:
        raise LoginError(N_("the login is missing {fields}"), fields=", ".join(missing))
    unknown = set(fields) - WIDGET_FIELDS - {"hash"}
    if unknown:
        raise LoginError(N_("the login has fields Telegram does not send"))
    if not hmac.compare_digest(widget_hash(fields, bot_token), fields["hash"]):
        raise LoginError(N_("the login is not signed by Telegram"))
    if not fields["auth_date"].isdigit() or not fields["id"].isdigit():
        raise LoginError(N_("the login is malformed"))
    age = now.timestamp() - int(fields["auth_date"])
    if age > max_age.total_seconds():
        raise LoginError(N_("the login is too old; log in again"))
    return int(fields["id"])


@dataclass(frozen=True)
class SignedIn:
    """A logged-in person: their Telegram id, a random id for CSRF, when it began, and the
    name Telegram gave (shown in the admins' chat copies: signed, so nobody can pick one)."""

    user_id: int
    sid: str
    issued: int  # unix seconds
    name: str = ""


class Signer:
    """Signs and checks cookies and CSRF tokens with one secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def for_token(cls, bot_token: str | None) -> Signer:
        """GOODNEWS_WEB_SECRET if set; else derived from the bot token (sessions survive a
        restart); else a random one (sessions end with the process)."""
        configured = os.environ.get("GOODNEWS_WEB_SECRET")
        if configured:
            return cls(configured.encode())
        if bot_token:
            return cls(hmac.new(bot_token.encode(), b"goodnews web session", "sha256").digest())
        return cls(secrets.token_bytes(32))

    def _mac(self, purpose: str, data: bytes) -> str:
        mac = hmac.new(self._secret, purpose.encode() + b"\0" + data, hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def cookie(self, session: SignedIn) -> str:
        payload = json.dumps([session.user_id, session.sid, session.issued, session.name]).encode()
        encoded = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{encoded}.{self._mac('cookie', payload)}"

    def session(self, cookie: str | None, *, now: datetime, max_age: timedelta) -> SignedIn | None:
        """The session in a cookie we signed and that has not expired; else None."""
        if not cookie or cookie.count(".") != 1:
            return None
        encoded, mac = cookie.split(".")
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            user_id, sid, issued, name = json.loads(payload)
        except (ValueError, TypeError):
            return None
        signed = hmac.compare_digest(self._mac("cookie", payload), mac)
        shaped = isinstance(user_id, int) and isinstance(issued, int)
        shaped = shaped and isinstance(sid, str) and isinstance(name, str)
        if not signed or not shaped or now.timestamp() - issued > max_age.total_seconds():
            return None
        return SignedIn(user_id, sid, issued, name)

    def csrf(self, session: SignedIn) -> str:
        return self._mac("csrf", session.sid.encode())


def new_session(user_id: int, now: datetime, name: str = "") -> SignedIn:
    return SignedIn(user_id, secrets.token_urlsafe(16), int(now.timestamp()), name)


def link_secret() -> tuple[str, str]:
    """A one-time login link's secret and the digest stored for it."""
    secret = secrets.token_urlsafe(24)
    return secret, link_digest(secret)


def link_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
