"""Peak memory of a real `queue-server serve` under huge chunked bodies (issue 11, item 13).

Starts a server on a fresh SQLite database, sends a `Transfer-Encoding:
chunked` body of --mb megabytes (no Content-Length, no token) to each of a few
routes, then --parallel such bodies at once, and prints the server's peak
resident set (VmHWM) before and after, and what each sender saw.

    .venv/bin/python scripts/body_flood.py --mb 200 --parallel 4
"""

import argparse
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live import LiveServer
from tests.server.test_edge_live import peak_rss_kb, post_chunked

ROUTES = ("/api/halls/live/appointments", "/api/tickets/x/rating", "/api/halls/live/tickets")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="size of each body")
    parser.add_argument("--parallel", type=int, default=4, help="bodies sent at once")
    args = parser.parse_args()
    total = args.mb * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(f"sqlite:///{tmp}/flood.db", Path(tmp)).start()
        try:
            server.setup_hall()
            assert server.process is not None
            pid = server.process.pid
            before = peak_rss_kb(pid)
            print(f"peak RSS before: {before / 1024:.1f} MB")
            for path in ROUTES:
                for heed in (True, False):  # a polite client, and one that ignores the answer
                    status, sent = post_chunked(server.port, path, total, heed=heed)
                    print(
                        f"{path} ({'heeds' if heed else 'ignores'} the answer): "
                        f"{status or 'reset'} after {sent / 2**20:.2f} of {args.mb} MB"
                    )
            results: list[tuple[int, int]] = []
            senders = [
                threading.Thread(
                    target=lambda: results.append(
                        post_chunked(server.port, ROUTES[0], total, heed=False)
                    )
                )
                for _ in range(args.parallel)
            ]
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join()
            seen = [(s or "reset", round(n / 2**20, 2)) for s, n in results]
            print(f"{args.parallel} at once (status, MB sent): {seen}")
            after = peak_rss_kb(pid)
            growth = (after - before) / 1024
            print(f"peak RSS after: {after / 1024:.1f} MB (growth {growth:.1f} MB)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
