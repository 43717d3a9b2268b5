"""Issue (operability): Ctrl-C on `make run` (`graft dev`) stops every child with no traceback and
exit code 0, whether the children are serving or still importing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support.processes import ROOT, free_port

# `graft dev`'s supervisor over two subgraphs on free ports (the real stack has fixed ones)
SUPERVISOR = """
import json, sys
from router.dev import DevProcess, _run, asyncio
children = [DevProcess(name, tuple(argv)) for name, argv in json.loads(sys.argv[1])]
sys.exit(asyncio.run(_run(children)))
"""


def _children() -> str:
    return json.dumps([(name, [sys.executable, "-m", "router", "subgraph", name, "--port", str(free_port())])
                       for name in ("catalog", "payments")])


@pytest.mark.parametrize("ready", [True, False], ids=["serving", "starting"])
def test_ctrl_c_stops_the_stack_quietly(ready, tmp_path):
    env = {**os.environ, "GRAFT_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "dev.log"
    with open(log, "wb") as out:  # a session of its own: the signal goes to the group, as a terminal's does
        dev = subprocess.Popen([sys.executable, "-c", SUPERVISOR, _children()], cwd=ROOT, env=env, stdout=out,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + (60 if ready else 1.5)
        while time.monotonic() < deadline and log.read_text().count("subgraph ready") < 2:
            time.sleep(0.2)
        os.killpg(dev.pid, signal.SIGINT)
        assert dev.wait(timeout=40) == 0, log.read_text()
    finally:
        if dev.poll() is None:
            dev.kill()
    text = log.read_text()
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    if ready:
        assert text.count("subgraph ready") == 2, text
