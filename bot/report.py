"""``goodnews report``: how well each unit kept the cadence, as a table, CSV, JSON or one
self-contained HTML page (a chart per unit and a summary table) to show at a review meeting.

The counting is :mod:`bot.domain.compliance`; this module reads what it needs from the
database and formats the result. The HTML needs no script, font or image from anywhere:
the charts are inline SVG, the styles inline CSS with print rules.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from sqlmodel import Session

from bot import i18n
from bot.analytics import query
from bot.config import Config
from bot.domain.compliance import (
    Outcome,
    Paused,
    PauseEvent,
    Reason,
    Rejection,
    RotationShare,
    UnitCompliance,
    UnitHistory,
    by_rotation,
    compliance,
    pause_intervals,
    rotation_share,
)
from bot.domain.engagement import PostEngagement, UnitEngagement, total, unit_totals
from bot.domain.errors import N_, UserError
from bot.domain.posts import PostKind
from bot.domain.slots import local_instant
from bot.platforms.registry import publication_url
from bot.storage import audit_rows, channel_rows, publication_rows, recap_rows

#: The one unit reported for a config without ``[[units]]``.
IMPLICIT_ID = "org"
IMPLICIT_NAME = "Organisation"
#: --from's default: this many days before --to.
DEFAULT_DAYS = 30

FORMATS = ("table", "csv", "json", "html")


@dataclass(frozen=True)
class Report:
    """Every unit's compliance over one period."""

    start: date
    end: date
    timezone: str
    units: tuple[UnitCompliance, ...]
    #: Reach and reactions of each unit's posts out in the period (by unit id).
    engagement: Mapping[str, UnitEngagement] = field(default_factory=dict)
    #: The organisation's shared channels judged by the cadence; None: it has none (or
    #: a config without units, or one unit asked for).
    organisation: UnitCompliance | None = None
    #: The posts that went out in the period, with their links.
    posts: tuple[PostEngagement, ...] = ()
    #: The organisation's own channels, shared by units without theirs.
    shared: frozenset[str] = frozenset()
    #: False: a config without ``[[units]]``, whose one implicit unit holds every post.
    units_configured: bool = True

    @property
    def by_cadence(self) -> tuple[UnitCompliance, ...]:
        """The lines the cadence judges: the organisation's first, then units' own."""
        lines = (self.organisation, *self.units)
        return tuple(u for u in lines if u is not None and u.rotation is None)

    @property
    def by_rotation(self) -> tuple[UnitCompliance, ...]:
        return tuple(u for u in self.units if u.rotation is not None)

    @property
    def expected(self) -> bool:
        """Anything to say: a slot that came on a line judged by the cadence, or a unit's
        turns on the shared channels."""
        return any(u.expected for u in self.by_cadence) or bool(self.by_rotation)


def period(
    config: Config, *, start: date | None, end: date | None, now: datetime
) -> tuple[date, date]:
    """The period asked for: --to defaults to today, --from to 30 days before --to (local)."""
    end = end or now.astimezone(config.tz).date()
    start = start or end - timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise UserError(N_("--from {start} is after --to {end}"), start=start, end=end)
    return start, end


def build(
    session: Session,
    config: Config,
    *,
    start: date,
    end: date,
    now: datetime,
    unit: str | None = None,
) -> Report:
    """Read the period's outcomes, rejections and pauses, and count each unit's compliance:
    by the cadence on its own channels, or by its share of the rotation on the
    organisation's shared channels (then those channels have their line, first)."""
    units = _units(config)
    if unit is not None:
        units = [u for u in units if u.id == unit]
        if not units:
            known = ", ".join(u.id for u in _units(config))
            raise UserError(
                N_("--unit: no unit {unit!r} in the config (units: {known})"),
                unit=unit,
                known=known,
            )
    judge = _Judge.read(session, config, start=start, end=end, now=now)
    shared = judge.shared
    results = [judge.rotation(u) if shared and not u.channels else judge.cadence(u) for u in units]
    organisation = None
    if shared and unit is None:
        organisation = judge.cadence(_Unit(IMPLICIT_ID, IMPLICIT_NAME, shared), shared=True)
    posts = query.posts_on_days(session, config, start=start, end=end)
    return Report(
        start=start,
        end=end,
        timezone=config.settings.timezone,
        units=tuple(results),
        engagement=_engagement(config, posts),
        organisation=organisation,
        posts=_linked(config, posts),
        shared=shared,
        units_configured=bool(config.units),
    )


