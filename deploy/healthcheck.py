"""The container's health check: ``GET /healthz`` on the bot's webhook server.

In webhook mode (TELEGRAM_WEBHOOK_URL set) it asks http://127.0.0.1:WEBHOOK_PORT/healthz
(default port 8443; WEBHOOK_LISTEN's address instead when it names one) and exits 0 on 200,
1 otherwise (503: storage or the scheduler is down; no answer within 3 seconds: the server
is stuck or gone). In polling mode there is no server
to ask: it exits 0, and the container's health is that its process runs. Standard library
only, so the slim image needs no curl.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3


def main() -> int:
    """Return the exit status Docker reads: 0 healthy, 1 unhealthy."""
    if not os.environ.get("TELEGRAM_WEBHOOK_URL", "").strip():
        return 0
    port = os.environ.get("WEBHOOK_PORT", "").strip() or "8443"
    listen = os.environ.get("WEBHOOK_LISTEN", "").strip()
    host = "127.0.0.1" if listen in ("", "0.0.0.0", "::") else listen  # one address: ask it
    url = f"http://{host}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
