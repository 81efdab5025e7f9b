"""What the commands have people told, through the same code the worker uses: the events
outbox's one dispatcher (:func:`bot.chat.alerts.dispatch`: the officers' notices, the admins'
chat copies of a post brought in step after a change, ...), tomorrow's warning and the
weekly summary (recorded as events, then delivered). The CLI reaches the chat only through
here."""

from __future__ import annotations

from bot.chat.alerts import dispatch, send_notice, warn_empty_slots, weekly_summary

__all__ = ["dispatch", "send_notice", "warn_empty_slots", "weekly_summary"]
