"""A catalog-like consumer as a process of its own, for crash tests:
`python -m tests.support.events_consumer PORT DATABASE_URL DELAY`. It consumes order.paid from
Redis (REDIS_URL, GRAFT_EVENTS_* from the environment), each handler sleeping DELAY seconds
inside its transaction, so a kill lands mid-way."""

from __future__ import annotations

import sys

from aiohttp import web

from tests.support.events import Recorder, events_app, events_database


def main(port: int, url: str, delay: float) -> None:
    import os

    db = events_database(url)
    recorder = Recorder(db, delay=delay)
    app = events_app("catalog", db, recorder.handlers(["order.paid"]), jobs=True,
                     redis_url=os.environ["REDIS_URL"], port=port)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]))
