"""deploy/: the container and the service keep data and backups on their volume or state
folder, run unprivileged, check health, and bake in no secret. (No container tool runs here:
these read the files; the health check script runs for real.)"""

from __future__ import annotations

import configparser
import re
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SECRET_WORDS = re.compile(r"TOKEN|SECRET|PASSWORD", re.IGNORECASE)


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of every line, continuations joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


DOCKERFILE = instructions(DEPLOY / "Dockerfile")


def arguments_of(keyword: str) -> list[str]:
    return [arguments for name, arguments in DOCKERFILE if name == keyword]


def test_the_image_is_slim_python_and_runs_the_bot_unprivileged() -> None:
    (base,) = arguments_of("FROM")
    assert re.fullmatch(r"python:3\.(1[1-9])-slim(-\w+)?", base), base
    user = arguments_of("USER")[-1].split(":")[0]
    assert user not in ("root", "0")
    keywords = [name for name, _ in DOCKERFILE]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    assert arguments_of("CMD") == ['["python", "-m", "bot"]']


def test_the_image_keeps_data_and_backups_on_the_volume_and_bakes_in_no_secret() -> None:
    assert arguments_of("VOLUME") == ['["/data"]']
    env = " ".join(arguments_of("ENV"))
    assert "DATA_DIR=/data/data" in env and "BACKUP_DIR=/data/backups" in env
    for name, arguments in DOCKERFILE:
        if name in ("ENV", "ARG", "LABEL"):
            assert not SECRET_WORDS.search(arguments), arguments


def test_the_health_check_runs_the_script_the_image_copies() -> None:
    (check,) = arguments_of("HEALTHCHECK")
    assert check.endswith('CMD ["python", "/app/healthcheck.py"]')
    assert "COPY deploy/healthcheck.py /app/healthcheck.py" in [
        f"COPY {arguments}" for arguments in arguments_of("COPY")
    ]


def test_every_file_the_image_copies_is_in_the_build_context() -> None:
    patterns = (ROOT / ".dockerignore").read_text().split()
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    assert "*" in patterns  # everything else, .env and data among them, stays out
    for arguments in arguments_of("COPY"):
        *sources, _ = arguments.split()
        for source in sources:
            assert (ROOT / source).exists(), source
            assert PurePosixPath(source).parts[0] in allowed or source in allowed, source


def test_compose_mounts_a_volume_reads_env_and_restarts() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    assert re.search(r"^\s+env_file: \.\./\.env$", text, re.MULTILINE)
    assert re.search(r"^\s+restart: unless-stopped$", text, re.MULTILINE)
    assert re.search(r"^\s+- medcoder-data:/data$", text, re.MULTILINE)
    assert re.search(r'^\s+- "127\.0\.0\.1:8443:8443"$', text, re.MULTILINE)
    assert not re.search(r"^\s+\w*(TOKEN|SECRET)\w*:", text, re.MULTILINE)


def test_the_service_is_unprivileged_hardened_and_stops_on_sigterm() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "medcoder-coach.service")
    service = unit["Service"]
    assert service["User"] not in ("root", "0")
    assert service["Restart"] == "on-failure" and service["KillSignal"] == "SIGTERM"
    assert service["TimeoutStopSec"] == "15" and service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    writable = service["ReadWritePaths"].split()
    defaults = dict(pair.split("=", 1) for pair in service["Environment"].split())
    for variable in ("DATA_DIR", "BACKUP_DIR"):
        assert any(Path(defaults[variable]).is_relative_to(path) for path in writable)
    assert service["EnvironmentFile"].startswith("/etc/")


def test_packaging_ships_neither_deploy_nor_tests() -> None:
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    included = find["packages"]["find"]["include"]
    assert all(not pattern.startswith(("deploy", "tests", "bench")) for pattern in included)


class Health(BaseHTTPRequestHandler):
    status = HTTPStatus.OK

    def do_GET(self) -> None:
        code = self.status if self.path == "/healthz" else HTTPStatus.NOT_FOUND
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def health_check(**env: str) -> int:
    script = DEPLOY / "healthcheck.py"
    result = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, timeout=30, check=False
    )
    return result.returncode


@pytest.mark.parametrize(
    ("status", "healthy"), [(HTTPStatus.OK, True), (HTTPStatus.SERVICE_UNAVAILABLE, False)]
)
def test_the_health_check_asks_healthz_in_webhook_mode(
    health_server: ThreadingHTTPServer, status: HTTPStatus, healthy: bool
) -> None:
    Health.status = status
    port = str(health_server.server_address[1])
    code = health_check(TELEGRAM_WEBHOOK_URL="https://bot.example.org/tg", WEBHOOK_PORT=port)
    assert code == (0 if healthy else 1)


def free_port() -> str:
    """A loopback port nothing listens on (bound a moment ago, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def test_the_health_check_passes_in_polling_mode_and_fails_when_nothing_answers() -> None:
    assert health_check() == 0
    assert health_check(TELEGRAM_WEBHOOK_URL="https://x.org/tg", WEBHOOK_PORT=free_port()) == 1
