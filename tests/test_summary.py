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


def config(tg: FakeTelegram) -> str:
    return f"""
timezone = "Asia/Ho_Chi_Minh"
[telegram]
api_url = "{tg.api_url}"
admins = [{ANN}, {LAN}]
[cadence]
daily_at = "07:30"
weekly_day = "sunday"
weekly_at = "19:00"
[[channels]]
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


def test_the_monday_summary_says_who_kept_the_cadence_and_why_others_slipped(
    workdir: Path,
) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(A_CHAT, "a_tin_tot", "A")
        tg.add_channel(B_CHAT, "b_tin_tot", "B")
        tg.add_user(ANN, "Ann", language_code="en")
        tg.add_user(LAN, "Lan")
        (workdir / "config.toml").write_text(config(tg), encoding="utf-8")
        cli = Cli({"TELEGRAM_BOT_TOKEN": tg.token})
        cli("init")
        engine = db.make_engine(load(None, environ={}).database_url)
        with session_scope(engine) as session:  # as if both had written to the bot
            people_rows.remember_language(session, user_id=ANN, language_code="en")
            people_rows.remember_language(session, user_id=LAN, language_code="vi")

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
