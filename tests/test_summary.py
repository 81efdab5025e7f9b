"""The Monday summary: last week's cadence per unit, to each admin in their language, once."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import load
from bot.storage import db, people_rows
from bot.storage.db import session_scope
from tests.conftest import Cli
from tests.fakes.telegram import FakeTelegram

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
ANN, LAN, A_CHAT, B_CHAT = 6101, 6102, -100601, -100602


def head(tg: FakeTelegram) -> str:
    """The bot, its two admins and the organisation's cadence."""
    return f"""
timezone = "Asia/Ho_Chi_Minh"
[telegram]
api_url = "{tg.api_url}"
admins = [{ANN}, {LAN}]
[cadence]
daily_at = "07:30"
weekly_day = "sunday"
weekly_at = "19:00"
"""


def config(tg: FakeTelegram) -> str:
    return f"""{head(tg)}[[channels]]
name = "a-tg"
type = "telegram"
chat_id = {A_CHAT}
[[channels]]
name = "b-tg"
type = "telegram"
chat_id = {B_CHAT}
[[units]]
id = "a"
name = "Đơn vị A"
channels = ["a-tg"]
[[units]]
id = "b"
name = "Đơn vị B"
channels = ["b-tg"]
cadence = {{ daily_at = "09:00" }}
"""


def start(tg: FakeTelegram, workdir: Path, text: str) -> Cli:
    """The config written and the database made; Ann reads English, Lan Vietnamese."""
    tg.add_user(ANN, "Ann", language_code="en")
    tg.add_user(LAN, "Lan")
    (workdir / "config.toml").write_text(text, encoding="utf-8")
    cli = Cli({"TELEGRAM_BOT_TOKEN": tg.token})
    cli("init")
    engine = db.make_engine(load(None, environ={}).database_url)
    with session_scope(engine) as session:  # as if both had written to the bot
        people_rows.remember_language(session, user_id=ANN, language_code="en")
        people_rows.remember_language(session, user_id=LAN, language_code="vi")
    return cli


def test_the_monday_summary_says_who_kept_the_cadence_and_why_others_slipped(
    workdir: Path,
) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(A_CHAT, "a_tin_tot", "A")
        tg.add_channel(B_CHAT, "b_tin_tot", "B")
        cli = start(tg, workdir, config(tg))

        today = datetime.now(HCM).date()
        monday = today + timedelta(days=7 - today.weekday())  # next week, all in the future
        days = [monday + timedelta(days=n) for n in range(7)]

        def at(day: object, hhmm: str) -> str:
            return f"{day}T{hhmm}:00+07:00"

        for n, day in enumerate(days):  # unit A: every day, and the weekly story
            cli(
                "queue",
                "add",
                "--text",
                f"A ngày {n}\nTin tốt",
                "--channel",
                "a-tg",
                "--approved",
                "--at",
                at(day, "07:30"),
            )
        cli(
            "queue",
            "add",
            "--kind",
            "weekly",
            "--text",
            "A tuần\nChuyện đẹp",
            "--channel",
            "a-tg",
            "--approved",
            "--at",
            at(days[6], "19:00"),
        )
        for n in (0, 2, 3, 4):  # unit B: nothing on days 1, 5, 6; day 3 fails
            cli(
                "queue",
                "add",
                "--text",
                f"B ngày {n}\nTin tốt",
                "--channel",
                "b-tg",
                "--approved",
                "--at",
                at(days[n], "09:00"),
            )
        for n, day in enumerate(days):
            cli("tick", "--at", at(day, "07:30"))
            if n == 3:
                tg.fail_next(
                    "sendMessage", status=400, description="Bad Request: message is too long"
                )
            cli("tick", "--at", at(day, "09:00"))
        cli("tick", "--at", at(days[6], "19:00"))
        assert len(tg.messages(A_CHAT)) == 8 and len(tg.messages(B_CHAT)) == 3

        next_monday = at(monday + timedelta(days=7), "08:00")
        before = {ANN: len(tg.messages(ANN)), LAN: len(tg.messages(LAN))}
        printed = cli("summary", "--at", next_monday).stdout
        to_lan = tg.messages(LAN)[before[LAN] :]
        to_ann = tg.messages(ANN)[before[ANN] :]
        span = f"{monday:%d/%m} – {days[6]:%d/%m}"
        assert [m["plain_text"] for m in to_lan] == [
            f"📊 Nhịp đăng tuần trước ({span})\n"
            "✅ Giữ nhịp: Đơn vị A\n"
            "⚠️ Đơn vị B: 3/7 ngày · thiếu câu chuyện tuần (1 đăng lỗi, 4 khung giờ trống)"
        ]
        assert printed.strip() == to_lan[0]["plain_text"]  # the configured language
        [english] = to_ann
        assert english["plain_text"].endswith(
            "✅ Kept the cadence: Đơn vị A\n"
            "⚠️ Đơn vị B: 3/7 days · no weekly story (1 failed, 4 empty slots)"
        )
        # One summary a week, however often it is asked for.
        again = cli("summary", "--at", next_monday)
        assert "summarised already" in again.stderr
        assert len(tg.messages(LAN)) == before[LAN] + 1


