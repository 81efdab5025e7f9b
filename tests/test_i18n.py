"""Languages: the catalogs cover every string, translations keep their placeholders, no
user-visible text hides outside the catalogs, and each person reads the bot in their app's
language (an English-speaking admin gets English; a Vietnamese one, Vietnamese)."""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import i18n
from bot.chat.texts import Texts, texts_for
from bot.domain.posts import PostKind
from tests import running
from tests.fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "bot" / "samples" / "recap-vi-hien-mau.txt"
ANN, LAN, CHANNEL = 5101, 5102, -100510
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_string_in_the_code_is_translated_with_its_placeholders(language: str) -> None:
    wanted = {m.id for m in i18n.extract() if m.id}
    catalog = i18n.read_catalog(language)
    have = {m.id: m for m in catalog if m.id}
    assert wanted - set(have) == set(), "run `python -m bot.i18n`"
    assert set(have) - wanted == set(), "obsolete entries: run `python -m bot.i18n`"
    for msgid, message in have.items():
        assert not message.fuzzy, msgid
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: untranslated {msgid!r}"
        for translated in strings:
            assert fields(str(translated)) == fields(str(ids[0])), f"{language}: {msgid!r}"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_the_small_po_reader_reads_what_babel_reads(language: str) -> None:
    """bot.i18n reads the catalogs without Babel; Babel's compiled catalog is the reference,
    plural forms and the header included."""
    import gettext
    import io

    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, i18n.read_catalog(language), use_fuzzy=False)
    buffer.seek(0)
    babel = gettext.GNUTranslations(buffer)
    ours = i18n.translations(language)
    assert ours._catalog == babel._catalog  # type: ignore[attr-defined]
    assert [ours.ngettext("a", "b", n) for n in range(3)] == [
        babel.ngettext("a", "b", n) for n in range(3)
    ]


def test_the_small_po_reader_skips_fuzzy_and_empty_entries_and_decodes_escapes() -> None:
    po = (
        'msgid ""\nmsgstr "Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#, fuzzy\nmsgid "guess"\nmsgstr "đoán"\n\n'
        'msgid "empty"\nmsgstr ""\n\n'
        'msgid ""\n"say \\"hi\\"\\n"\n"twice"\nmsgstr "nói \\"chào\\"\\n"\n"hai lần"\n'
    )
    entries = i18n._read_entries(po)
    assert entries.keys() == {"", 'say "hi"\ntwice'}
    assert entries['say "hi"\ntwice'] == 'nói "chào"\nhai lần'


#: Calls whose text argument people read.
_SHOWN = {
    "reply_text",
    "send_message",
    "answer",
    "edit_text",
    "edit_message_text",
    "InlineKeyboardButton",
    "BotCommand",
}


def test_no_user_visible_text_outside_the_catalogs() -> None:
    """A literal with letters handed straight to Telegram would skip translation."""
    found = []
    for path in sorted((ROOT / "bot" / "chat").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in _SHOWN:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords if k.arg == "text")]:
                for leaf in ast.walk(arg):
                    if not isinstance(leaf, ast.Constant) or not isinstance(leaf.value, str):
                        continue
                    if re.search(r"[^\W\d_]", leaf.value):
                        found.append(f"{path.name}:{leaf.lineno}: {leaf.value!r}")
    assert found == []


def test_language_codes_map_to_our_catalogs() -> None:
    assert i18n.negotiate("en-US", "vi") == "en"
    assert i18n.negotiate("vi", "en") == "vi"
    assert i18n.negotiate("fr", "vi") == "vi"  # no French catalog: the configured language
    assert i18n.negotiate(None, "en") == "en"


def test_dates_are_in_the_readers_language_and_the_configured_zone() -> None:
    instant = datetime(2026, 11, 29, 0, 30, tzinfo=UTC)  # 07:30 in Hanoi, a Sunday
    assert texts_for("vi", TZ).when(instant) == "07:30 Chủ Nhật 29/11/2026 (GMT+7)"
    assert texts_for("en", TZ).when(instant) == "07:30, Sunday 29 Nov 2026 (GMT+7)"
    berlin = Texts("en", ZoneInfo("Europe/Berlin"))
    assert berlin.when(instant) == "01:30, Sunday 29 Nov 2026 (GMT+1)"


def test_plurals_follow_each_language() -> None:
    en, vi = texts_for("en", TZ), texts_for("vi", TZ)
    assert en.board_header(1).endswith("(1 empty slot)")
    assert en.board_header(2).endswith("(2 empty slots)")
    assert vi.board_header(2).endswith("(2 khung giờ trống)")
    assert en.kind(PostKind.WEEKLY) == "Beautiful story of the week"


def test_an_english_speaking_admin_gets_english_and_a_vietnamese_one_vietnamese(
    workdir: Path,
) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ANN, "Ann", language_code="en")
        tg.add_user(LAN, "Lan", language_code="vi")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"admins = [{ANN}, {LAN}]\n")
        cli("recap", "add", str(SAMPLE))
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(ANN, "/help")
            [hello] = tg.wait_for_messages(ANN, 1)
            assert hello["plain_text"].startswith("I am the “One good news a day")
            tg.push_message(LAN, "/help")
            assert tg.wait_for_messages(LAN, 1)[0]["plain_text"].startswith("Tôi là bot")
            cli("draft")  # sent by another process: the languages come from the database
            to_ann = tg.wait_for_messages(ANN, 2)[1]
            to_lan = tg.wait_for_messages(LAN, 2)[1]
            assert to_ann["plain_text"].startswith("📝 Draft #1 · Good news of the day")
            assert "To be published: 07:30, " in to_ann["plain_text"]
            assert to_lan["plain_text"].startswith("📝 Bản nháp #1 · Tin tốt mỗi ngày")
            keyboard = to_ann["params"]["reply_markup"]["inline_keyboard"]
            assert [b["text"] for b in keyboard[0]] == ["✅ Approve", "🕒 Reschedule", "❌ Reject"]

            tg.push_callback(ANN, ANN, to_ann["message_id"], "approve:1")
            tg.wait_for_call("editMessageText", timeout=20)
            tg.wait_for_call(
                "editMessageText", lambda c: str(c.params.get("chat_id")) == str(LAN), timeout=20
            )
            assert tg.messages(ANN)[1]["plain_text"].startswith("✅ Approved #1 by Ann")
            assert tg.messages(LAN)[1]["plain_text"].startswith(
                "✅ Đã duyệt bài #1 · người duyệt: Ann"
            )

            tg.push_message(ANN, "/queue")
            board = tg.wait_for_messages(ANN, 3)[2]["plain_text"]
            assert board.startswith("The next 14 days (")
            assert running.stop(proc) == 0
