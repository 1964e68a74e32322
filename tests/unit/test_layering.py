"""Core services never import the Telegram library, so another front end can reuse them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The composition root, the console front end and the simulator's PTB adapter are Telegram-side.
TELEGRAM_SIDE = {"bot/app.py", "bot/console.py", "bot/__main__.py", "bot/simulator/request.py"}
CORE = sorted(
    path
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("storage/**/*.py")]
    if path.relative_to(ROOT).as_posix() not in TELEGRAM_SIDE
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_core_module_does_not_import_telegram_or_handlers(path: Path) -> None:
    for name in imported_modules(path):
        assert name.split(".")[0] not in {"telegram", "handlers"}, f"{path.name} imports {name}"


def test_core_modules_were_found() -> None:
    names = {path.name for path in CORE}
    assert {"guide.py", "answers.py", "reminders.py", "schedule.py"} <= names
    assert {"slot_scheduler.py", "slot_times.py", "ledger.py", "outbox.py"} <= names
