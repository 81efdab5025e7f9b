"""Our own error types. Adapters translate library errors into these.

Hierarchy::

    GoodnewsError
    ├── UserError                 bad input from a person: one line, no traceback, nothing written
    │   ├── ConfigError           config.toml or the environment is wrong
    │   ├── RecapError            a recap cannot be stored (empty, binary, not UTF-8)
    │   ├── PhotoError            a photo cannot be used (missing, not JPEG/PNG/WebP, too big)
    │   ├── NotFoundError         an id that does not exist
    │   └── InvalidStateError     the action does not fit the post's current state
    └── PublishError              a publisher could not deliver a post to a channel
        ├── RetryableError        try again later (rate limit, network error before sending)
        ├── PermanentError        the platform refused this content; retrying will not help
        │   └── RecipientGoneError  a follower blocked the bot
        ├── NeedsAdminError       credentials or permissions: a person must act
        │   └── CredentialsError  the token is expired, revoked or wrong
        ├── UnknownOutcomeError   the request may have reached the platform; never resend silently
        └── AlreadyPublishedError the platform says the post is already there (Graph #506)
"""

from __future__ import annotations


class GoodnewsError(Exception):
    """Base of every error goodnews raises on purpose."""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention Babel extracts
    """Marks an English message template for the chat catalogs; translated where shown."""
    return message


class Text(str):
    """An English line that keeps its ``template`` (an ``N_`` catalog entry) and ``params``,
    so a reader in another language gets it from the catalogs. As a ``str`` it is the
    English: what logs and ``--json`` show, whatever the reader's language."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, /, **params: object) -> Text:
        text = super().__new__(cls, template.format(**params) if params else template)
        text.template, text.params = template, params
        return text


class UserError(GoodnewsError):
    """A person gave us something we cannot use. The message is shown as is, on one line.

    ``template`` (with ``{name}`` fields filled from ``params``) is what the chat translates:
    the CLI prints the English message, a person in chat reads it in their language.
    """

    def __init__(self, template: str, /, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params) if params else template)


class ConfigError(UserError):
    """The configuration file or environment is invalid."""


class RecapError(UserError):
    """A recap cannot be stored."""


class DuplicateRecapError(RecapError):
    """The recap is identical to a stored one (``recap_id``): nothing was stored."""

    def __init__(self, recap_id: int) -> None:
        super().__init__(N_("same as recap #{recap_id}"), recap_id=recap_id)
        self.recap_id = recap_id


class PhotoError(UserError):
    """A photo given with a post cannot be published."""


class NotFoundError(UserError):
    """An id that names nothing."""


class InvalidStateError(UserError):
    """The requested change does not apply to the object's current state."""


class PublishError(GoodnewsError):
    """Delivery of one post to one channel did not succeed."""

    #: How people read this kind of failure, in front of the message.
    label = "not published"

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        external_id: str | None = None,
        parts: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        #: What did go out before the failure (the first message of a two-request post),
        #: and every message that did when several did (an album's photos).
        self.external_id = external_id
        self.parts = parts


class RetryableError(PublishError):
    """Transient: the same request may succeed later (after ``retry_after`` seconds if given)."""

    label = "retry later"


class PermanentError(PublishError):
    """The platform rejected the request itself; sending it again would fail the same way."""

    label = "refused"


class NeedsAdminError(PublishError):
    """Expired token, missing permission, bot removed: nothing succeeds until a person acts."""

    label = "needs an admin"


class RecipientGoneError(PermanentError):
    """A follower blocked the bot or deleted their account: stop writing to them."""

    label = "follower gone"


class CredentialsError(NeedsAdminError):
    """The token itself is bad (expired, revoked, wrong): set a new one and restart."""

    label = "token expired or invalid"


class UnknownOutcomeError(PublishError):
    """The request may or may not have been applied (timeout after sending, crash)."""

    label = "outcome unknown"


class AlreadyPublishedError(PublishError):
    """The platform refused the post as a duplicate of one it already has: an earlier
    attempt went out after all. Counted as sent, never retried."""

    label = "already published"
