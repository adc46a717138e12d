"""What the server holds per process and per display, held where a test can hold it.

The figures themselves come from scripts/bench (docs/performance.md); these
tests keep the choices behind them from quietly coming undone.
"""

import subprocess
import sys

from websockets.sync.client import connect

from tests.live import LiveServer

# Loaded on first use only: Pillow via qrcode (the kiosk's QR route), rich (the
# CLI's tables), the Redis client (only with QUEUE_REDIS_URL).
LAZY = ("qrcode", "PIL", "rich", "redis", "escpos")


def test_the_server_does_not_import_what_only_some_routes_use() -> None:
    check = (
        "import sys, queue_server.cli, queue_server.app; "
        "queue_server.app.create_app(); "
        f"print(sorted(m for m in {LAZY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_the_feed_is_not_compressed(live_server: LiveServer) -> None:
    # A zlib context per display costs ~40 KB each and a compression per
    # display per event; the feed's messages are around 1 KB.
    tokens = live_server.setup_hall()
    url = f"{live_server.ws_url}/ws/halls/live/board?token={tokens['display']}"
    with connect(url, compression="deflate") as ws:
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
        assert '"snapshot"' in str(ws.recv(timeout=10))
