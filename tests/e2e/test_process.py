"""The real process: start-up errors, a clean exit on SIGTERM or SIGINT, the console chat, a
user's install."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.guide import load_guide
from tests.e2e.bot_process import clean_env, start_bot
from tests.fakeapi.server import FakeBotApiServer
from tests.fakeapi.simulator import SimChat, SimUser
from tests.fakediscord.harness import fake_discord
from tests.fakediscord.server import FakeDiscord

__all__ = ["fake_discord"]  # a fixture

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = (".git", ".venv", "build", "dist", "data", "*.egg-info", "__pycache__", ".*_cache")
ANN = SimUser(5001, "Ann", "ann")


def run_bot(
    folder: Path, env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot ARGS`` in ``folder`` to the end and return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=folder,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_token_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    result = run_bot(tmp_path, clean_env())
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_malformed_token_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=not-a-token\n")
    result = run_bot(tmp_path, clean_env())
    assert result.returncode == 2
    assert "does not look like a bot token" in result.stderr
    assert "not-a-token" not in result.stderr


async def test_only_a_discord_token_runs_the_bot_on_discord(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    env = clean_env(
        DISCORD_BOT_TOKEN=fake_discord.token,
        DISCORD_API_BASE_URL=fake_discord.api_base,
        DISCORD_GATEWAY_URL=fake_discord.ws_url,
        DATA_DIR=str(tmp_path / "data"),
        LOG_LEVEL="DEBUG",
    )
    ann = fake_discord.add_user("ann")
    process = await start_bot(tmp_path, env)
    try:
        await fake_discord.next_registration(timeout=30)
        await fake_discord.wait_identified(timeout=30)
        await fake_discord.slash(ann, "salary")
        reply = await fake_discord.next_message(fake_discord.dm_channel(ann).id, timeout=30)
        assert any("$50,250" in str(embed) for embed in reply.embeds)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "not available yet" not in log and "Traceback" not in log
    assert "running on discord" in log
    assert fake_discord.token not in log


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_bot_process_answers_then_stops_cleanly_on_a_signal(
    fake_api: FakeBotApiServer, tmp_path: Path, stop: signal.Signals
) -> None:
    env = clean_env(
        TELEGRAM_BOT_TOKEN=fake_api.token,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        DATA_DIR=str(tmp_path / "data"),
        LOG_LEVEL="DEBUG",
    )
    process = await start_bot(tmp_path, env)
    try:
        chat = SimChat.private(ANN)
        fake_api.sim.send_text(chat, ANN, "/salary")
        reply = await fake_api.sim.next_message(chat.id, timeout=30)
        assert "$50,250" in reply.plain_text
        process.send_signal(stop)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    log = stderr.decode()
    assert f"{stop.name} received: stopping" in log
    assert "stopped" in log and "Traceback" not in log
    assert fake_api.token not in log
    assert fake_api.token.split(":")[1] not in log


def test_console_chat_runs_from_any_folder(tmp_path: Path) -> None:
    guide = load_guide()
    codes = [c.code for c in guide.certifications]
    press = codes.index("CPC") + 1
    lines = ["how long does it take", "/certs", str(press), "/quit", "/salary"]
    result = run_bot(tmp_path, clean_env(), "chat", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "18 months to 4.5 years" in out  # the question, answered
    assert f"[{press}] CPC" in out  # /certs, its buttons numbered
    assert "CPC: Certified Professional Coder" in out  # the number pressed that button
    assert out.rstrip().endswith("Bye!")
    assert "$50,250" not in out  # nothing after /quit was read
    assert result.stderr == ""
    assert list(tmp_path.iterdir()) == []  # its data went to a temporary folder


def test_console_chat_keeps_its_data_in_a_named_folder(tmp_path: Path) -> None:
    data = tmp_path / "console-data"
    stdin = "/remind 08:00 daily UTC\n"
    first = run_bot(tmp_path, clean_env(), "chat", "--data-dir", str(data), stdin=stdin)
    assert first.returncode == 0, first.stderr
    again = run_bot(tmp_path, clean_env(), "chat", "--data-dir", str(data), stdin="/reminders\n")
    assert again.returncode == 0, again.stderr
    assert "08:00 every day (UTC)" in again.stdout


def test_console_chat_refuses_an_unknown_option(tmp_path: Path) -> None:
    result = run_bot(tmp_path, clean_env(), "chat", "--verbose")
    assert result.returncode == 2
    assert "usage: python -m bot" in result.stderr


def test_installed_package_ships_its_content(tmp_path: Path) -> None:
    source = tmp_path / "clone"  # build from a copy, so the build leaves nothing in the tree
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env(PYTHONPATH=str(target))
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import bot.guide as g; print(g.__file__); print(len(g.load_guide().steps))",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    path, steps = where.stdout.split()
    assert Path(path).is_relative_to(target)
    assert steps == "4"
    chat = run_bot(elsewhere, env, "chat", stdin="/certs cpc\nwhat does it cost\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert "Certified Professional Coder" in chat.stdout
    assert "Bye!" in chat.stdout
    installed = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert "bot/content/guide.toml" in installed
    assert "handlers/console.py" in installed
    assert not [p for p in installed if "simulator" in p or p.startswith(("tests/", "bench/"))]


async def test_unknown_storage_schema_stops_start_up_without_touching_the_file(
    fake_api: FakeBotApiServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    meta = data / "meta.json"
    meta.write_text('{"schema_version": 99, "shards": 1024}')
    before = meta.read_bytes()
    env = clean_env(
        TELEGRAM_BOT_TOKEN=fake_api.token,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        DATA_DIR=str(data),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert "meta.json" in stderr.decode() and "Traceback" not in stderr.decode()
    assert meta.read_bytes() == before


def test_unreachable_bot_api_is_one_clear_line(tmp_path: Path) -> None:
    env = clean_env(
        TELEGRAM_BOT_TOKEN="123456789:AAHfakeTokenForTests_abcdefghijklmno",
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
        DATA_DIR=str(tmp_path / "data"),
    )
    result = run_bot(tmp_path, env)
    assert result.returncode == 1
    assert "cannot reach the Bot API" in result.stderr
    assert "AAHfakeTokenForTests" not in result.stderr


async def test_rejected_token_is_one_clear_line_and_exit_2(
    fake_api: FakeBotApiServer, tmp_path: Path
) -> None:
    wrong = "123456789:AAHwrongTokenForTests_abcdefghijklmno"
    env = clean_env(
        TELEGRAM_BOT_TOKEN=wrong,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        DATA_DIR=str(tmp_path / "data"),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert stderr.decode().strip() == (
        "error: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather."
    )
