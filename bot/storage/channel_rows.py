"""Channel rows: paused channels and channels held after a refused token.

Keyword-only functions, each taking the session it works in; they do not commit (the
caller's ``session_scope`` does), so a multi-step change is all-or-nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from bot.storage.models import ChannelState, utcnow


def paused_since(session: Session) -> dict[str, datetime]:
    """Channels paused now, and when their state last changed."""
    query = select(ChannelState).where(col(ChannelState.paused).is_(True))
    return {state.name: state.updated_at for state in session.exec(query).all()}


def paused_channels(session: Session) -> set[str]:
    return set(paused_since(session))


def set_paused(session: Session, *, channel: str, paused: bool) -> bool:
    """Pause or resume a channel; False when it already was."""
    state = session.get(ChannelState, channel) or ChannelState(name=channel)  # not paused
    if state.paused == paused:
        return False
    state.paused, state.updated_at = paused, utcnow()
    session.add(state)
    session.flush()
    return True


def hold_channel(session: Session, *, channel: str, reason: str, now: datetime) -> datetime:
    """Hold a channel's publications until a person fixes its credentials; returns since
    when it is held (the first hold's instant when it already was)."""
    state = session.get(ChannelState, channel) or ChannelState(name=channel)
    if state.held_since is None:
        state.held_since, state.held_reason, state.updated_at = now, reason, now
        session.add(state)
        session.flush()
    assert state.held_since is not None
    return state.held_since


def held_channels(session: Session) -> dict[str, str]:
    """Held channel names and why."""
    query = select(ChannelState).where(col(ChannelState.held_since).is_not(None))
    return {s.name: s.held_reason or "" for s in session.exec(query).all()}


def release_holds(session: Session, *, channels: Iterable[str] | None = None) -> list[str]:
    """Let held channels publish again (all of them, or these); the names released."""
    query = select(ChannelState).where(col(ChannelState.held_since).is_not(None))
    if channels is not None:
        query = query.where(col(ChannelState.name).in_(list(channels)))
    released = []
    for state in session.exec(query).all():
        state.held_since, state.held_reason, state.updated_at = None, None, utcnow()
        session.add(state)
        released.append(state.name)
    session.flush()
    return released


def titles(session: Session) -> dict[str, str]:
    """How people know each channel, as its platform last said (channels asked so far)."""
    query = select(ChannelState).where(col(ChannelState.title).is_not(None))
    return {s.name: s.title for s in session.exec(query).all() if s.title}


def set_titles(session: Session, *, titles: dict[str, str]) -> None:
    """Keep each channel's title (a row is made for a channel that has none yet)."""
    for name, title in titles.items():
        state = session.get(ChannelState, name) or ChannelState(name=name)
        if state.title != title[:256]:
            state.title, state.updated_at = title[:256], utcnow()
            session.add(state)
    session.flush()
