"""/help and an admin's or officer's /start: what the bot is for, what this person does
here, and their commands (the same list as their command menu)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.chat.people import reader, roles_of
from bot.chat.texts import ModuleTexts

#: The command menu's audience for each role, the first that applies.
_AUDIENCES = (("admin", "admins"), ("officer", "officers"))


class RoleTexts(ModuleTexts):
    """One reader's help, by role."""

    def help(self, roles: set[str]) -> str:
        audience = next((a for role, a in _AUDIENCES if role in roles), "everyone")
        role = {
            "admins": self._(
                "You are an admin: drafts come here with their buttons, and /post N shows "
                "any post whole, to edit, cancel or take down."
            ),
            "officers": self._(
                "You are a communication officer: send me a recap (text, a document or a "
                "photo with a caption) and I draft a post from it for the admins."
            ),
            "everyone": self._("Send /start to get the good news by direct message."),
        }[audience]
        commands = [f"/{name} — {what}" for name, what in self.t.commands(audience)]
        intro = self.t.help().split("\n", 1)[0]
        return "\n".join([intro, role, "", self._("Your commands:"), *commands])


async def reply_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the person's role and commands."""
    message, user = update.effective_message, update.effective_user
    if message is None:
        return
    roles = await roles_of(context, user.id) if user is not None else set()
    await message.reply_text(RoleTexts(reader(context, user)).help(roles))
