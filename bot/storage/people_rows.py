"""People rows: roles granted in chat and the language each person uses.

Keyword-only functions, each taking the session it works in; they do not commit (the
caller's ``session_scope`` does), so a multi-step change is all-or-nothing."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.storage.models import Grant, Person, utcnow


def remember_language(session: Session, *, user_id: int, language_code: str | None) -> bool:
    """Store the language a person's app reports; False when it was already known."""
    person = session.get(Person, user_id)
    if person is not None and person.language_code == language_code:
        return False
    person = person or Person(user_id=user_id)
    person.language_code, person.updated_at = language_code, utcnow()
    session.add(person)
    session.flush()
    return True


def language_codes(session: Session, *, user_ids: list[int]) -> dict[int, str | None]:
    """The stored language of each of these people (absent: never wrote to the bot)."""
    if not user_ids:
        return {}
    query = select(Person).where(col(Person.user_id).in_(user_ids))
    return {p.user_id: p.language_code for p in session.exec(query).all()}


def grants_of(session: Session, *, user_id: int) -> set[str]:
    return set(session.exec(select(Grant.role).where(Grant.user_id == user_id)).all())


def grant(session: Session, *, user_id: int, role: str, by: int | None) -> bool:
    if session.get(Grant, (user_id, role)) is not None:
        return False
    session.add(Grant(user_id=user_id, role=role, granted_by=by))
    session.flush()
    return True


def revoke(session: Session, *, user_id: int, role: str) -> bool:
    found = session.get(Grant, (user_id, role))
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def granted(session: Session, *, role: str) -> list[int]:
    return list(session.exec(select(Grant.user_id).where(Grant.role == role)).all())
