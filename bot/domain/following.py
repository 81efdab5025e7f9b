"""Which news a follower gets: the organisation's own always, and the units they chose."""

from __future__ import annotations


def chosen_units(stored: str | None) -> list[str] | None:
    """The units a follower chose, from the stored space-separated ids; None: all of them."""
    return None if stored is None else stored.split()


def follows(stored: str | None, unit: str | None) -> bool:
    """Whether a follower with these stored units gets a post of ``unit``: the
    organisation's own news (None) go to everyone."""
    return unit is None or stored is None or unit in stored.split()
