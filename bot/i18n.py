"""Languages: gettext catalogs (Babel) in ``bot/locales``, chosen per person.

The source strings are English; ``vi`` is the default language (``language`` in config.toml).
A person's language is the ``language_code`` Telegram sends with their updates (``en-US``
→ ``en``), remembered in the database so the worker can write to them first in it; anything
we have no catalog for falls back to the configured language.

Catalogs are read from the ``.po`` files and compiled in memory on first use: there is no
``.mo`` build step to forget. To add or change a string::

    python -m bot.i18n          # re-extract, update both catalogs, list what is missing
"""

from __future__ import annotations

import gettext
import io
import sys
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "goodnews"
LANGUAGES = ("vi", "en")
#: The source language: its catalog is filled from the code itself.
SOURCE = "en"


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalog for ``language`` (one of :data:`LANGUAGES`)."""
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(language), use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def negotiate(language_code: str | None, default: str) -> str:
    """Our language for a Telegram ``language_code``: ``en-GB`` → ``en``; unknown → default."""
    if language_code:
        base = language_code.replace("_", "-").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default


def extract() -> Catalog:
    """Every translatable string in the package, as Babel's extractor finds it."""
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


#: ``_``/``ngettext`` in chat code; ``N_`` marks a string translated later (error templates).
_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def update_catalogs() -> dict[str, list[str]]:
    """Bring both catalogs in line with the code. Returns, per language, the msgids that
    still need a translation (the English catalog copies its source strings)."""
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