@dataclass(frozen=True)
class _Judge:
    """What the period's lines are judged on, read once for all of them: outcomes and
    rejections, each with its post's unit and audience; the channels' pauses; and for the
    rotation, when each unit was last featured on the shared channels and its recaps waiting."""

    config: Config
    start: date
    end: date
    now: datetime
    #: The organisation's own channels, which units without channels feed.
    shared: frozenset[str]
    outcomes: list[tuple[str | None, Outcome]]
    rejections: list[tuple[str | None, str | None, Rejection]]
    pauses: list[Paused]
    last: Mapping[str | None, datetime]
    waiting: Mapping[str | None, int]

    @classmethod
    def read(
        cls, session: Session, config: Config, *, start: date, end: date, now: datetime
    ) -> _Judge:
        # Margins: a weekly slot's whole ISO week and the day before count toward it.
        since = _midnight(config, start - timedelta(days=8))
        until = _midnight(config, end + timedelta(days=9))
        outcomes = [
            (owner, Outcome(pub.kind, pub.status, pub.due_at, pub.channel))
            for owner, pub in publication_rows.outcomes_between(session, since=since, until=until)
            if pub.due_at is not None  # always (the query asks for slots): for the type
        ]
        rejections = [
            (owner, audience, Rejection(kind, at))
            for owner, audience, kind, at in audit_rows.rejections_between(
                session, since=since, until=until
            )
        ]
        events = [
            PauseEvent(entry.detail, entry.at, entry.action == "pause")
            for entry in audit_rows.pause_log(session)
            if entry.detail
        ]
        pauses = pause_intervals(events, paused_now=channel_rows.paused_since(session))
        shared = _shared_channels(config)
        last: Mapping[str | None, datetime] = {}
        waiting: Mapping[str | None, int] = {}
        if shared:
            last_until = min(now, _midnight(config, end + timedelta(days=1)))
            last = publication_rows.last_sent_per_unit(session, channels=shared, until=last_until)
            waiting = recap_rows.waiting_per_unit(session, kind=PostKind.DAILY, audience=None)
        return cls(config, start, end, now, shared, outcomes, rejections, pauses, last, waiting)

    def cadence(self, u: _Unit, *, shared: bool = False) -> UnitCompliance:
        """By the cadence: a unit's posts wherever they went (every post for the implicit
        unit), or with ``shared``, whatever went out on the organisation's channels."""
        implicit = not self.config.units

        def mine(owner: str | None, audience: str | None, channel: str | None) -> bool:
            if shared:
                return channel in u.channels if channel is not None else audience is None
            return implicit or owner == u.id

        history = UnitHistory(
            id=u.id,
            name=u.name,
            cadence=self.config.cadence_for_unit(None if implicit or shared else u.id),
            channels=u.channels,
            outcomes=[o for owner, o in self.outcomes if mine(owner, None, o.channel)],
            rejections=[r for owner, to, r in self.rejections if mine(owner, to, None)],
            pauses=self.pauses,
        )
        return compliance(history, start=self.start, end=self.end, now=self.now)

    def rotation(self, u: _Unit) -> UnitCompliance:
        """By its share of the rotation on the organisation's shared channels."""
        share = rotation_share(
            (o for owner, o in self.outcomes if owner == u.id),
            channels=self.shared,
            tz=self.config.tz,
            start=self.start,
            end=self.end,
            today=self.now.astimezone(self.config.tz).date(),
            last_featured=self.last.get(u.id),
            recaps_waiting=self.waiting.get(u.id, 0),
        )
        return by_rotation(u.id, u.name, start=self.start, end=self.end, share=share)


def _linked(config: Config, posts: Sequence[PostEngagement]) -> tuple[PostEngagement, ...]:
    """The posts, oldest out first, each publication with the link people follow to it (the
    platform's own, as ``goodnews post show`` gives: an album's first message)."""
    linked = (
        replace(
            p,
            publications=tuple(
                replace(m, url=publication_url(config, m.channel, m.external_id))
                for m in p.publications
            ),
        )
        for p in posts
    )
    return tuple(sorted(linked, key=lambda p: (p.published_at is None, p.published_at)))


