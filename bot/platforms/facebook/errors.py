"""facebook-sdk's and requests' errors sorted into ours by the Graph error code: retry later,
needs an admin, permanent, or unknown outcome."""

from __future__ import annotations

from typing import Any

import requests

from bot.domain.errors import (
    AlreadyPublishedError,
    CredentialsError,
    NeedsAdminError,
    PermanentError,
    PublishError,
    RetryableError,
    UnknownOutcomeError,
)

RETRY_CODES = frozenset({1, 2, 4, 17, 32, 341, 613})
ADMIN_CODES = frozenset({10, 190, 368}) | frozenset(range(200, 300))
DUPLICATE_CODE = 506
TOKEN_CODE = 190


def translate_error(exc: Any, where: str) -> PublishError:
    """Sort a GraphAPIError by its code into retry later / needs an admin / permanent;
    ``where`` names the Page for people."""
    code = exc.code
    message = str(exc.message) if exc.message else "no message"
    if code is None:  # not a Graph JSON error: a proxy's HTML page, a 5xx
        return UnknownOutcomeError(f"{where}: unexpected answer from Facebook: {message[:200]}")
    if code in RETRY_CODES:
        return RetryableError(f"{where}: Facebook asks to retry later (#{code}): {message}")
    if code == TOKEN_CODE:
        return CredentialsError(
            f"{where}: the Page token is expired or invalid (#{code}) {message}"
        )
    if code in ADMIN_CODES:
        return NeedsAdminError(f"{where}: (#{code}) {message}")
    if code == DUPLICATE_CODE:
        return AlreadyPublishedError(f"{where}: Facebook already has this post (#{code})")
    return PermanentError(f"{where}: Facebook refused the post (#{code}): {message}")


def translate_network_error(exc: requests.RequestException, where: str) -> PublishError:
    if isinstance(exc, requests.ConnectTimeout | requests.ConnectionError) and not isinstance(
        exc, requests.ReadTimeout
    ):
        sent = "Connection aborted" in str(exc) or "RemoteDisconnected" in str(exc)
        if not sent:
            return RetryableError(f"{where}: could not reach Facebook: {exc}")
    return UnknownOutcomeError(f"{where}: no answer from Facebook, the post may be out: {exc}")
