"""Platforms as plug-ins: one folder per channel type (``bot/platforms/<type>/``) holding its
config schema, rendering and limits, publisher, error mapping, check and texts.

Kept empty so that loading a platform's config schema imports nothing else; the pieces are
in :mod:`bot.platforms.base`, :mod:`bot.platforms.registry` and
:mod:`bot.platforms.publishers`.
"""
