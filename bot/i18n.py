"""Languages: gettext catalogs (Babel) in ``bot/locales``, chosen per person.

The source strings are English; ``vi`` is the default language (``language`` in config.toml).
A person's language is the ``language_code`` Telegram sends with their updates (``en-US``
→ ``en``), remembered in the database so the worker can write to them first in it; anything
we have no catalog for falls back to the configured language.

Catalogs are read from the ``.po`` files on first use: there is no ``.mo`` build step to
forget. The reader here is a small one (Babel takes ~0.3 s to import and compile, a third of
what a cron ``goodnews tick`` may cost); Babel extracts and updates. To add or change a string::

    python -m bot.i18n          # re-extract, update both catalogs, list what is missing
"""

from __future__ import annotations

import gettext
import io
import re
import struct
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.domain.errors import N_

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "goodnews"
LANGUAGES = ("vi", "en")
#: The source language: its catalog is filled from the code itself.
SOURCE = "en"

#: Short weekday names (0: Monday), shared by the CLI and the reports so no English
#: "Mon" is left in a Vietnamese line.
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))

#: How people read a post's or publication's status (the chat shows the same words).
STATUS_NAMES = {
    "pending": N_("waiting for approval"),
    "scheduled": N_("scheduled"),
    "published": N_("published"),
    "rejected": N_("rejected"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "retracted": N_("taken down"),
    "sent": N_("sent"),
    "unknown": N_("outcome unknown"),
    "claimed": N_("being published"),
    "sending": N_("being published"),
}

#: How people read a recap's or post's tone (:mod:`bot.domain.tone`).
TONE_NAMES = {"positive": N_("positive"), "neutral": N_("neutral"), "negative": N_("negative")}

#: How people read an audit log entry's action (the chat, the dashboard and the CLI).
ACTION_NAMES = {
    "approve": N_("approved"),
    "vote": N_("voted to approve"),
    "reject": N_("rejected"),
    "reject-reason": N_("gave the reason for rejecting"),
    "unapprove": N_("sent back for approval"),
    "edit": N_("edited"),
    "extractive": N_("kept the recap's own sentences"),
    "queue": N_("added to the queue"),
    "post-now": N_("published now"),
    "swap": N_("swapped slots"),
    "release": N_("released its slot"),
    "cancel": N_("cancelled"),
    "retry": N_("retried"),
    "send-again": N_("sent again"),
    "confirm-sent": N_("confirmed as published"),
    "correct": N_("corrected after publishing"),
    "retract": N_("took down"),
    "pause": N_("paused"),
    "resume": N_("resumed"),
    "grant": N_("granted a role"),
    "revoke": N_("revoked a role"),
}


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    from babel.messages.pofile import read_po

    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalog for ``language`` (one of :data:`LANGUAGES`)."""
    entries = _read_entries(catalog_path(language).read_text(encoding="utf-8"))
    return gettext.GNUTranslations(io.BytesIO(_mo_bytes(entries)))


def _read_entries(text: str) -> dict[str, str]:
    """The translated entries of a ``.po`` file as ``.mo`` keys and values: a plural's id is
    ``singular\\0plural`` and its strings are joined by NUL; fuzzy and empty ones are left
    out, as Babel's ``write_mo(use_fuzzy=False)`` leaves them out."""
    entries: dict[str, str] = {}
    fields: dict[str, list[str]] = {}
    current: list[str] = []
    fuzzy = False

    def flush() -> None:
        nonlocal fuzzy
        strings = ["".join(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        if "msgid" in fields and strings and all(strings) and not fuzzy:
            key = "".join(fields["msgid"])
            if "msgid_plural" in fields:
                key += "\0" + "".join(fields["msgid_plural"])
            if "msgctxt" in fields:
                key = "".join(fields["msgctxt"]) + "\x04" + key
            entries[key] = "\0".join(strings)
        fields.clear()
        fuzzy = False

    for line in text.splitlines():
        if line.startswith('"'):
            current.append(_unquote(line))
            continue
        ended = "msgstr" in fields or "msgstr[0]" in fields
        if not line.strip() or line.startswith("#"):  # a comment or blank line: between entries
            if ended:
                flush()
            fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
            continue
        keyword, _, literal = line.partition(" ")
        if ended and keyword in ("msgctxt", "msgid"):
            flush()
        current = fields.setdefault(keyword, [])
        current.append(_unquote(literal))
    flush()
    return entries


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(literal: str) -> str:
    """A ``.po`` string literal's text: ``"a \\"b\\"\\n"`` → ``a "b"`` and a newline."""
    text = literal.strip()[1:-1]
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), text)


def _mo_bytes(entries: dict[str, str]) -> bytes:
    """A GNU ``.mo`` file of ``entries`` (as CPython's Tools/i18n/msgfmt.py writes one)."""
    keys = sorted(entries)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(entries[k].encode() + b"\0" for k in keys)
    start = 7 * 4 + 16 * len(keys)
    offsets: list[int] = []
    id_at, str_at = start, start + len(ids)
    for key in keys:
        size = len(key.encode())
        offsets += [size, id_at]
        id_at += size + 1
    for key in keys:
        size = len(entries[key].encode())
        offsets += [size, str_at]
        str_at += size + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    return header + struct.pack(f"{len(offsets)}i", *offsets) + ids + strs


def negotiate(language_code: str | None, default: str) -> str:
    """Our language for a Telegram ``language_code``: ``en-GB`` → ``en``; unknown → default."""
    if language_code:
        base = language_code.replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default


def extract() -> Catalog:
    """Every translatable string in the package, as Babel's extractor finds it."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(domain=DOMAIN, project="goodnews")
    root = Path(__file__).parents[1]
    method_map = [
        ("bot/**.py", "python"),
        ("jobs/**.py", "python"),
        ("bot/web/templates/**.html", "jinja2"),  # the dashboard's `_("…")` calls
    ]
    options = {"**.py": {"encoding": "utf-8"}, "**.html": {"encoding": "utf-8"}}
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map=method_map, options_map=options, keywords=_KEYWORDS
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


#: ``_``/``ngettext`` in chat code; ``N_`` marks a string translated later (error templates);
#: ``tr`` is the CLI's (bot.cli_texts).
_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "tr": None}


def update_catalogs() -> dict[str, list[str]]:
    """Bring both catalogs in line with the code. Returns, per language, the msgids that
    still need a translation (the English catalog copies its source strings)."""
    from babel.messages.pofile import write_po

    template = extract()
    missing: dict[str, list[str]] = {}
    for language in LANGUAGES:
        catalog = read_catalog(language)
        before = _entries(catalog)
        created = catalog.creation_date
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        for message in catalog:
            if not message.id:
                continue
            if language == SOURCE and not _translated(message.string):
                message.string = message.id
        missing[language] = [str(m.id) for m in catalog if m.id and not _translated(m.string)]
        if _entries(catalog) == before:
            catalog.creation_date = created  # nothing changed: leave the file as it was
        with catalog_path(language).open("wb") as handle:
            write_po(handle, catalog, width=100, include_lineno=False)
    translations.cache_clear()
    return missing


def _entries(catalog: Catalog) -> list[tuple[object, object]]:
    return [(m.id, m.string) for m in catalog if m.id]


def _translated(string: object) -> bool:
    if isinstance(string, tuple):
        return all(string)
    return bool(string)


def main() -> int:
    missing = update_catalogs()
    for language, ids in missing.items():
        for msgid in ids:
            print(f"{language}: untranslated: {msgid!r}")
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
