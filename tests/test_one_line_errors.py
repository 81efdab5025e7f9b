"""Bad input is one line, never a traceback (issue #17, finding 11): forged buttons and
commands in a real `goodnews run`, instants at the ends of the calendar, an absurd duration
in the config, broken CSV files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import running
from tests.conftest import Cli
from tests.fakes.telegram import FakeTelegram

ADMIN, CHANNEL = 111, -100990
SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "recap-vi-hien-mau.txt"


def test_forged_buttons_and_commands_get_an_answer_not_a_traceback(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"owners = [{ADMIN}]")
        cli("recap", "add", str(SAMPLE))
        cli("draft")
        [request] = tg.messages(ADMIN)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            taps = [
                tg.push_callback(ADMIN, ADMIN, request["message_id"], data)
                for data in ("approve:²", "at:1:999999999999", "at:1:１２")
            ]
            ids = {tap["callback_query"]["id"] for tap in taps}
            tg.wait_for_calls(
                "answerCallbackQuery", 3, lambda c: c.params.get("callback_query_id") in ids, 10
            )
            answers = tg.callback_answers()
            assert [answers[t["callback_query"]["id"]]["text"] for t in taps] == [
                "Nút này không còn hiệu lực."
            ] * 3
            tg.push_message(ADMIN, "/grant ² admin")
            usage = tg.wait_for_messages(ADMIN, 2, timeout=10)[1]
            assert usage["plain_text"].startswith("Cách dùng: /grant")
            assert running.stop(proc) == 0
        log = (workdir / "worker.log").read_text(encoding="utf-8")
        assert "Traceback" not in log, log
        [post] = json.loads(cli("queue", "--all", "--json").stdout)
        assert post["status"] == "pending"


def test_anything_but_a_telegram_user_id_gets_the_usage_line(workdir: Path) -> None:
    # Telegram user ids fit in 52 bits: a longer number is no one's, and it would overflow
    # the database's BIGINT and reach the error handler; 2**52 - 1 is still an id. "--5"
    # once passed the check and reached int().
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        cli, env = running.prepare(workdir, tg, CHANNEL, f"owners = [{ADMIN}]")
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            refused = ["/grant --5 admin", "/revoke --5 officer"] + [
                f"/grant {typed} admin" for typed in ("99999999999999999999", str(2**52), "0", "-5")
            ]
            for typed in [*refused, f"/grant {2**52 - 1} admin"]:
                tg.push_message(ADMIN, typed)
            answers = [a["plain_text"] for a in tg.wait_for_messages(ADMIN, 7, timeout=10)]
            usage = "Cách dùng: /grant <user_id> admin|officer (hoặc /revoke)."
            assert answers[:6] == [usage] * 6
            assert str(2**52 - 1) in answers[6] and not answers[6].startswith("Cách dùng")
            assert running.stop(proc) == 0
        log = (workdir / "worker.log").read_text(encoding="utf-8")
        assert "Traceback" not in log and "while handling" not in log, log
        grants = [e["detail"] for e in json.loads(cli("audit", "--json").stdout)]
        assert grants == [f"admin for {2**52 - 1}"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tick", "--at", "9999-12-31T23:59:59+00:00"), "--at: 9999-12-31 is outside the years"),
        (("tick", "--at", "0001-01-01T00:00:00"), "--at: 0001-01-01 is outside the years"),
        (("summary", "--at", "9999-12-31T23:59:59+00:00"), "--at: 9999-12-31 is outside"),
        (("warn", "--at", "9999-12-31T23:59:59+00:00"), "--at: 9999-12-31 is outside"),
        (("report", "--from", "0001-01-01", "--to", "9999-12-31"), "--from: 0001-01-01 is outside"),
        (("queue", "add", "--text", "T\nB.", "--at", "9999-12-31T23:00:00"), "--at: 9999-12-31"),
    ],
)
def test_instants_at_the_ends_of_the_calendar_are_one_line(
    run_cli: Cli, args: tuple[str, ...], message: str
) -> None:
    run_cli("init")
    result = run_cli(*args, ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(f"Error: {message}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_absurd_duration_in_the_config_is_one_line(run_cli: Cli, workdir: Path) -> None:
    (workdir / "config.toml").write_text(
        '[cadence]\ncatch_up_grace = "99999999999d"\n', encoding="utf-8"
    )
    result = run_cli("queue", ok=False)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "catch_up_grace" in lines[0] and "longer than a year" in lines[0]


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        (
            (
                'text,kind\n"Tin một\nNội dung.",daily\n'
                '"Tin hai\nchưa đóng ngoặc,daily\nTin ba,daily\n'
            ),
            "line 4: a quoted field is never closed",
        ),
        (
            'text,kind\n"Tin một\nNội dung.",daily\n"Tin hai\nNội dung.",daily,thừa\n',
            "line 4: 3 fields, but the first line names 2 columns (text, kind)",
        ),
        (
            'text,kind\n"Tin một\nNội dung.",daily\n"' + "a" * 140_000 + '",daily\n',
            "line 4: a field is longer than 131,072 characters",
        ),
    ],
)
def test_broken_csv_files_are_one_line_naming_where_the_row_starts(
    run_cli: Cli, workdir: Path, csv_text: str, message: str
) -> None:
    run_cli("init")
    (workdir / "posts.csv").write_text(csv_text, encoding="utf-8")
    result = run_cli("queue", "import", "posts.csv", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: posts.csv {message}"
    assert json.loads(run_cli("queue", "--all", "--json").stdout) == []
