"""The lock (requirements.txt) is current: it names exactly what pyproject.toml needs, each pin
satisfies pyproject's bounds and is what is installed here; and it installs and runs alone.

The offline checks compare the lock with the installed packages' metadata instead of
resolving from the network, so CI needs no index to know the lock is stale."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements.txt"
REGENERATE = "uv pip compile pyproject.toml -o requirements.txt --python-version 3.11"


def _declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in LOCK.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
            assert match, f"requirements.txt: not pinned with ==: {line!r}"
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _needed(requirements: list[Requirement]) -> set[str]:
    """Every distribution these requirements pull in here, by the installed metadata."""
    seen: set[str] = set()
    todo = [(r, "") for r in requirements]
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        extras = sorted(requirement.extras)
        key = f"{name}[{','.join(extras)}]"
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            pytest.fail(f"{name} is needed but not installed; pip install -r requirements.txt")
        todo.extend((Requirement(r), e) for r in requires for e in ["", *extras])
    return {key.split("[")[0] for key in seen}


def test_the_lock_was_made_by_the_documented_command() -> None:
    assert REGENERATE in LOCK.read_text(encoding="utf-8")
    assert f".venv/bin/{REGENERATE}" in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_lock_names_exactly_what_pyproject_needs() -> None:
    pins, needed = _pins(), _needed(_declared())
    missing, extra = sorted(needed - set(pins)), sorted(set(pins) - needed)
    assert not missing, f"missing from the lock: {missing} (run `{REGENERATE}`)"
    assert not extra, f"in the lock but not needed: {extra} (run `{REGENERATE}`)"


def test_each_pin_satisfies_pyproject_and_is_what_is_installed() -> None:
    pins = _pins()
    for requirement in _declared():
        pin = pins[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(pin, prereleases=True), (requirement, pin)
    stale = {
        name: (pin, distribution(name).version)
        for name, pin in pins.items()
        if distribution(name).version != pin
    }
    assert not stale, (
        f"the lock pins (left) differ from what is installed (right): {stale}; "
        "pip install -c requirements.txt -e '.[test]', or regenerate the lock"
    )


def test_python_version_and_build_requirements() -> None:
    assert (REPO / ".python-version").read_text(encoding="utf-8").strip() == "3.11"
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'requires = ["setuptools>=77"]' in text  # 69-76 refuse license = "MIT"
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_what_we_import_is_declared() -> None:
    """A module imported by bot/ or jobs/ is ours, the standard library's, or declared."""
    declared = {canonicalize_name(r.name) for r in _declared()}
    provides = {  # import name -> distribution, where they differ
        "telegram": "python-telegram-bot", "facebook": "facebook-sdk", "dotenv": "python-dotenv",
        "docx": "python-docx", "babel": "babel", "psycopg": "psycopg", "apscheduler": "apscheduler",
        "yaml": "pyyaml",
    }  # fmt: skip
    imported: set[str] = set()
    for source in [*REPO.glob("bot/**/*.py"), *REPO.glob("jobs/**/*.py")]:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"bot", "jobs", "__future__"}
    undeclared = {
        name for name in third_party if canonicalize_name(provides.get(name, name)) not in declared
    }
    assert not undeclared, f"imported but not in pyproject's dependencies: {sorted(undeclared)}"


def test_the_lock_installs_alone_and_runs_the_demo(tmp_path: Path) -> None:
    """Slow (a fresh environment from the index): the lock, then the wheel without deps."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_CONSTRAINT")}
    subprocess.run([*pip, "install", "-r", str(LOCK)], check=True, env=env)
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-w", str(tmp_path), str(REPO)], check=True, env=env
    )
    [wheel] = tmp_path.glob("goodnews-*.whl")
    subprocess.run([*pip, "install", "--no-deps", str(wheel)], check=True, env=env)
    subprocess.run([*pip, "check"], check=True, env=env)  # the lock is complete and coherent
    ours = ("GOODNEWS_", "TELEGRAM_", "FACEBOOK_", "DATABASE_")
    clean = {k: v for k, v in env.items() if not k.startswith(ours)}
    demo = subprocess.run(
        [str(venv / "bin" / "goodnews"), "demo", "--dir", "demo"],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr
    assert list((tmp_path / "demo" / "outbox").iterdir()), demo.stdout
    # The day as people see it, in Vietnamese out of the box (the catalogs are in the wheel).
    assert "[ ✅ Duyệt ]" in demo.stdout and "Trang Facebook" in demo.stdout, demo.stdout
