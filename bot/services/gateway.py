"""The gateway lives in :mod:`bot.storage.gateway`, below the services, so the engagement
analytics reach the database through it too; services, chat and jobs import it from here."""

from bot.storage.gateway import POSTGRES_THREADS, Busy, Gateway, gateway_for

__all__ = ["POSTGRES_THREADS", "Busy", "Gateway", "gateway_for"]
