"""Member units: each unit's news goes to its own channels; the organisation's channels take
any unit's; a unit may keep its own cadence; a config without units works as before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.config import load, parse_settings
from bot.domain.errors import ConfigError
from bot.storage import db
from bot.storage.db import session_scope
from tests.conftest import Cli

CONFIG = """
timezone = "Asia/Ho_Chi_Minh"
[cadence]
daily_at = "07:30"
[[channels]]
name = "org-tg"
type = "telegram"
chat_id = "@doan_thanh_pho"
[[channels]]
name = "cnvc-tg"
type = "telegram"
chat_id = "@cnvc"
[[channels]]
name = "cnvc-fb"
type = "facebook"
page_id = "101"
[[channels]]
name = "phuong-tg"
type = "telegram"
chat_id = "@phuong"
cadence = { daily_at = "06:00" }
[[units]]
id = "cnvc"
name = "Khối Công nhân viên chức"
officers = [333]
channels = ["cnvc-tg", "cnvc-fb"]
cadence = { daily_at = "08:00" }
[[units]]
id = "phuong"
name = "Đoàn phường"
officers = [444]
channels = ["phuong-tg"]
cadence = { daily_at = "09:00" }
"""
RECAP = "{title}\nSáng nay, 50 đoàn viên {who} dọn sạch con hẻm và trồng thêm 30 cây xanh.\n"


@pytest.fixture
def cli(run_cli: Cli, workdir: Path) -> Cli:
    (workdir / "config.toml").write_text(CONFIG, encoding="utf-8")
    run_cli("init")
    return run_cli


def add_recap(cli: Cli, workdir: Path, title: str, unit: str | None) -> int:
    path = workdir / f"{title[:10]}.txt"
    path.write_text(RECAP.format(title=title, who=unit or "thành phố"), encoding="utf-8")
    return int(cli("recap", "add", str(path), *(["--unit", unit] if unit else [])).stdout)


def posts(cli: Cli) -> dict[int, dict[str, Any]]:
    return {p["id"]: p for p in json.loads(cli("queue", "--all", "--json").stdout)}


def channels_of(post: dict[str, Any]) -> list[str]:
    return sorted(p["channel"] for p in post["publications"])


def test_a_units_news_goes_to_its_channels_and_the_organisation_features_it(
    cli: Cli, workdir: Path
) -> None:
    mine = add_recap(cli, workdir, "Công nhân viên chức hiến máu", "cnvc")
    unit_post = int(cli("draft", "--unit", "cnvc", "--recap", str(mine)).stdout.split()[-1])
    org_post = int(cli("draft", "--recap", str(mine)).stdout.split()[-1])  # featured too
    for post_id in (unit_post, org_post):
        cli("approve", str(post_id))
    found = posts(cli)
    assert channels_of(found[unit_post]) == ["cnvc-fb", "cnvc-tg"]
    assert channels_of(found[org_post]) == ["org-tg"]
    # The unit's cadence applies to its channels: 08:00, not the organisation's 07:30.
    times = {p["channel"]: p["due_at"][11:16] for p in found[unit_post]["publications"]}
    assert times == {"cnvc-tg": "08:00", "cnvc-fb": "08:00"}
    assert found[org_post]["publications"][0]["due_at"][11:16] == "07:30"
    # The same recap cannot go twice to the same audience, nor to another unit.
    assert "already drafted" in cli("draft", "--recap", str(mine), ok=False).stderr
    refused = cli("draft", "--unit", "phuong", "--recap", str(mine), ok=False)
    assert refused.exit_code == 1 and "is not unit phuong's news" in refused.stderr


def test_a_channels_own_cadence_wins_over_its_units(cli: Cli, workdir: Path) -> None:
    add_recap(cli, workdir, "Đoàn phường trồng cây", "phuong")
    post_id = int(cli("draft", "--unit", "phuong").stdout.split()[-1])
    cli("approve", str(post_id))
    [publication] = posts(cli)[post_id]["publications"]
    assert (publication["channel"], publication["due_at"][11:16]) == ("phuong-tg", "06:00")


def test_drafting_for_a_unit_takes_only_its_recaps(cli: Cli, workdir: Path) -> None:
    add_recap(cli, workdir, "Công nhân viên chức hiến máu", "cnvc")
    refused = cli("draft", "--unit", "phuong", ok=False)
    assert refused.exit_code == 1 and "no recap left" in refused.stderr
    assert (
        cli("draft", "--unit", "nope", ok=False)
        .stderr.strip()
        .endswith("no unit 'nope' in the config")
    )


def test_a_post_queued_for_a_units_channel_is_that_units(cli: Cli) -> None:
    post_id = int(
        cli("queue", "add", "--text", "Tin vui\nCông đoàn tặng quà", "--channel", "cnvc-tg").stdout
    )
    engine = db.make_engine(load(None, environ={}).database_url)
    from bot.storage import post_rows

    with session_scope(engine) as session:
        post = post_rows.get_post(session, post_id=post_id)
        assert (post.unit, post.audience) == ("cnvc", "cnvc")


def test_unit_officers_are_officers(cli: Cli) -> None:
    from bot.services import access

    config = load(None, environ={})
    engine = db.make_engine(config.database_url)
    with session_scope(engine) as session:
        assert "officer" in access.roles_of(session, config, 333)
        assert access.people_with(session, config, "officer") == [333, 444]
    assert config.unit_of_officer(444) is not None
    assert [c.name for c in config.channels_of(None)] == ["org-tg"]


@pytest.mark.parametrize(
    ("units", "problem"),
    [
        ('[[units]]\nid = "a"\nname = "A"\nchannels = ["nope"]\n', "no channel named 'nope'"),
        (
            '[[units]]\nid = "a"\nname = "A"\n[[units]]\nid = "a"\nname = "B"\n',
            "duplicate unit id 'a'",
        ),
        (
            '[[units]]\nid = "a"\nname = "A"\nchannels = ["tg"]\n'
            '[[units]]\nid = "b"\nname = "B"\nchannels = ["tg"]\n',
            "'tg' already belongs to unit 'a'",
        ),
        ('[[units]]\nid = "Bad Id"\nname = "A"\n', "units"),
    ],
)
def test_bad_units_are_one_line_errors(units: str, problem: str) -> None:
    text = '[[channels]]\nname = "tg"\ntype = "telegram"\nchat_id = "@x"\n' + units
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, source="config.toml")
    message = str(caught.value)
    assert problem in message and "\n" not in message


def test_without_units_everything_is_the_organisations(run_cli: Cli, workdir: Path) -> None:
    assert not (workdir / "config.toml").exists()
    run_cli("init")
    config = load(None, environ={})
    assert config.units == [] and config.channels_of(None) == config.channels


def test_officers_are_warned_about_their_own_units_empty_slots(workdir: Path) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from tests.fakes.telegram import FakeTelegram

    with FakeTelegram() as tg:
        for user, name in ((111, "Lan"), (333, "Hùng"), (444, "Mai")):
            tg.add_user(user, name)
        config = CONFIG.replace(
            "[cadence]", f'[telegram]\napi_url = "{tg.api_url}"\nadmins = [111]\n[cadence]'
        )
        (workdir / "config.toml").write_text(config, encoding="utf-8")
        cli = Cli({"TELEGRAM_BOT_TOKEN": tg.token})
        cli("init")
        add_recap(cli, workdir, "Công nhân viên chức hiến máu", "cnvc")
        evening = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).replace(hour=18, minute=0)
        cli("warn", "--at", (evening + timedelta(seconds=0)).isoformat())
        warning = tg.messages(111)[-1]["plain_text"]
        assert all(name in warning for name in ("org-tg", "cnvc-tg", "phuong-tg"))
        [to_cnvc] = tg.messages(333)
        assert "cnvc-tg" in to_cnvc["plain_text"] and "phuong-tg" not in to_cnvc["plain_text"]
        [to_phuong] = tg.messages(444)
        assert "phuong-tg" in to_phuong["plain_text"] and "cnvc" not in to_phuong["plain_text"]
        assert "Không còn bài gốc nào" in to_phuong["plain_text"]  # phuong has sent none
        # cnvc's recap became a draft for its channels; the organisation's slot got one too.
        drafts = [p for p in posts(cli).values() if p["status"] == "pending"]
        assert len(drafts) == 2


def test_a_units_officer_sees_only_the_units_slots_admins_see_all(workdir: Path) -> None:
    from tests import running
    from tests.fakes.telegram import FakeTelegram

    with FakeTelegram() as tg:
        for user, name in ((111, "Lan"), (333, "Hùng"), (999, "Lạ")):
            tg.add_user(user, name)
        config = CONFIG.replace(
            "[cadence]",
            f'[telegram]\napi_url = "{tg.api_url}"\npoll_timeout = 1\nadmins = [111]\n[cadence]',
        )
        (workdir / "config.toml").write_text(config, encoding="utf-8")
        env = {"TELEGRAM_BOT_TOKEN": tg.token}
        Cli(env)("init")
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(333, "/queue")
            board = tg.wait_for_messages(333, 1)[0]["plain_text"]
            assert "cnvc-tg" in board and "cnvc-fb" in board
            assert "org-tg" not in board and "phuong-tg" not in board
            tg.push_message(111, "/queue")
            everything = tg.wait_for_messages(111, 1)[0]["plain_text"]
            assert all(name in everything for name in ("org-tg", "cnvc-tg", "phuong-tg"))
            tg.push_message(999, "/queue")
            assert tg.wait_for_messages(999, 1)[0]["plain_text"] == (
                "Lệnh này chỉ dành cho quản trị viên."
            )
            assert running.stop(proc) == 0
