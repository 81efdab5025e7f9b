"""Who hears each recorded event: its deliveries, listed once per event, from the people of
the moment (the admins when the event is expanded, the officer whose recap a post came from).

Subscribers: ``admins`` (the admins' alerts, the weekly summary, tomorrow's empty slots),
``approval`` (a draft with its buttons to each admin), ``submitter`` (the officer whose
recap became the post: it waits, it was decided, it is out), ``officer`` (a named officer:
a rejection's reason; tomorrow's empty slots of their unit), ``copies`` (each admin holding
a copy of a post's approval request: brought in step after a change)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Config
from bot.domain.notices import (
    ADMIN_NOTICES,
    ApprovalRequested,
    Decided,
    Notice,
    PostChanged,
    Published,
    ReasonGiven,
    SlotsEmpty,
    WeekEnded,
)
from bot.services import access
from bot.services.views import EventDeliveryView
from bot.storage import event_rows, post_rows, recap_rows

ADMINS, APPROVAL, SUBMITTER, OFFICER = "admins", "approval", "submitter", "officer"
COPIES = "copies"
#: The name a change made from the command line is shown with on the admins' copies.
CLI = "goodnews CLI"


def expand(session: Session, config: Config, *, now: datetime) -> int:
    """List the deliveries of every event not yet expanded; how many events were."""
    events = event_rows.unexpanded(session)
    for event_id, notice in events:
        recipients = _recipients(session, config, notice)
        event_rows.expand(session, event_id=event_id, recipients=recipients, now=now)
    return len(events)


def _recipients(session: Session, config: Config, notice: Notice) -> list[tuple[str, int]]:
    admins = access.people_with(session, config, "admin")
    if isinstance(notice, (*ADMIN_NOTICES, WeekEnded)):
        return [(ADMINS, admin) for admin in admins]
    if isinstance(notice, ApprovalRequested):  # the officer after the admins: see the chat
        officer = submitter(session, post_id=notice.post_id)
        return [(APPROVAL, a) for a in admins] + [(SUBMITTER, o) for o in [officer] if o]
    if isinstance(notice, Published | Decided):
        return [(SUBMITTER, o) for o in [submitter(session, post_id=notice.post_id)] if o]
    if isinstance(notice, ReasonGiven):
        return [(OFFICER, notice.officer)]
    if isinstance(notice, PostChanged):  # the copies kept when the event is expanded
        copies = post_rows.approval_messages(session, post_id=notice.post_id)
        return [(COPIES, copy.chat_id) for copy in copies]
    assert isinstance(notice, SlotsEmpty)
    audiences = {audience for *_, audience in notice.slots}
    officers = [
        (OFFICER, o)
        for o in access.people_with(session, config, "officer")
        if o not in admins and config.audience_of_officer(o) in audiences
    ]
    return [(ADMINS, admin) for admin in admins] + officers


def submitter(session: Session, *, post_id: int) -> int | None:
    """The officer whose recap became this post (None: written by hand, or by the CLI)."""
    post = post_rows.get_post(session, post_id=post_id)
    if post.recap_id is None:
        return None
    return recap_rows.get_recap(session, recap_id=post.recap_id).submitted_by


def ask_admins(session: Session, *, post_id: int) -> None:
    """Record that the admins of the moment must get this pending draft with its buttons
    (a new round each time: a post unapproved is asked again)."""
    done = event_rows.count_keys(session, prefix=f"approval:{post_id}:")
    event_rows.record(session, notice=ApprovalRequested(post_id, done + 1))


def tell_decided(session: Session, *, post_id: int, approved: bool, slot: datetime | None) -> None:
    """Record that the officer whose recap became this post must hear the admins' decision
    (with the decision itself: told once, even if the process dies before the message)."""
    done = event_rows.count_keys(session, prefix=f"decided:{post_id}:")
    event_rows.record(session, notice=Decided(post_id, approved, slot, done + 1))


def copies_follow(session: Session, *, post_id: int, who: str = CLI, votes: bool = False) -> None:
    """Record that every admin's copy of the post's approval request must show the post as
    it now stands (with the change: brought in step even if the process dies before the
    edit). ``who`` decided it; ``votes``: a vote short of the quorum, shown under the draft."""
    done = event_rows.count_keys(session, prefix=f"changed:{post_id}:")
    event_rows.record(session, notice=PostChanged(post_id, done + 1, who, votes))


def copies_show_new_slot(session: Session, *, post_id: int) -> None:
    """A scheduled post moved to another slot (caught up, sent now, swapped): its copies
    say when it goes out now, still naming whoever approved it."""
    before = event_rows.notices_with(session, prefix=f"changed:{post_id}:")
    last = before[-1] if before else None
    copies_follow(session, post_id=post_id, who=last.who if isinstance(last, PostChanged) else CLI)


def claim(
    session: Session, *, now: datetime, lease_until: datetime, limit: int
) -> list[tuple[EventDeliveryView, Notice]]:
    """Deliveries due, each with its notice, claimed until ``lease_until`` (see
    :func:`bot.storage.event_rows.claim`)."""
    found = event_rows.claim(session, now=now, lease_until=lease_until, limit=limit)
    return [(EventDeliveryView.of(delivery), notice) for delivery, notice in found]
