"""Every text the bot shows in chat, in one place, in the reader's language.

``Texts(language, tz)`` holds one person's view: each method returns a finished text. The
strings here are the English source; the catalogs in ``bot/locales`` translate them
(``python -m bot.i18n`` keeps them in step). Nothing user-visible is written anywhere
else in the chat layer (``tests/test_i18n.py`` checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from bot import i18n
from bot.domain.compliance import Reason, RotationShare, UnitCompliance
from bot.domain.errors import N_, UserError
from bot.domain.notices import ChannelName
from bot.domain.posts import PostKind, PostStatus
from bot.domain.ranking import cut_at_word
from bot.services.board import SlotLine

if TYPE_CHECKING:
    from bot.report import Report

RULE = "───────────────"


def _fixed(msgid: str) -> Callable[[Texts], str]:
    """A text with nothing to fill in, as a method: ``t.name()`` is it in t's language."""

    def text(self: Texts) -> str:
        return self._(msgid)

    return text


class Texts:
    """The texts for one language and timezone."""

    def __init__(self, language: str, tz: ZoneInfo) -> None:
        self.language = language
        self.tz = tz
        catalog = i18n.translations(language)
        self._ = catalog.gettext
        self.ngettext = catalog.ngettext

    # -- dates and names -------------------------------------------------------------------

    def when(self, instant: datetime) -> str:
        """``07:30 Chủ Nhật 29/11/2026 (GMT+7)``: the slot in the configured zone."""
        local = instant.astimezone(self.tz)
        # Translators: a Unicode date pattern (Babel/CLDR), e.g. "EEEE d MMM yyyy, HH:mm".
        pattern = self._("HH:mm EEEE dd/MM/yyyy")
        offset = local.utcoffset()
        hours = offset.total_seconds() / 3600 if offset is not None else 0.0
        text = format_datetime(local, pattern, tzinfo=self.tz, locale=self.language)
        return f"{text} (GMT{hours:+g})"

    def kind(self, kind: PostKind) -> str:
        if kind is PostKind.WEEKLY:
            return self._("Beautiful story of the week")
        return self._("Good news of the day")

    def error(self, exc: UserError) -> str:
        """A refusal in the reader's language: the error's template is a catalog entry."""
        if not exc.params:
            return self._(exc.template)
        params = dict(exc.params)
        if "status" in params:
            params["status"] = self.status(str(params["status"]))
        return self._(exc.template).format(**params)

    # -- buttons ---------------------------------------------------------------------------

    button_approve = _fixed(N_("✅ Approve"))
    button_reject = _fixed(N_("❌ Reject"))
    button_reschedule = _fixed(N_("🕒 Reschedule"))
    button_now = _fixed(N_("⚡ Post now"))
    button_back = _fixed(N_("↩️ Back"))
    button_edit = _fixed(N_("✏️ Edit"))
    button_retry = _fixed(N_("🔁 Retry"))
    button_went_out = _fixed(N_("✅ It went out"))
    button_send_again = _fixed(N_("📤 Send again"))

    # -- questions the bot asks (their replies are recognised by these prefixes) ------------

    edit_prefix = _fixed(N_("✏️ New text for post #"))

    def ask_edit(self, post_id: int) -> str:
        return self.edit_prefix() + self._(
            "{post_id}? Reply to this message: the first line is the title, the lines below "
            "are the text."
        ).format(post_id=post_id)

    reason_prefix = _fixed(N_("❓ Why is post #"))

    def ask_reason(self, post_id: int) -> str:
        return self.reason_prefix() + self._(
            "{post_id} rejected? Reply to this message (optional)."
        ).format(post_id=post_id)

    # -- followers -------------------------------------------------------------------------

    subscribed = _fixed(
        N_(
            "Hello! From now on you will get one good news a day and one beautiful story a "
            "week.\n/today: the latest good news · /week: this week's story · /stop: unsubscribe"
        )
    )
    already_subscribed = _fixed(N_("You are already subscribed. /stop to unsubscribe."))
    unsubscribed = _fixed(N_("You have unsubscribed. Send /start at any time to subscribe again."))
    not_subscribed = _fixed(N_("You are not subscribed. Send /start to subscribe."))
    choose_units = _fixed(
        N_(
            "Choose whose news you get: press a unit to switch it on (✅) or off (▫️). The "
            "organisation's own news always come."
        )
    )

    def unit_button(self, name: str, following: bool) -> str:
        return f"{'✅' if following else '▫️'} {name}"

    button_all_units = _fixed(N_("All units"))

    def unit_switched(self, name: str, following: bool) -> str:
        if following:
            return self._("✅ You get the news of {unit}.").format(unit=name)
        return self._("▫️ You no longer get the news of {unit}.").format(unit=name)

    all_units_followed = _fixed(N_("You get the news of every unit."))
    nothing_yet = _fixed(N_("Nothing has been published yet."))
    help = _fixed(
        N_(
            "I am the “One good news a day, one beautiful story a week” bot.\n"
            "Admins get drafts here and press Approve or Reject."
        )
    )

    # -- refusals --------------------------------------------------------------------------

    not_allowed = _fixed(N_("You are not allowed to approve posts."))
    admins_only = _fixed(N_("This command is for admins only."))
    not_an_officer = _fixed(
        N_(
            "Only communications officers can send recaps. Send /start to get the good news "
            "every day."
        )
    )
    unknown_button = _fixed(N_("This button no longer works."))
    saving = _fixed(N_("Saving…"))
    busy = _fixed(N_("The database is busy; try again in a moment."))

    def bot_trouble(self, cause: str) -> str:
        return self._("goodnews ran into a problem: {cause}").format(cause=cause)

    def tone(self, tone: str) -> str:
        """A recap's or post's tone as people say it."""
        return self._named(i18n.TONE_NAMES, tone)

    def status(self, status: str) -> str:
        return self._named(i18n.STATUS_NAMES, status)

    def action(self, action: str) -> str:
        """An audit log entry's action as people say it."""
        return self._named(i18n.ACTION_NAMES, action)

    def _named(self, names: Mapping[str, str], value: str) -> str:
        """A stored value as people say it (one this version does not know: as stored)."""
        return self._(names[value]) if value in names else value

    def actor(self, actor: int | None) -> str:
        """Who made a change: a Telegram id, or the command line (and the bot itself)."""
        return str(actor) if actor is not None else self._("command line")

    #: Who decided, on the admins' copies, when it was done at the command line: a person
    #: ("người duyệt: …"), not the tool.
    admin_at_cli = _fixed(N_("an admin, at the command line"))

    # -- approval --------------------------------------------------------------------------

    pick_a_time = _fixed(N_("Pick a time."))
    edited = _fixed(N_("The draft is updated; please approve it again."))

    def vote_counted(self, count: int, needed: int) -> str:
        return self._("Your approval is counted ({count}/{needed}).").format(
            count=count, needed=needed
        )

    def votes_line(self, names: list[str], needed: int, uncounted: Sequence[str] = ()) -> str:
        line = self._("🗳 Approvals {count}/{needed}: {names}").format(
            count=len(names), needed=needed, names=escape(", ".join(names))
        )
        if uncounted:  # revoked after voting: the quorum counts admins only
            line += "\n" + self._("Not counted (no longer admins): {names}").format(
                names=escape(", ".join(uncounted))
            )
        return f"{RULE}\n{line}"

    def approval_request(
        self,
        *,
        post_id: int,
        kind: PostKind,
        slot: datetime,
        recap_id: int | None,
        html: str,
        rotation: str | None = None,
        warning: str | None = None,
    ) -> str:
        source = (
            self._(" · from recap #{recap_id}").format(recap_id=recap_id)
            if recap_id is not None
            else ""
        )
        head = self._("📝 <b>Draft #{post_id}</b> · {kind}{source}").format(
            post_id=post_id, kind=escape(self.kind(kind)), source=source
        )
        due = self._("To be published: {when}").format(when=escape(self.when(slot)))
        why = f"\n{rotation}" if rotation else ""
        why += f"\n{warning}" if warning else ""
        return f"{head}\n{due}{why}\n{RULE}\n{html}"

    def rewrite_note(self, template: str, detail: str) -> str:
        """Which version a draft is: the model's rewrite, or the extractive one and why."""
        if template.startswith(("✍️", "📄")):  # a version, not a reason
            return self._(template)
        reason = self._(template).format(detail=escape(detail))
        return self._("📄 Extractive draft: the rewrite was not used ({reason})").format(
            reason=reason
        )

    button_extractive = _fixed(N_("📄 Use the extractive version"))

    def tone_warning(self, reasons: Sequence[str]) -> str:
        """A draft that reads as bad news: the words that make it so, for the admin to judge."""
        return self._("⚠️ May not be good news: {reasons}").format(
            reasons=escape(", ".join(reasons))
        )

    #: In place of a post too long to share one message with the request around it.
    post_above = _fixed(N_("⬆️ The post is in the message above (too long to show here as well)."))

    def post_not_sent(self, post_id: int) -> str:
        return self._(
            "Draft #{post_id} is saved, but no admin could be sent it; it waits in the queue."
        ).format(post_id=post_id)

    #: The organisation's own news, named among its units.
    organisation = _fixed(N_("The organisation"))

    def rotation_line(
        self, unit: str, last_featured: datetime | None, waiting: int, chosen_at: datetime
    ) -> str:
        """Why the rotation chose this unit: when it was last featured on the organisation's
        channels (counted in local days before the draft) and who else was waiting."""
        if last_featured is None:
            line = self._("🔄 {unit}: never featured yet").format(unit=escape(unit))
        elif last_featured > chosen_at:
            line = self._("🔄 {unit}: already scheduled to be featured at {when}").format(
                unit=escape(unit), when=escape(self.when(last_featured))
            )
        else:
            days = (
                chosen_at.astimezone(self.tz).date() - last_featured.astimezone(self.tz).date()
            ).days
            if days == 0:
                line = self._("🔄 {unit}: last featured today").format(unit=escape(unit))
            else:
                line = self.ngettext(
                    "🔄 {unit}: last featured {count} day ago",
                    "🔄 {unit}: last featured {count} days ago",
                    days,
                ).format(unit=escape(unit), count=days)
        if waiting:
            line += self.ngettext(
                " · {count} other unit waiting", " · {count} other units waiting", waiting
            ).format(count=waiting)
        return line

    def decided(
        self, *, post_id: int, status: PostStatus, who: str, slot: datetime | None, html: str
    ) -> str:
        """What every admin's copy says once the post is decided: approved (for ``slot``),
        rejected, or closed otherwise (cancelled, published…)."""
        said = {"post_id": post_id, "who": escape(who), "status": escape(self.status(status.value))}
        if status is PostStatus.SCHEDULED and slot is not None:
            due = self._("Will be published at {when}").format(when=escape(self.when(slot)))
            head = self._("✅ <b>Approved #{post_id}</b> by {who}").format(**said) + "\n" + due
        elif status is PostStatus.REJECTED:
            head = self._("❌ <b>Rejected #{post_id}</b> by {who}").format(**said)
        else:
            head = self._("ℹ️ <b>Post #{post_id}</b>: {status}").format(**said)
        return f"{head}\n{RULE}\n{html}"

    def answer_approved(self, slot: datetime) -> str:
        return self._("Approved. Publishing at {when}").format(when=self.when(slot))

    answer_already_approved = _fixed(N_("This post is already approved."))
    answer_rejected = _fixed(N_("Rejected."))
    answer_already_rejected = _fixed(N_("This post is already rejected."))
    reason_relayed = _fixed(
        N_("The reason is recorded and passed on to the officer who sent the recap.")
    )
    reason_kept = _fixed(N_("The reason is recorded."))

    # -- officers --------------------------------------------------------------------------

    new_post_question = _fixed(
        N_(
            "📝 New post: reply to this message. The first line is the title, the lines "
            "below are the text."
        )
    )

    def post_drafted(self, post_id: int) -> str:
        return self._("Draft #{post_id} is saved and sent to the admins.").format(post_id=post_id)

    download_failed = _fixed(
        N_("the file could not be downloaded from Telegram; please send it again")
    )

    def recap_stored(self, recap_id: int, title: str) -> str:
        return self._("Recap #{recap_id} received: {title}").format(recap_id=recap_id, title=title)

    def recap_refused(self, problem: str) -> str:
        return self._("The recap was not stored: {problem}").format(problem=problem)

    def officer_drafted(self, recap_id: int, post_id: int, kind: PostKind) -> str:
        return self._(
            "Your recap #{recap_id} is drafted as post #{post_id} ({kind}); it now waits for "
            "the admins."
        ).format(recap_id=recap_id, post_id=post_id, kind=self.kind(kind))

    def officer_approved(self, recap_id: int, post_id: int, slot: datetime) -> str:
        return self._(
            "Your recap #{recap_id} became post #{post_id}, approved, to be published at {when}."
        ).format(recap_id=recap_id, post_id=post_id, when=self.when(slot))

    def officer_rejected(self, recap_id: int, post_id: int) -> str:
        return self._("Post #{post_id} from your recap #{recap_id} was not approved.").format(
            recap_id=recap_id, post_id=post_id
        )

    def officer_reason(self, post_id: int, reason: str) -> str:
        return self._("Why post #{post_id} was not approved: {reason}").format(
            post_id=post_id, reason=reason
        )

    def officer_published(
        self, recap_id: int, post_id: int, channels: list[tuple[str, str | None]]
    ) -> str:
        """The channels by name, then each link to what went out (plain text: the app
        makes the links)."""
        head = self._(
            "Post #{post_id} from your recap #{recap_id} is published on {channels}."
        ).format(recap_id=recap_id, post_id=post_id, channels=", ".join(c for c, _ in channels))
        return "\n".join([head, *(f"{name}: {url}" for name, url in channels if url)])

    # -- admin commands --------------------------------------------------------------------

    def stats(
        self, week: int, month: int, kept_week: float | None, kept_month: float | None
    ) -> str:
        def pct(value: float | None) -> str:
            return "—" if value is None else f"{value:.0f}%"

        return "\n".join(
            [
                self._("<b>Statistics</b>"),
                self._("This week: {count} published · cadence kept {kept}").format(
                    count=week, kept=pct(kept_week)
                ),
                self._("This month: {count} published · cadence kept {kept}").format(
                    count=month, kept=pct(kept_month)
                ),
            ]
        )

    role_usage = _fixed(N_("Usage: /grant <user_id> admin|officer (or /revoke)."))

    def role_changed(self, user_id: int, role: str, give: bool, changed: bool) -> str:
        if not changed:
            return self.nothing_changed()
        if give:
            return self._("Granted {role} to {user_id}.").format(role=role, user_id=user_id)
        return self._("Revoked {role} from {user_id}.").format(role=role, user_id=user_id)

    nothing_changed = _fixed(N_("Nothing changed."))
    no_pending = _fixed(N_("No drafts are waiting for approval."))

    def board_header(self, empty: int) -> str:
        return self.ngettext(
            "<b>The next 14 days</b> ({count} empty slot)",
            "<b>The next 14 days</b> ({count} empty slots)",
            empty,
        ).format(count=empty)

    def board_day(self, day: date) -> str:
        """``Thứ 2 07/12``: a day of the board."""
        # Translators: a short Unicode date pattern for a day of the slot board.
        return "<b>" + escape(format_date(day, self._("EEE dd/MM"), locale=self.language)) + "</b>"

    def board_line(self, line: SlotLine) -> str:
        """``07:30 · #12 Title… · tg, fb``: a slot and its post on its channels."""
        if line.post_id:
            what = f"#{line.post_id} {escape(cut_at_word(line.title or '', 40))}"
        else:
            what = "⚠️ <i>" + escape(self._("empty")) + "</i>"
        flag = f" [{escape(self.status(line.status))}]" if line.status else ""
        at = line.at.astimezone(self.tz)
        return f"{at:%H:%M} · {what}{flag} · {escape(', '.join(line.channels))}"

    def paused(self, channels: list[str], *, paused: bool) -> str:
        if not channels:
            return self.nothing_changed()
        done = self._("Paused: {channels}") if paused else self._("Resumed: {channels}")
        return done.format(channels=", ".join(channels))

    # -- alerts ----------------------------------------------------------------------------

    def empty_slots(
        self,
        slots: list[tuple[datetime, ChannelName, PostKind]],
        drafted: list[int],
        missing: list[PostKind],
    ) -> str:
        lines = [self._("⚠️ <b>Tomorrow has slots without a post</b>:")]
        lines += [
            f"• {escape(self.when(at))} · {self.channel(ch)} · {escape(self.kind(k))}"
            for at, ch, k in slots
        ]
        if drafted:
            lines.append(
                self._("Drafts {ids} are ready for the admins to approve.").format(
                    ids=", ".join(f"#{n}" for n in drafted)
                )
            )
        for kind in missing:
            lines.append(
                self._("No recap left to draft a {kind}: please send more recaps.").format(
                    kind=escape(self.kind(kind))
                )
            )
        return "\n".join(lines)

    def channel(self, name: ChannelName) -> str:
        """A channel in an HTML message: its name, a link to it where it has an address."""
        if name.url is None:
            return escape(name.label)
        return f'<a href="{escape(name.url)}">{escape(name.label)}</a>'

    def caught_up(
        self, post_id: int, channel: ChannelName, missed: datetime, moved_to: datetime
    ) -> str:
        return self._(
            "Post #{post_id} on {channel} missed its slot {missed} while no worker ran; "
            "moved to {moved_to}."
        ).format(
            post_id=post_id,
            channel=self.channel(channel),
            missed=escape(self.when(missed)),
            moved_to=escape(self.when(moved_to)),
        )

    def publish_failed(self, post_id: int, channel: ChannelName, reason: str) -> str:
        head = self._("🚫 <b>Post #{post_id} was not published on {channel}</b>").format(
            post_id=post_id, channel=self.channel(channel)
        )
        why = self._("Reason: {reason}").format(reason=escape(reason[:500]))
        hint = self._("Fix the cause, then press Retry.")
        return f"{head}\n{why}\n{hint}"

    def outcome_unknown(self, post_id: int, channel: ChannelName, reason: str) -> str:
        head = self._("❓ <b>Post #{post_id} may or may not be on {channel}</b>").format(
            post_id=post_id, channel=self.channel(channel)
        )
        why = self._("What happened: {reason}").format(reason=escape(reason[:500]))
        hint = self._(
            "Nothing is sent again without your answer. Look at the channel: if the post is "
            "there, press “It went out”; if not, press “Send again”."
        )
        return f"{head}\n{why}\n{hint}"

    def channel_held(
        self, channel: ChannelName, platform: str, reason: str, token_expired: bool
    ) -> str:
        head = self._("⏸ <b>Publishing on {channel} is on hold</b>").format(
            channel=self.channel(channel)
        )
        why = self._("Reason: {reason}").format(reason=escape(reason[:500]))
        if token_expired and platform == "facebook":
            fix = self._(
                "The Facebook Page token has expired or was revoked. Create a new long-lived "
                "Page token (Meta Business Suite or the Graph API Explorer, with "
                "pages_manage_posts), put it in FACEBOOK_PAGE_TOKEN (environment or .env) "
                "and restart the worker, or run `goodnews check`. The waiting posts then go "
                "out; late ones follow the catch-up policy."
            )
        elif token_expired:
            fix = self._(
                "The bot token was refused. Get the token from @BotFather, put it in "
                "TELEGRAM_BOT_TOKEN and restart the worker."
            )
        else:
            fix = self._(
                "Give the bot (or the Page token) the right to post there, then restart the "
                "worker or run `goodnews check`. The waiting posts then go out."
            )
        return f"{head}\n{why}\n{fix}"

    def published_log(self, post_id: int) -> str:
        return self._("Post #{post_id} is published.").format(post_id=post_id)

    answer_retrying = _fixed(N_("It will be sent at the next pass."))
    answer_confirmed = _fixed(N_("Marked as published. Thank you."))
    answer_settled = _fixed(N_("Already settled."))

    def settled(self, text_html: str, who: str, *, sent: bool) -> str:
        """The notice, once settled: its text stays, its buttons go, who settled it shows."""
        line = (
            self._("✅ Marked as published by {who}.")
            if sent
            else self._("🔁 Sent again at the request of {who}.")
        ).format(who=escape(who))
        return f"{text_html}\n{RULE}\n{line}"

    def weekly_summary(self, report: Report) -> str:
        """Last week: the organisation's shared channels by the cadence, then who kept it on
        their own channels, who slipped and why, then each other unit's turns on the shared
        channels."""
        head = self._("📊 <b>Last week's cadence</b> ({start} – {end})").format(
            start=self.day(report.start), end=self.day(report.end)
        )
        lines = [head]
        org = report.organisation
        if org is not None and org.expected:
            name = self._("The organisation's channels")
            mark, said = (
                ("✅", self._("kept the cadence")) if org.kept else ("⚠️", self.slipped(org))
            )
            lines.append(f"{mark} {escape(name)}: {escape(said)}")
        judged = [u for u in report.units if u.expected]
        kept = [u for u in judged if u.kept]
        if kept:
            lines.append(
                self._("✅ Kept the cadence: {units}").format(
                    units=escape(", ".join(u.name for u in kept))
                )
            )
        for unit in judged:
            if not unit.kept:
                lines.append(f"⚠️ {escape(unit.name)}: {escape(self.slipped(unit))}")
        shares = [(u.name, u.rotation) for u in report.units if u.rotation is not None]
        if shares:
            lines.append(self._("🔄 Turns on the organisation's channels:"))
        for name, share in shares:
            lines.append(
                f"{'⚠️' if share.idle else '•'} {escape(name)}: {escape(self.turns(share))}"
            )
        return "\n".join(lines)

    def turns(self, share: RotationShare) -> str:
        """``2 times, last 06/12 · 1 recap waiting``: a unit's share of the rotation."""
        if share.featured:
            featured = self.ngettext("{count} time", "{count} times", share.featured)
        else:
            featured = self._("not featured")
        parts = [featured.format(count=share.featured)]
        if share.last_featured is not None:
            parts[0] += ", " + self._("last {day}").format(day=self.day(share.last_featured))
        if share.recaps_waiting:
            waiting = self.ngettext(
                "{count} recap waiting", "{count} recaps waiting", share.recaps_waiting
            ).format(count=share.recaps_waiting)
        else:
            waiting = self._("no recap waiting")
        return f"{parts[0]} · {waiting}"

    def slipped(self, unit: UnitCompliance) -> str:
        days = self._("{published}/{expected} days").format(
            published=unit.days_published, expected=unit.days_expected
        )
        parts = [days]
        if unit.weekly_missed:
            parts.append(self._("no weekly story"))
        reasons = [
            self.miss_reason(reason, count) for reason in Reason if (count := unit.missed(reason))
        ]
        return " · ".join(parts) + (" (" + ", ".join(reasons) + ")" if reasons else "")

    def miss_reason(self, reason: Reason, count: int) -> str:
        """``2 empty slots``: how many days were missed for this reason."""
        texts = {
            Reason.EMPTY: self.ngettext("{count} empty slot", "{count} empty slots", count),
            Reason.REJECTED: self.ngettext("{count} rejected", "{count} rejected", count),
            Reason.FAILED: self.ngettext("{count} failed", "{count} failed", count),
            Reason.PAUSED: self.ngettext("{count} paused", "{count} paused", count),
        }
        return texts[reason].format(count=count)

    def day(self, day: date) -> str:
        # Translators: a short Unicode date pattern (Babel/CLDR) for a day, e.g. "d MMM".
        return format_date(day, self._("dd/MM"), locale=self.language)

    # -- command menus ---------------------------------------------------------------------

    def commands(self, audience: str) -> list[tuple[str, str]]:
        """(command, description) for setMyCommands: ``everyone``, ``officers``, ``admins``."""
        everyone = [
            ("start", self._("Get the good news every day")),
            ("today", self._("The latest good news")),
            ("week", self._("The beautiful story of the week")),
            ("stop", self._("Unsubscribe")),
            ("help", self._("What this bot does")),
        ]
        if audience == "everyone":
            return everyone
        officers = [
            ("new", self._("Write a post directly")),
            ("queue", self._("The next 14 days of slots")),
        ]
        if audience == "officers":
            return everyone + officers
        admins = [
            ("pending", self._("Drafts waiting for approval")),
            ("post", self._("One post, whole: /post 12")),
            ("stats", self._("Posts published, cadence kept")),
            ("pause", self._("Pause a channel (or all)")),
            ("resume", self._("Resume publishing")),
        ]
        return everyone + officers + admins


class ModuleTexts:
    """The texts a module keeps with itself, for one reader (their language, from their
    :class:`Texts`)."""

    def __init__(self, t: Texts) -> None:
        self.t = t
        self._ = t._
        self.ngettext = t.ngettext


@cache
def texts_for(language: str, tz: ZoneInfo) -> Texts:
    return Texts(language, tz)


def all_texts(tz: ZoneInfo) -> Iterator[Texts]:
    """One per catalog: to recognise our own questions whatever language they were in."""
    for language in i18n.LANGUAGES:
        yield texts_for(language, tz)