SHARED_CHAT = -100603


def shared_config(tg: FakeTelegram) -> str:
    """One shared channel for the organisation; three units without channels of their own."""
    units = "".join(
        f'[[units]]\nid = "{u}"\nname = "Đơn vị {u.upper()}"\nchannels = []\n' for u in "abc"
    )
    return f"""{head(tg)}[[channels]]
name = "org-tg"
type = "telegram"
chat_id = {SHARED_CHAT}
{units}"""


def test_units_feeding_a_shared_channel_are_summarised_by_their_turns(
    workdir: Path, tmp_path: Path
) -> None:
    """A daily slot shared by three units: the channel is held to the cadence, each unit to
    its turns (not "1/7 days" every week for each)."""
    with FakeTelegram() as tg:
        tg.add_channel(SHARED_CHAT, "tin_tot_chung", "Tin tốt")
        cli = start(tg, workdir, shared_config(tg))
        today = datetime.now(HCM).date()
        monday = today + timedelta(days=7 - today.weekday())
        days = [monday + timedelta(days=n) for n in range(7)]

        def at(day: object, hhmm: str) -> str:
            return f"{day}T{hhmm}:00+07:00"

        turns = {0: "a", 1: "b", 2: "a", 3: "b", 4: "a", 6: "a"}  # Saturday's slot stays empty
        recap = tmp_path / "recap.txt"
        recap.write_text("Hiến máu\nĐơn vị A hiến 40 đơn vị máu.", encoding="utf-8")
        for n, unit in turns.items():
            cli(
                "queue",
                "add",
                "--text",
                f"Tin {n} của {unit}\nTin tốt",
                "--unit",
                unit,
                "--channel",
                "org-tg",
                "--approved",
                "--at",
                at(days[n], "07:30"),
            )
        cli(
            "queue",
            "add",
            "--kind",
            "weekly",
            "--text",
            "Chuyện tuần\nChuyện đẹp",
            "--unit",
            "b",
            "--channel",
            "org-tg",
            "--approved",
            "--at",
            at(days[6], "19:00"),
        )
        for day in days:
            cli("tick", "--at", at(day, "07:30"))
        cli("tick", "--at", at(days[6], "19:00"))
        cli("recap", "add", str(recap), "--unit", "a")  # waiting for A's next turn
        assert len(tg.messages(SHARED_CHAT)) == 7

        next_monday = at(monday + timedelta(days=7), "08:00")
        before = {ANN: len(tg.messages(ANN)), LAN: len(tg.messages(LAN))}
        cli("summary", "--at", next_monday)
        [to_lan] = tg.messages(LAN)[before[LAN] :]
        [to_ann] = tg.messages(ANN)[before[ANN] :]
        span = f"{monday:%d/%m} – {days[6]:%d/%m}"
        assert to_lan["plain_text"] == (
            f"📊 Nhịp đăng tuần trước ({span})\n"
            "⚠️ Kênh chung của tổ chức: 6/7 ngày (1 khung giờ trống)\n"
            "🔄 Lượt lên kênh chung:\n"
            f"• Đơn vị A: 4 lần, gần nhất {days[6]:%d/%m} · 1 bài gốc đang chờ\n"
            f"• Đơn vị B: 3 lần, gần nhất {days[6]:%d/%m} · không có bài gốc nào đang chờ\n"
            "⚠️ Đơn vị C: chưa lên kênh · không có bài gốc nào đang chờ"
        )
        sunday = f"{days[6].day} {days[6]:%b}"  # English days read "13 Dec"
        assert to_ann["plain_text"].endswith(
            "⚠️ The organisation's channels: 6/7 days (1 empty slot)\n"
            "🔄 Turns on the organisation's channels:\n"
            f"• Đơn vị A: 4 times, last {sunday} · 1 recap waiting\n"
            f"• Đơn vị B: 3 times, last {sunday} · no recap waiting\n"
            "⚠️ Đơn vị C: not featured · no recap waiting"
        )
