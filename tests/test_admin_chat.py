"""Admin commands in chat through the running bot: role checks, the slot board, pending
drafts, pause and resume; command menus registered per scope."""

from __future__ import annotations

import re
from pathlib import Path

from tests import running
from tests.fakes.telegram import FakeTelegram

ADMIN, STRANGER, CHANNEL = 111, 999, -100500
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


def test_admin_commands_and_menus(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        tg.add_user(STRANGER, "Mallory")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"admins = [{ADMIN}]\n")
        cli("recap", "add", str(SAMPLE))
        cli("draft")  # the admin gets the approval request: message 1
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            everyone = [c["command"] for c in tg.commands({"type": "default"})]
            admins = [c["command"] for c in tg.commands({"type": "chat", "chat_id": ADMIN})]
            assert everyone == ["start", "today", "week", "stop", "help"]
            assert admins == [
                *everyone,
                *("new", "queue", "pending", "post", "stats", "pause", "resume"),
            ]
            # One menu per language: the default (config `language`, here vi) and each catalog.
            default_vi = tg.commands({"type": "default"})
            assert default_vi[0]["description"] == "Nhận tin tốt mỗi ngày"
            assert tg.commands({"type": "default"}, "vi") == default_vi
            english = tg.commands({"type": "chat", "chat_id": ADMIN}, "en")
            assert english[0]["description"] == "Get the good news every day"
            assert [c["command"] for c in english] == admins

            tg.push_message(STRANGER, "/queue")
            [refusal] = tg.wait_for_messages(STRANGER, 1)
            assert refusal["plain_text"] == "Lệnh này chỉ dành cho quản trị viên."

            tg.push_message(ADMIN, "/pending")
            pending = tg.wait_for_messages(ADMIN, 2)[1]  # the draft again, with its buttons
            assert pending["plain_text"].startswith("📝 Bản nháp #1 · Tin tốt mỗi ngày")
            assert pending["reply_markup"] == tg.messages(ADMIN)[0]["reply_markup"]

            tg.push_message(ADMIN, "/queue")
            board = tg.wait_for_messages(ADMIN, 3)[2]["plain_text"]
            header = re.match(r"Lịch đăng 14 ngày tới \((\d+) khung giờ trống\)\n", board)
            assert header is not None, board
            # 14 or 15 daily slots (by the hour now) and 2 weekly ones, all still empty.
            assert int(header.group(1)) == board.count("⚠️ trống · tg") in (16, 17)
            assert "\nThứ " in board or "\nCN " in board  # grouped by day

            tg.push_message(ADMIN, "/pause tg")
            assert tg.wait_for_messages(ADMIN, 4)[3]["plain_text"] == "Đã tạm dừng: tg"
            tg.push_message(ADMIN, "/pause nope")
            assert tg.wait_for_messages(ADMIN, 5)[4]["plain_text"] == (
                "không có kênh nào tên 'nope' trong cấu hình"
            )
            tg.push_message(ADMIN, "/resume")
            assert tg.wait_for_messages(ADMIN, 6)[5]["plain_text"] == "Đã tiếp tục: tg"
            tg.push_message(ADMIN, "/stats")
            stats = tg.wait_for_messages(ADMIN, 7)[6]["plain_text"]
            assert stats.startswith("Thống kê\nTuần này: 0 bài đã đăng · giữ nhịp ")
            assert "Tháng này: 0 bài đã đăng" in stats
            assert running.stop(proc) == 0
