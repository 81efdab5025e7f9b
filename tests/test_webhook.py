"""`goodnews run --webhook`: updates arrive over HTTP; Telegram's secret token is checked on
every request (wrong or missing: 403)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests import running
from tests.conftest import Cli
from tests.fakes.telegram import FakeTelegram

USER, CHANNEL, SECRET = 501, -100600, "s3cret-token_for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except urllib.error.URLError:
        return 0  # not listening yet


def _prepare(workdir: Path, tg: FakeTelegram) -> dict[str, str]:
    """A channel and a user at the fake, the config, the database: the worker's environment."""
    tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
    tg.add_user(USER, "Mai")
    (workdir / "config.toml").write_text(
        f'[telegram]\napi_url = "{tg.api_url}"\n'
        f'[[channels]]\nname = "tg"\ntype = "telegram"\nchat_id = {CHANNEL}\n',
        encoding="utf-8",
    )
    env = {"TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_WEBHOOK_SECRET": SECRET}
    Cli(env)("init")
    return env


@pytest.mark.parametrize("web", [[], ["--web"]], ids=["worker", "worker-and-dashboard"])
def test_webhook_mode_checks_the_secret_token(workdir: Path, web: list[str]) -> None:
    """Alone, or through the dashboard's server (`run --web`): the same answers."""
    port = free_port()
    public = "https://goodnews.example.org/telegram"  # TLS ends at the platform's router
    url = f"http://127.0.0.1:{port}/telegram"
    with FakeTelegram() as tg:
        env = _prepare(workdir, tg)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "run",
                "--webhook",
                public,
                "--port",
                str(port),
                "--listen",
                "127.0.0.1",
                *web,
            ],
            cwd=workdir,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=(workdir / "worker.log").open("w"),
        )
        try:
            hook = tg.wait_for_call("setWebhook", timeout=20)
            assert hook.params["url"] == public and hook.params["secret_token"] == SECRET
            update = tg.push_message(USER, "/start")  # built like Telegram's, not polled
            deadline = time.monotonic() + 60  # a loaded machine starts the server slowly
            while post(url, {"update_id": 1, "message": {}}, "wrong") != 403:
                assert time.monotonic() < deadline, "the webhook server never answered"
                time.sleep(0.1)  # waiting for another process's server, with a deadline
            assert post(url, update, None) == 403
            assert tg.messages(USER) == []  # nothing was processed
            assert post(url, update, SECRET) == 200
            [welcome] = tg.wait_for_messages(USER, 1)
            assert welcome["plain_text"].startswith("Chào bạn!")
            assert tg.calls("getUpdates") == []  # no long polling in webhook mode
            if web:  # the dashboard answers on the same port
                health = f"http://127.0.0.1:{port}/healthz"
                with urllib.request.urlopen(health, timeout=5) as answer:
                    assert answer.status == 200  # the database answers
                    assert "heartbeat_age" in json.loads(answer.read())
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()


def test_webhook_needs_an_https_url(run_cli: Cli) -> None:
    run_cli("init")
    result = run_cli("run", "--webhook", "http://example.org/hook", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Error: --webhook takes the bot's public https://")


def _raw(port: int, head: str, body: bytes) -> str:
    """Send the headers and the first bytes of a (possibly much longer) body, and read the
    status line: a server that checks before reading answers at once; one that reads the
    whole announced body first never answers (the timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        try:
            return sock.recv(200).decode(errors="replace").split("\r\n")[0]
        except TimeoutError:
            return "no answer"


@pytest.mark.parametrize("web", [[], ["--web"]], ids=["worker", "worker-and-dashboard"])
def test_the_secret_is_checked_before_the_body_and_bodies_are_capped(
    workdir: Path, web: list[str]
) -> None:
    # Issue #17 (7): 95 MB POSTs without the secret were read whole before the 403.
    port = free_port()
    with FakeTelegram() as tg:
        env = _prepare(workdir, tg)
        args = ["--webhook", "https://goodnews.example.org/telegram", "--port", str(port)]
        with running.worker(workdir, env, *args, "--listen", "127.0.0.1", *web) as proc:
            tg.wait_for_call("setWebhook", timeout=20)
            deadline = time.monotonic() + 60  # a loaded machine starts the server slowly
            while post(f"http://127.0.0.1:{port}/telegram", {}, "wrong") != 403:
                assert time.monotonic() < deadline, "the webhook server never answered"
                time.sleep(0.1)  # waiting for another process's server, with a deadline
            head = "POST /telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            big = f"Content-Length: {95 * 1024 * 1024}\r\n"
            assert _raw(port, head + big, b"{" * 1024).startswith("HTTP/1.1 403 ")
            with_secret = head + f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
            too_big = f"Content-Length: {2 * 1024 * 1024}\r\n"
            assert _raw(port, with_secret + too_big, b"{" * 1024).startswith("HTTP/1.1 413 ")
            update = tg.push_message(USER, "/start")
            body = json.dumps(update).encode()
            fits = f"Content-Length: {len(body)}\r\n"
            assert _raw(port, with_secret + fits, body).startswith("HTTP/1.1 200 ")
            [welcome] = tg.wait_for_messages(USER, 1)
            assert welcome["plain_text"].startswith("Chào bạn!")
            assert running.stop(proc) == 0


def test_with_webhook_url_the_web_process_takes_chat_and_the_worker_only_publishes(
    workdir: Path,
) -> None:
    # Issue #16: a Heroku-style host starts `web:` with $PORT and $WEBHOOK_URL set, and the
    # `worker:` beside it; one of them only may receive the token's updates.
    port = free_port()
    public = "https://goodnews.example.org/telegram"
    with FakeTelegram() as tg:
        env = {**_prepare(workdir, tg), "WEBHOOK_URL": public}
        web = subprocess.Popen(
            [sys.executable, "-m", "bot", "web", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=(workdir / "web.log").open("w"),
        )
        try:
            hook = tg.wait_for_call("setWebhook", timeout=30)
            assert hook.params["url"] == public and hook.params["secret_token"] == SECRET
            url = f"http://127.0.0.1:{port}/telegram"
            deadline = time.monotonic() + 60  # a loaded machine starts the server slowly
            while post(url, {"update_id": 1, "message": {}}, "wrong") != 403:
                assert time.monotonic() < deadline, "the web process never answered"
                time.sleep(0.1)  # waiting for another process's server, with a deadline
            assert post(url, tg.push_message(USER, "/start"), SECRET) == 200
            [welcome] = tg.wait_for_messages(USER, 1)
            assert welcome["plain_text"].startswith("Chào bạn!")
            with running.worker(workdir, env) as worker:
                worker_log = workdir / "worker.log"
                deadline = time.monotonic() + 60
                while "goodnews is running" not in worker_log.read_text(encoding="utf-8"):
                    assert time.monotonic() < deadline, worker_log.read_text(encoding="utf-8")
                    time.sleep(0.1)  # the worker up (Ctrl-C before that aborts), with a deadline
                assert "this worker publishes" in worker_log.read_text(encoding="utf-8")
                assert running.stop(worker) == 0
            assert tg.calls("getUpdates") == []  # nobody polled: the webhook keeps the updates
            web.send_signal(signal.SIGINT)
            assert web.wait(timeout=20) == 0
        finally:
            if web.poll() is None:
                web.kill()