def _shared_channels(config: Config) -> frozenset[str]:
    """The organisation's own channels, which units without channels feed (none in a
    config without units: there the one implicit unit holds every channel)."""
    if not config.units:
        return frozenset()
    return frozenset(c.name for c in config.channels_of(None))


def _engagement(config: Config, posts: Sequence[PostEngagement]) -> dict[str, UnitEngagement]:
    """Reach and reactions per unit (the implicit one holds every post)."""
    implicit = not config.units
    return {
        IMPLICIT_ID if implicit else (u.unit or ""): u
        for u in unit_totals(replace(p, unit=None) if implicit else p for p in posts)
    }


@dataclass(frozen=True)
class _Unit:
    id: str
    name: str
    channels: frozenset[str]


def _units(config: Config) -> list[_Unit]:
    if not config.units:
        return [_Unit(IMPLICIT_ID, IMPLICIT_NAME, frozenset(c.name for c in config.channels))]
    return [
        _Unit(u.id, u.name, frozenset(c.name for c in config.channels_of(u.id)))
        for u in config.units
    ]


def _midnight(config: Config, day: date) -> datetime:
    return local_instant(day, time(), config.tz)


def render(
    report: Report, fmt: str, *, generated: datetime | None = None, language: str = "en"
) -> str:
    """The report in ``fmt``: one of :data:`FORMATS` (anything else is the table). The HTML
    page, shown to people, is in ``language``; the machine formats stay English."""
    if fmt == "html":
        return as_html(report, generated=generated, language=language)
    machine = {"json": as_json, "csv": as_csv}.get(fmt)
    return machine(report) if machine else as_table(report, language)


# -- JSON, CSV, table ------------------------------------------------------------------------

#: What the cadence counts of a line, as JSON and CSV name it (the attribute's name).
_COUNTS = (
    "days_expected",
    "days_published",
    "weekly_expected",
    "weekly_published",
    "streak",
    "longest_streak",
)
#: A unit's share of the rotation, as JSON and CSV name it.
_SHARE = ("featured", "last_featured", "days_since_featured", "recaps_waiting")


def _share_values(share: RotationShare | None) -> tuple[Any, ...]:
    """The :data:`_SHARE` values; None each for a line judged by the cadence."""
    if share is None:
        return (None,) * len(_SHARE)
    last = share.last_featured.isoformat() if share.last_featured is not None else None
    return share.featured, last, share.days_since, share.recaps_waiting


def unit_json(unit: UnitCompliance) -> dict[str, Any]:
    return {
        "id": unit.id,
        "name": unit.name,
        "judged_by": unit.judged_by.value,
        **{count: getattr(unit, count) for count in _COUNTS},
        "misses": [
            {"date": m.date.isoformat(), "kind": m.kind.value, "reason": m.reason.value}
            for m in unit.misses
        ],
        **dict(zip(_SHARE, _share_values(unit.rotation), strict=True)),
    }


def as_json(report: Report) -> str:
    org = report.organisation
    return json.dumps(
        {
            "from": report.start.isoformat(),
            "to": report.end.isoformat(),
            "timezone": report.timezone,
            "organisation": unit_json(org) if org is not None else None,
            "units": [unit_json(u) for u in report.units],
        },
        ensure_ascii=False,
        indent=2,
    )


#: CSV's column of the misses of a reason.
_MISSED = {r: f"missed_{r.name.lower()}" for r in Reason}
CSV_COLUMNS = ("id", "name", "from", "to", *_COUNTS, *_MISSED.values(), "judged_by", *_SHARE)


