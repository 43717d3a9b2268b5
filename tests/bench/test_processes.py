"""A bench subgraph as a real process: recording for the overhead probe, and a wrong answer failing the check."""

import sys
import urllib.error
import urllib.request

import orjson
import pytest

from bench import processes
from bench.graphs import GRAPHS
from bench.probes import WrongAnswer, check_answer, post
from tests.support.processes import ROOT


@pytest.fixture
def accounts(tmp_path):
    port = processes.free_port()
    service = processes.start("accounts", [sys.executable, "-m", "bench.subgraphs", "accounts", "--port", str(port)],
                              {}, tmp_path, port, ROOT)
    try:
        processes.wait_answering(service, b'{"query": "{ __typename }"}')
        yield service
    finally:
        service.stop()


def stats(service, query=""):
    with urllib.request.urlopen(f"http://127.0.0.1:{service.port}/_bench/stats{query}", timeout=5) as response:
        return orjson.loads(response.read())


def test_records_only_while_switched_on(accounts):
    body = orjson.dumps({"query": "{ me { id } }"})
    served = stats(accounts)["requests"]
    post(accounts.url, body)
    assert stats(accounts, "?record=on")["recorded"] == []
    post(accounts.url, body)
    assert stats(accounts, "?record=off")["recorded"] == [body.decode()]
    post(accounts.url, body)
    assert stats(accounts)["recorded"] == [] and stats(accounts)["requests"] == served + 3


def test_bad_record_switch_is_refused(accounts):
    with pytest.raises(urllib.error.HTTPError) as caught:
        stats(accounts, "?record=maybe")
    assert caught.value.code == 400


def test_a_wrong_answer_fails_the_check(accounts):
    operation = GRAPHS["benchmark"].operations[0]
    with pytest.raises(WrongAnswer, match="accounts answered wrongly at /"):
        check_answer(accounts, operation.body, operation.expected())


def test_cpu_and_rss_of_a_live_process_tree(accounts):
    assert processes.cpu_seconds(accounts.process.pid) > 0
    assert processes.rss_bytes(accounts.process.pid) > 10 * 2**20
    assert processes.statement_count(accounts) is None  # the bench's subgraphs have no SQL


def test_the_bench_knows_which_process_listens_on_a_port(accounts):
    """On a shared machine another process can take the port chosen for a gateway before it binds."""
    import socket

    assert processes.listens(accounts.process.pid, accounts.port) is True
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen()
    try:
        assert processes.listens(accounts.process.pid, other.getsockname()[1]) is False
    finally:
        other.close()
