"""Kill -9 a process mid-burst of storage writes: every acknowledged change must survive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from storage.repository import Repository
from tests.e2e.storage_burst_writer import ExpectedState, burst_change

REPO_ROOT = Path(__file__).resolve().parents[2]
BURST_LENGTH = 5000


def expected_after(count: int) -> ExpectedState:
    state = ExpectedState()
    for number in range(count):
        state.apply(burst_change(number))
    return state


@pytest.mark.parametrize("kill_after", [1, 23, 120, 331])
def test_every_acknowledged_change_survives_sigkill(tmp_path: Path, kill_after: int) -> None:
    data_dir = tmp_path / "data"
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.storage_burst_writer", str(data_dir), str(BURST_LENGTH)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    acknowledged = [writer.stdout.readline() for _ in range(kill_after)]
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    acknowledged += writer.stdout.read().splitlines(keepends=True)
    writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL, "the burst finished before the kill"
    complete = [line for line in acknowledged if line.endswith("\n")]
    assert [int(line) for line in complete] == list(range(len(complete)))

    with Repository.open(data_dir) as reopened:
        profiles, reminders = reopened.load_all()
    actual = (
        {profile.key: profile for profile in profiles},
        {(reminder.key, reminder.id): reminder for reminder in reminders},
    )
    # The change in flight at the kill may or may not have reached the disk.
    candidates = [expected_after(len(complete)), expected_after(len(complete) + 1)]
    assert actual in [(state.profiles, state.reminders) for state in candidates]
    assert not list(data_dir.glob(".*.tmp")), "open() cleans temp files a crash left"
