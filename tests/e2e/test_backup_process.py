"""``python -m bot restore FILE``: refused while the bot runs, works once it has stopped, keeps
the data it replaces, and needs no token."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from storage.backup import write_snapshot
from storage.records import ChatProfile
from storage.repository import Repository
from tests.e2e.bot_process import clean_env
from tests.e2e.test_process import ROOT
from tests.fakeapi.server import FakeBotApiServer
from tests.fakeapi.simulator import SimChat, SimUser

ANN = SimUser(5001, "Ann", "ann")
SAVED_CHAT = 777  # a chat only the snapshot knows


def files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and path.name != ".lock"
    }


def kept_folders(folder: Path) -> list[Path]:
    return sorted(folder.glob("data.before-restore-*"))


async def restore(folder: Path, snapshot: Path) -> tuple[int, str, str]:
    """Run ``python -m bot restore SNAPSHOT`` in ``folder`` with no bot setting in the
    environment (DATA_DIR comes from ``folder/.env``); return (status, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "restore",
        str(snapshot),
        cwd=folder,
        env=clean_env(PYTHONPATH=str(ROOT)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_restore_is_refused_while_the_bot_runs_and_keeps_the_old_data_after(
    fake_api: FakeBotApiServer, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    with Repository.open(source) as repository:
        repository.put_profile(ChatProfile(SAVED_CHAT, tz="Asia/Tokyo", step=3))
    snapshot = write_snapshot(source, tmp_path / "backups", datetime(2026, 12, 1, tzinfo=UTC))
    data = tmp_path / "data"
    (tmp_path / ".env").write_text(f"DATA_DIR={data}\n")

    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=clean_env(TELEGRAM_BOT_TOKEN=fake_api.token, TELEGRAM_API_BASE_URL=fake_api.base_url),
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        chat = SimChat.private(ANN)
        fake_api.sim.send_text(chat, ANN, "/remind 08:00 daily UTC")
        await fake_api.sim.next_message(chat.id, timeout=30)  # the bot runs, on ``data``
        before = files(data)

        status, out, err = await restore(tmp_path, snapshot)
        assert status == 2 and out == ""
        assert err.startswith("error: ") and "running bot" in err and "stop the bot" in err
        assert len(err.strip().splitlines()) == 1
        assert files(data) == before

        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.communicate(), timeout=15)
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()
    assert bot.returncode == 0

    status, out, err = await restore(tmp_path, snapshot)
    assert status == 0, err
    (kept,) = kept_folders(tmp_path)
    assert out.splitlines() == [
        f"restored 2 files from {snapshot} into {data}",
        f"the data it replaced is kept in {kept}",
    ]
    assert files(kept) == before
    with Repository.open(data) as repository:
        profiles, reminders = repository.load_all()
    assert [profile.chat_id for profile in profiles] == [SAVED_CHAT] and reminders == []


def test_a_bad_snapshot_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "medcoder-data-20261201T000000Z.tar.gz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    (tmp_path / ".env").write_text(f"DATA_DIR={tmp_path / 'data'}\n")
    status, out, err = asyncio.run(restore(tmp_path, bad))
    assert status == 2 and out == ""
    assert err.startswith(f"error: {bad}: not a readable snapshot")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert sorted(path.name for path in tmp_path.iterdir()) == [".env", bad.name]
