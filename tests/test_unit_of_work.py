"""Issue #11 item 1: each service call is one unit of work that hands back plain views, never a
live row; the CLI and the web dashboard go through the same units instead of opening sessions
themselves."""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
import pkgutil
import typing
from pathlib import Path
from types import ModuleType

import pytest
from sqlmodel import Session, SQLModel, select

import bot.services
import bot.web
from bot.services.views import RecapView
from bot.storage import db
from bot.storage.gateway import Gateway
from bot.storage.models import Recap

#: Where the CLI still opens its own session: commands with no service behind them.
CLI_SESSIONS_ALLOWED: set[str] = set()


def _services() -> list[ModuleType]:
    names = [m.name for m in pkgutil.iter_modules(bot.services.__path__)]
    return [importlib.import_module(f"bot.services.{name}") for name in names]


def _models_in(hint: object) -> list[type]:
    """Every storage model named in a type hint, inside containers and unions too."""
    if isinstance(hint, type) and issubclass(hint, SQLModel):
        return [hint]
    return [model for arg in typing.get_args(hint) for model in _models_in(arg)]


def test_no_service_hands_back_a_live_row() -> None:
    offenders = []
    for module in _services():
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            returned = typing.get_type_hints(fn).get("return")
            if _models_in(returned):
                offenders.append(f"{module.__name__}.{name} -> {returned}")
    assert offenders == []


def test_the_check_sees_a_row_inside_a_container() -> None:
    assert _models_in(list[tuple[Recap, list[int]]]) == [Recap]
    assert _models_in(tuple[int, Recap | None]) == [Recap]
    assert _models_in(dict[str, int]) == []


def _session_scopes(tree: ast.AST) -> list[str]:
    """The functions that open a session themselves (``session_scope``, ``Session(...)``)."""
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call)]
            names = {getattr(c.func, "attr", getattr(c.func, "id", None)) for c in calls}
            if names & {"session_scope", "Session"}:
                found.append(getattr(fn, "name", "<lambda>"))
    return found


def _scopes_in(module: str) -> list[str]:
    source = Path(inspect.getfile(importlib.import_module(module))).read_text(encoding="utf-8")
    return [f"{module}.{name}" for name in _session_scopes(ast.parse(source))]


def test_the_cli_opens_no_session_of_its_own() -> None:
    assert {name.removeprefix("bot.cli.") for name in _scopes_in("bot.cli")} <= CLI_SESSIONS_ALLOWED


def test_the_web_dashboard_opens_no_session_of_its_own() -> None:
    """Every page and action reaches the database through the gateway, off the event loop."""
    modules = [f"bot.web.{m.name}" for m in pkgutil.iter_modules(bot.web.__path__)]
    assert "bot.web.app" in modules
    assert [name for module in modules for name in _scopes_in(module)] == []


def test_the_check_sees_a_session_scope() -> None:
    tree = ast.parse("def f(e):\n    with db.session_scope(e) as s:\n        pass\n")
    assert _session_scopes(tree) == ["f"]
    tree = ast.parse("async def g(e):\n    return (lambda: Session(e))()\n")
    assert _session_scopes(tree) == ["g", "<lambda>"]


def test_a_unit_commits_its_work_and_rolls_back_on_failure(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'u.db'}")
    db.upgrade(engine)

    def store(session: Session, title: str) -> int:
        recap = Recap(title=title, text=title)
        session.add(recap)
        session.flush()
        assert recap.id is not None
        return recap.id

    def store_then_fail(session: Session) -> None:
        store(session, "lost")
        raise ValueError("boom")

    kept = db.unit(engine, store, "kept")
    with pytest.raises(ValueError, match="boom"):
        db.unit(engine, store_then_fail)
    titles = db.unit(engine, lambda session: [r.title for r in session.exec(select(Recap))])
    assert (kept, titles) == (1, ["kept"])


def test_the_gateway_hands_async_code_no_live_row(tmp_path: Path) -> None:
    """A row read on the event loop after its session closed is stale, and a lazy load would
    block the loop: the gateway refuses to hand one back, also inside a container."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'g.db'}")
    db.upgrade(engine)
    gateway = Gateway(engine)

    def store(session: Session) -> Recap:
        recap = Recap(title="Hiến máu", text="Hiến máu")
        session.add(recap)
        return recap

    def read(session: Session) -> object:
        return {"latest": [session.exec(select(Recap)).one()]}

    for work in (store, read):
        with pytest.raises(TypeError, match=r"handed a live Recap row to async code"):
            asyncio.run(gateway.run(work))
    views = asyncio.run(
        gateway.run(lambda session: [RecapView.of(session.exec(select(Recap)).one())])
    )
    assert [view.title for view in views] == ["Hiến máu"]
