"""The core imports neither platform library nor a front end, so every front end can reuse it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORMS = {"telegram", "discord"}
# The entry point starts the front ends (lazily); it still never imports a platform library.
ENTRY_POINT = "bot/__main__.py"
CORE = sorted(
    path
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("storage/**/*.py")]
    if path.relative_to(ROOT).as_posix() != ENTRY_POINT
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
def test_core_module_imports_no_platform_and_no_front_end(path: Path) -> None:
    for name in imported_modules(path):
        assert name.split(".")[0] not in PLATFORMS | {"handlers"}, f"{path.name} imports {name}"


def test_the_entry_point_imports_no_platform_library() -> None:
    names = imported_modules(ROOT / ENTRY_POINT)
    assert not {name.split(".")[0] for name in names} & PLATFORMS


def test_core_modules_were_found() -> None:
    names = {path.name for path in CORE}
    assert {"guide.py", "answers.py", "reminders.py", "schedule.py"} <= names
    assert {"slot_scheduler.py", "slot_times.py", "ledger.py", "outbox.py"} <= names
