"""Issue (operability): Ctrl-C stops a subgraph in order, with exit code 0 and no traceback, even
while its background jobs (the events relay) are using the database."""

from __future__ import annotations

import signal

import pytest

from tests.support.processes import start_graft


@pytest.mark.parametrize("name", ["payments", "orders"])
def test_sigint_stops_a_subgraph_without_a_traceback(name, tmp_path):
    service = start_graft(name, ["subgraph", name], {"GRAFT_DATA_DIR": str(tmp_path)}, tmp_path)
    try:
        service.process.send_signal(signal.SIGINT)
        assert service.process.wait(timeout=30) == 0, service.log()
    finally:
        service.stop()
    assert "Traceback" not in service.log() and "ERROR" not in service.log(), service.log()