def as_csv(report: Report) -> str:
    """One row per unit, the organisation's shared channels first when they are judged: its
    JSON values but the misses, counted by reason instead. What is not counted is left empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    period = {"from": report.start.isoformat(), "to": report.end.isoformat()}
    lines = (report.organisation, *report.units) if report.organisation else report.units
    for u in lines:
        missed = {_MISSED[r]: u.missed(r) for r in Reason}
        writer.writerow(unit_json(u) | period | missed)  # the csv module writes None as ""
    return out.getvalue()


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _tally(lines: Sequence[UnitCompliance], between: str) -> tuple[str, str, str]:
    """Days published of expected, their share, weekly stories out of expected: summed over
    ``lines``, each pair of counts written with ``between`` between them."""
    published = sum(u.days_published for u in lines)
    expected = sum(u.days_expected for u in lines)
    weekly = sum(u.weekly_published for u in lines)
    weeks = sum(u.weekly_expected for u in lines)
    days = f"{published}{between}{expected}"
    return days, _percent(published, expected), f"{weekly}{between}{weeks}"


def _counts(u: UnitCompliance, between: str) -> list[str]:
    """A line's cells as the cadence counts them, in the table's and the page's order: its
    :func:`_tally`, streak, longest streak and misses by reason."""
    misses = (str(u.missed(r)) for r in Reason)
    return [*_tally([u], between), str(u.streak), str(u.longest_streak), *misses]


def as_table(report: Report, language: str = i18n.SOURCE) -> str:
    """A summary line per unit (the organisation's shared channels first); units judged by
    the rotation in a table of their own; with one unit, every miss too. Words in
    ``language``; ids, dates and numbers as they are."""
    w = _Words(language, ZoneInfo(report.timezone))
    _ = w.gettext
    rows = [(u.id, _shorten(u.name, 28), *_counts(u, "/")) for u in report.by_cadence]
    header = [_(h) for h in (*_CADENCE_HEADER, *(_REASON_COLUMNS[r] for r in Reason))]
    title = _("Cadence compliance {start} – {end} ({timezone})")
    lines = [title.format(start=report.start, end=report.end, timezone=report.timezone)]
    if rows:
        lines += _columns(header, rows)
    shares = [
        (
            u.id,
            _shorten(u.name, 28),
            str(u.rotation.featured),
            str(u.rotation.last_featured or _("never")),
            query.shown(u.rotation.days_since),
            str(u.rotation.recaps_waiting),
        )
        for u in report.by_rotation
        if u.rotation is not None
    ]
    if shares:
        lines += ["", _("Rotation on the organisation's channels (units without their own):")]
        lines += _columns([_(h) for h in _ROTATION_HEADER], shares)
    if len(report.units) == 1 and report.units[0].misses:
        lines += ["", _("Misses:")]
        lines += [
            f"  {_(i18n.WEEKDAYS[m.date.weekday()])} {m.date.strftime(_('%Y-%m-%d'))}"
            f"  {w.kind(m.kind):<6}  {w.reason(m.reason)}"
            for m in report.units[0].misses
        ]
    return "\n".join(lines)


_CADENCE_HEADER = (
    N_("unit"),
    N_("name"),
    N_("days"),
    "%",
    N_("weekly"),
    N_("streak"),
    N_("longest"),
)
_ROTATION_HEADER = (
    N_("unit"),
    N_("name"),
    N_("featured"),
    N_("last"),
    N_("days since"),
    N_("waiting"),
)
#: A miss's reason and kind as the table and the page say them (English: the values).
_REASON_NAMES = {
    Reason.PAUSED: N_("paused"),
    Reason.FAILED: N_("failed"),
    Reason.REJECTED: N_("rejected"),
    Reason.EMPTY: N_("empty slot"),
}
_KIND_NAMES = {PostKind.DAILY: N_("daily"), PostKind.WEEKLY: N_("weekly")}
#: The table's column of a reason: its name, shorter for an empty slot.
_REASON_COLUMNS = {**_REASON_NAMES, Reason.EMPTY: N_("empty")}


def _columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The header and rows aligned: the first two columns left, the numbers right."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), *(line(r) for r in rows)]


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# -- HTML ------------------------------------------------------------------------------------

_CSS = """
:root { --ok: #2e7d32; --expected: #d9dee3; --miss: #c62828; --ink: #1d2329; --muted: #5f6b76; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial,
       sans-serif; color: var(--ink); margin: 2rem auto; max-width: 1100px; padding: 0 1.5rem;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.25rem; margin: 0 0 .3rem; }
.sub { color: var(--muted); margin: 0 0 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 2rem; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid #e3e7eb; text-align: right; }
td { white-space: nowrap; }
td:nth-child(2) { white-space: normal; }
th { font-weight: 600; background: #f4f6f8; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
tfoot td { font-weight: 600; border-top: 2px solid var(--ink); }
.meter { display: inline-block; width: 80px; height: 10px; background: var(--expected);
         border-radius: 2px; vertical-align: middle; margin-right: .4rem; overflow: hidden; }
.meter > span { display: block; height: 100%; background: var(--ok); }
.unit { border: 1px solid #e3e7eb; border-radius: 6px; padding: 1rem 1.2rem; margin: 0 0 1.2rem;
        break-inside: avoid; page-break-inside: avoid; }
.unit .facts { color: var(--muted); margin: 0 0 .5rem; }
.unit svg { width: 100%; height: auto; display: block; }
.legend { font-size: .85rem; color: var(--muted); margin: .3rem 0 0; }
.legend i { display: inline-block; width: .8rem; height: .8rem; vertical-align: -1px;
            margin: 0 .3rem 0 .9rem; border-radius: 2px; }
.misses { font-size: .85rem; columns: 3 16rem; margin: .6rem 0 0; padding: 0; list-style: none; }
.misses li { break-inside: avoid; }
.reason { color: var(--miss); }
.unit h3 { font-size: 1rem; margin: .8rem 0 .2rem; }
.posts { font-size: .85rem; margin: 0; padding-left: 1.1rem; }
.posts a { color: inherit; }
footer { color: var(--muted); font-size: .8rem; margin-top: 2rem; }
@page { size: A4; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 11pt; }
  .summary { break-after: page; page-break-after: always; }
  .unit { border-color: #bbb; }
}
"""


def as_html(report: Report, *, generated: datetime | None = None, language: str = "en") -> str:
    """One page, no external assets: summary table first, then a chart per unit."""
    w = _Words(language, ZoneInfo(report.timezone))
    _ = w.gettext
    title = _("Cadence compliance {start} – {end}").format(start=report.start, end=report.end)
    judged = report.by_cadence
    rows = "\n".join(
        _summary_row(u, report.engagement.get(u.id), w.name(report, u)) for u in judged
    )
    cards = "\n".join(_unit_card(report, u, w) for u in (*judged, *report.by_rotation))
    when = " " + _("Generated {when}.").format(when=w.instant(generated)) if generated else ""
    units = w.ngettext("{count} unit", "{count} units", len(report.units)).format(
        count=len(report.units)
    )
    explained = _(
        "A day counts when a good-news post of the unit went out with its slot on that day; "
        "a week counts when its story did."
    )
    heads = [
        _("Unit"),
        _("Name"),
        _("Good-news days"),
        "%",
        _("Weekly stories"),
        _("Streak"),
        _("Longest"),
        *(w.reason(r)[:1].upper() + w.reason(r)[1:] for r in Reason),
        _("Reach"),
        _("Reactions"),
    ]
    # Outside the f-string below: Babel's extractor does not look inside one.
    promise, summary, everyone = (
        _("One good news a day, one beautiful story a week"),
        _("Summary"),
        _("All"),
    )
    days, percent, weekly = _tally(judged, " / ")
    missed = [sum(u.missed(r) for u in judged) for r in Reason]
    return f"""<!DOCTYPE html>
<html lang="{escape(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{escape(promise)}</h1>
<p class="sub">{escape(title)} ({escape(report.timezone)}), {escape(units)}.
{escape(explained)}{escape(when)}</p>
</header>
<section class="summary">
<h2>{escape(summary)}</h2>
<table>
<thead><tr>{_heads(heads)}</tr>
</thead>
<tbody>
{rows}
</tbody>
<tfoot><tr>{_cells([escape(everyone), "", days])}
{_cells([percent, weekly])}
{_cells(["", "", *missed])}{_engagement_cells(report.engagement.values())}</tr></tfoot>
</table>
{_rotation_table(report, w)}
</section>
<section class="units">
{cards}
</section>
<footer>goodnews report · {escape(report.start.isoformat())} – {escape(report.end.isoformat())}
</footer>
</body>
</html>
"""


def _cells(values: Iterable[object]) -> str:
    """Table cells holding ``values`` (HTML already: text is escaped first)."""
    return "".join(f"<td>{value}</td>" for value in values)


def _heads(heads: Iterable[str]) -> str:
    return "".join(f"<th>{escape(head)}</th>" for head in heads)


def _engagement_cells(units: Iterable[UnitEngagement | None]) -> str:
    """Reach and reactions, summed; "—" when no platform gave the number."""
    found = [u for u in units if u is not None]
    reach, reactions = total(u.reach for u in found), total(u.reactions for u in found)
    return _cells(query.shown(value) for value in (reach, reactions))


def _row(cells: Sequence[object], engagement: UnitEngagement | None) -> str:
    """A summary table's row: ``cells``, then the line's reach and reactions."""
    return "<tr>" + _cells(cells) + _engagement_cells([engagement]) + "</tr>"


def _summary_row(u: UnitCompliance, engagement: UnitEngagement | None, name: str) -> str:
    share = 100 * u.days_published / u.days_expected if u.days_expected else 0
    meter = f'<span class="meter"><span style="width:{share:.0f}%"></span></span>'
    days, *counts = _counts(u, " / ")
    return _row([escape(u.id), escape(name), meter + days, *counts], engagement)


def _rotation_table(report: Report, w: _Words) -> str:
    """Units without channels of their own: their share of the organisation's channels."""
    if not report.by_rotation:
        return ""
    _ = w.gettext
    heads = [_("Unit"), _("Name"), _("Featured"), _("Last featured"), _("Recaps waiting")]
    heads += [_("Reach"), _("Reactions")]
    rows = "\n".join(
        _rotation_row(u, u.rotation, report.engagement.get(u.id), w)
        for u in report.by_rotation
        if u.rotation is not None
    )
    title, explained = (
        _("Turns on the organisation's channels"),
        _(
            "These units have no channels of their own: the fair rotation features them on "
            "the organisation's channels, so each is judged by its turns, not by a cadence."
        ),
    )
    return f"""<h2>{escape(title)}</h2>
<p class="sub">{escape(explained)}</p>
<table>
<thead><tr>{_heads(heads)}</tr></thead>
<tbody>
{rows}
</tbody>
</table>"""


def _rotation_row(
    u: UnitCompliance, share: RotationShare, engagement: UnitEngagement | None, w: _Words
) -> str:
    last = escape(w.last_featured(share))
    return _row(
        [escape(u.id), escape(u.name), share.featured, last, share.recaps_waiting], engagement
    )


def _unit_card(report: Report, u: UnitCompliance, w: _Words) -> str:
    """A line's card: how it did (with a chart of its days and weeks when the cadence
    judges it), then what it published."""
    name = w.name(report, u)
    if u.rotation is not None:
        facts, chart = w.turns(u.rotation), ""
    else:
        facts, chart = w.cadence_facts(u), _chart_block(u, w, name) + "\n"
    return f"""<article class="unit">
<h2>{escape(name)} <small>({escape(u.id)})</small></h2>
<p class="facts">{escape(facts)}</p>
{chart}{_posts_list(report, u, w)}
</article>"""


def _chart_block(u: UnitCompliance, w: _Words, name: str) -> str:
    """The line's chart, its legend and its misses (runs merged)."""
    _ = w.gettext
    misses = "".join(
        f"<li>{escape(w.when(run))} {escape(w.kind(run.kind))}: "
        f'<span class="reason">{escape(w.reason(run.reason))}</span>'
        + (f" ({escape(w.run_length(run))})" if run.count > 1 else "")
        + "</li>"
        for run in miss_runs(u)
    )
    legend = [
        ("background:var(--expected)", _("days with a slot")),
        ("background:var(--ok)", _("days published")),
        ("background:var(--ok);border-radius:50%", _("weekly story out")),
        ("border:2px solid var(--miss);border-radius:50%", _("weekly story missed")),
    ]
    keys = "\n".join(f'<i style="{style}"></i>{escape(text)}' for style, text in legend)
    return f"""{chart_svg(u, w, name)}
<p class="legend">{keys}</p>
{f'<ul class="misses">{misses}</ul>' if misses else ""}"""


def _posts_list(report: Report, u: UnitCompliance, w: _Words) -> str:
    """The line's posts that went out in the period, each linked to where it went out: the
    organisation's line lists what went out on its channels, a unit's line its own news."""
    if u is report.organisation:
        mine = [p for p in report.posts if any(m.channel in report.shared for m in p.publications)]
    else:
        mine = [p for p in report.posts if p.unit == u.id or not report.units_configured]
    if not mine:
        return ""
    items = "".join(
        f"<li>{escape(w.published_day(p))} <b>{escape(p.title)}</b>: "
        + ", ".join(
            f'<a href="{escape(m.url)}">{escape(m.channel)}</a>' if m.url else escape(m.channel)
            for m in p.publications
        )
        + "</li>"
        for p in mine
    )
    heading = w.gettext("Published")
    return f'<h3>{escape(heading)}</h3>\n<ul class="posts">{items}</ul>'


class _Words:
    """The report's words in one language (the chat's catalogs), instants in the report's
    timezone."""

    def __init__(self, language: str, tz: ZoneInfo) -> None:
        self.language = language
        self.tz = tz
        catalog = i18n.translations(language)
        self.gettext = catalog.gettext
        self.ngettext = catalog.ngettext

    def name(self, report: Report, u: UnitCompliance) -> str:
        return self.gettext("The organisation's channels") if u is report.organisation else u.name

    def instant(self, at: datetime) -> str:
        # Translators: a Unicode date-time pattern (Babel/CLDR) for when the report was made.
        pattern = self.gettext("yyyy-MM-dd HH:mm")
        return format_datetime(at.astimezone(self.tz), pattern, locale=self.language) + (
            f" ({self.tz.key})"
        )

    def published_day(self, post: PostEngagement) -> str:
        if post.published_at is None:
            return ""
        return self.day(post.published_at.astimezone(self.tz).date())

    def last_featured(self, share: RotationShare) -> str:
        if share.last_featured is None or share.days_since is None:
            return self.gettext("never")
        if not share.days_since:  # the period's last day (or today)
            return self.day(share.last_featured)
        ago = self.ngettext("{count} day before", "{count} days before", share.days_since)
        return f"{self.day(share.last_featured)} ({ago.format(count=share.days_since)})"

    def turns(self, share: RotationShare) -> str:
        featured = self.ngettext(
            "Featured {count} time on the organisation's channels",
            "Featured {count} times on the organisation's channels",
            share.featured,
        ).format(count=share.featured)
        last = self.gettext("last: {when}").format(when=self.last_featured(share))
        waiting = self.ngettext(
            "{count} recap waiting", "{count} recaps waiting", share.recaps_waiting
        ).format(count=share.recaps_waiting)
        return f"{featured}; {last}; {waiting}."

    def kind(self, kind: PostKind) -> str:
        return self.gettext(_KIND_NAMES[kind])

    def reason(self, reason: Reason) -> str:
        return self.gettext(_REASON_NAMES[reason])

    def cadence_facts(self, u: UnitCompliance) -> str:
        return self.gettext(
            "{published} of {expected} good-news days ({share}), {weekly} of {weeks} weekly "
            "stories; streak {streak}, longest {longest}."
        ).format(
            published=u.days_published,
            expected=u.days_expected,
            share=_percent(u.days_published, u.days_expected),
            weekly=u.weekly_published,
            weeks=u.weekly_expected,
            streak=u.streak,
            longest=u.longest_streak,
        )

    def day(self, day: date) -> str:
        # Translators: a Unicode date pattern (Babel/CLDR) for a day in the report.
        return format_date(day, self.gettext("EEE yyyy-MM-dd"), locale=self.language)

    def when(self, run: MissRun) -> str:
        if run.first == run.last:
            return self.day(run.first)
        return f"{self.day(run.first)} – {self.day(run.last)}"

    def bucket(self, published: int, expected: int) -> str:
        return self.ngettext(
            "{published} of {expected} day", "{published} of {expected} days", expected
        ).format(published=published, expected=expected)

    def run_length(self, run: MissRun) -> str:
        if run.kind is PostKind.DAILY:
            return self.ngettext("{count} day", "{count} days", run.count).format(count=run.count)
        return self.ngettext("{count} week", "{count} weeks", run.count).format(count=run.count)


@dataclass(frozen=True)
class MissRun:
    """Misses of one kind and reason in a row (no published slot between them)."""

    kind: PostKind
    reason: Reason
    first: date
    last: date
    count: int


def miss_runs(u: UnitCompliance) -> list[MissRun]:
    """The unit's misses with runs merged, so a year's report stays a page: ten empty days
    in a row are one line."""
    position = {
        PostKind.DAILY: {day.date: i for i, day in enumerate(u.days)},
        PostKind.WEEKLY: {week.date: i for i, week in enumerate(u.weeks)},
    }
    runs: list[MissRun] = []
    last: dict[PostKind, tuple[int, int]] = {}  # kind → (its position in the period, run index)
    for miss in u.misses:
        here = position[miss.kind][miss.date]
        before, index = last.get(miss.kind, (-2, -1))
        if before == here - 1 and runs[index].reason is miss.reason:
            runs[index] = replace(runs[index], last=miss.date, count=runs[index].count + 1)
        else:
            index = len(runs)
            runs.append(MissRun(miss.kind, miss.reason, miss.date, miss.date, 1))
        last[miss.kind] = (here, index)
    return sorted(runs, key=lambda r: (r.first, r.kind is PostKind.WEEKLY))


@dataclass(frozen=True)
class _Bucket:
    label: str
    expected: int
    published: int
    weekly_expected: int
    weekly_published: int


def _buckets(u: UnitCompliance) -> list[_Bucket]:
    """ISO weeks for up to a year and a bit, months beyond, so the bars stay readable."""
    by_month = (u.end - u.start).days > 7 * 60

    def key(day: date) -> date:
        return day.replace(day=1) if by_month else day - timedelta(days=day.weekday())

    # Every week (or month) of the period has its bar, empty or not.
    period = (u.start + timedelta(days=n) for n in range((u.end - u.start).days + 1))
    counts = {key(day): [0, 0, 0, 0] for day in period}
    for day in u.days:
        counts[key(day.date)][0] += 1
        counts[key(day.date)][1] += day.published
    for week in u.weeks:
        counts[key(week.date)][2] += 1
        counts[key(week.date)][3] += week.published
    return [
        _Bucket(f"{k:%m/%y}" if by_month else f"{k:%d/%m}", *v) for k, v in sorted(counts.items())
    ]


def chart_svg(u: UnitCompliance, w: _Words, name: str) -> str:
    """Bars per week (or month): days with a slot behind, days published in front; a dot
    above for the weekly story, filled when it went out."""
    buckets = _buckets(u)
    width, height = 960, 230
    left, right, top, bottom = 34, 8, 26, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([b.expected for b in buckets] + [1])
    step = plot_w / max(len(buckets), 1)
    bar = max(min(step * 0.7, 48), 2)

    def y(value: float) -> float:
        return top + plot_h - plot_h * value / top_value

    label = w.gettext("{name}: {published} of {expected} days published").format(
        name=name, published=u.days_published, expected=u.days_expected
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">'
    ]
    gap = max(1, top_value // 4)
    ticks = list(range(0, top_value + 1, gap))
    if top_value - ticks[-1] > gap / 2:  # the top too, unless it would crowd the last tick
        ticks.append(top_value)
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#e3e7eb"/><text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="#5f6b76">{tick}</text>'
        )
    every = max(1, math.ceil(len(buckets) * 44 / plot_w))  # labels ~40 px wide, never overlapping
    for index, b in enumerate(buckets):
        x = left + step * index + (step - bar) / 2
        center = x + bar / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y(b.expected):.1f}" width="{bar:.1f}" '
            f'height="{y(0) - y(b.expected):.1f}" fill="#d9dee3"><title>{escape(b.label)}: '
            + escape(w.bucket(b.published, b.expected))
            + "</title></rect>"
        )
        if b.published:
            parts.append(
                f'<rect x="{x:.1f}" y="{y(b.published):.1f}" width="{bar:.1f}" '
                f'height="{y(0) - y(b.published):.1f}" fill="#2e7d32"/>'
            )
        if b.weekly_expected:
            kept = b.weekly_published >= b.weekly_expected
            paint = 'fill="#2e7d32"' if kept else 'fill="none" stroke="#c62828" stroke-width="2"'
            parts.append(f'<circle cx="{center:.1f}" cy="{top - 13}" r="6" {paint}/>')
        if index % every == 0:
            parts.append(
                f'<text x="{center:.1f}" y="{height - bottom + 16}" font-size="11" '
                f'text-anchor="middle" fill="#5f6b76">{escape(b.label)}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts)
