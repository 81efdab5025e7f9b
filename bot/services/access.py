"""People and their roles: owners, admins and officers, from the config and granted in chat."""

from __future__ import annotations

from sqlmodel import Session

from bot.config import Config
from bot.domain.errors import N_, InvalidStateError
from bot.services.views import PostView
from bot.storage import audit_rows, people_rows
from bot.storage.models import Post

ROLES = ("admin", "officer")


def roles_of(session: Session, config: Config, user_id: int) -> set[str]:
    """A Telegram user's roles: from config (owners are admins too) and granted in chat."""
    telegram = config.settings.telegram
    roles = people_rows.grants_of(session, user_id=user_id)
    if user_id in telegram.owners:
        roles |= {"owner", "admin"}
    if user_id in telegram.admins:
        roles.add("admin")
    if user_id in telegram.officers or config.unit_of_officer(user_id) is not None:
        roles.add("officer")
    return roles


def audiences(config: Config, user_id: int, admin: bool) -> set[str | None] | None:
    """Whose posts a person sees on the dashboard: every one for an admin (None), else
    their unit's (None in the set: the organisation's)."""
    if admin:
        return None
    return {config.audience_of_officer(user_id)}


def may_see(config: Config, user_id: int, admin: bool, post: PostView | Post) -> bool:
    """Whether the person may see the post (and its photos) on the dashboard."""
    seen = audiences(config, user_id, admin)
    return seen is None or post.audience in seen or post.unit in seen


def people_with(session: Session, config: Config, role: str) -> list[int]:
    """Everyone holding ``role`` (in config or granted), in a stable order."""
    telegram = config.settings.telegram
    configured = {
        "admin": [*telegram.owners, *telegram.admins],
        "officer": [*telegram.officers, *(o for u in config.units for o in u.officers)],
    }[role]
    return list(dict.fromkeys([*configured, *people_rows.granted(session, role=role)]))


def change_role(
    session: Session, config: Config, *, owner: int, user_id: int, role: str, give: bool
) -> bool:
    """An owner grants or revokes a role; False when nothing changed."""
    if "owner" not in roles_of(session, config, owner):
        raise InvalidStateError(N_("only an owner (telegram.owners) can change roles"))
    if role not in ROLES:
        raise InvalidStateError(
            N_("unknown role {role!r}; roles: {roles}"), role=role, roles=", ".join(ROLES)
        )
    changed = (
        people_rows.grant(session, user_id=user_id, role=role, by=owner)
        if give
        else people_rows.revoke(session, user_id=user_id, role=role)
    )
    if changed:
        audit_rows.audit(
            session,
            actor=owner,
            action="grant" if give else "revoke",
            detail=f"{role} for {user_id}",
        )
    return changed
