"""Telegram channels: config keys (schema), requests and limits (render), publisher, error
mapping (errors), ``check`` probe, the followers' direct messages (dm) and the bot (client)."""
