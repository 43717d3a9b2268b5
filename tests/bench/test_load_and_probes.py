"""hey's summary parses into counts and percentiles; wrong answers name the first differing path."""

from bench.load import parse_hey
from bench.probes import _first_difference, alternating_medians
from bench.queries import expected_heavy
from bench.run import parse_args
import pytest

HEY_OUTPUT = """
Summary:
  Total:\t2.0050 secs
  Requests/sec:\t150.0000

Latency distribution:
  10% in 0.0100 secs
  50% in 0.0200 secs
  95% in 0.0400 secs
  99% in 0.0900 secs

Status code distribution:
  [200]\t290 responses
  [502]\t7 responses

Error distribution:
  [3]\tPost "http://127.0.0.1:5800/graphql": EOF
"""


def test_parse_hey_counts_non_200_and_transport_errors():
    result = parse_hey(HEY_OUTPUT)
    assert (result.requests, result.ok, result.errors) == (300, 290, 10)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (20.0, 40.0, 90.0)
    assert result.seconds == 2.005


def test_first_difference_names_the_path():
    want = expected_heavy()
    got = expected_heavy()
    got["data"]["topProducts"][1]["reviews"][0]["author"]["name"] = "someone else"
    assert _first_difference(got, want).startswith("/data/topProducts/1/reviews/0/author/name")


def test_expected_heavy_answer_has_the_benchmark_shape():
    answer = expected_heavy()["data"]
    assert len(answer["users"]) == 6 and len(answer["topProducts"]) == 5
    assert all(r["product"]["reviews"] for u in answer["users"] for r in u["reviews"])


@pytest.mark.parametrize("argv", [["--gateways", "nginx"], ["--gateways", ""], ["--seconds", "0"], ["--graphs", "shop"]])
def test_bad_arguments_are_refused(argv):
    with pytest.raises(SystemExit):
        parse_args(argv)


def test_a_mix_adds_counts_and_keeps_the_worst_percentiles():
    from bench.load import merge

    fast, slow = parse_hey(HEY_OUTPUT), parse_hey(HEY_OUTPUT.replace("0.0900", "0.2500"))
    merged = merge([fast, slow])
    assert (merged.requests, merged.ok, merged.errors) == (600, 580, 20)
    assert merged.p99_ms == 250.0 and merged.p50_ms == 20.0


def test_peer_gateways_get_the_graph_without_security_features():
    from graphql import parse

    from bench.run import without_security

    from router.marketplace import SUBGRAPHS

    for subgraph in SUBGRAPHS:
        sdl = without_security(subgraph.schema_file.read_text())
        assert not any(word in sdl for word in ("@authenticated", "@requiresScopes", "@policy")), subgraph.name
        assert parse(sdl)  # still a document
    kept = without_security('type Q { a: Int @requiresScopes(scopes: [["x"]]) @tag(name: "t") b: Int @authenticated }')
    assert kept == 'type Q { a: Int @tag(name: "t") b: Int }'


def test_the_overhead_probe_takes_turns_so_a_slowdown_falls_on_both():
    """A machine that slows down halfway (here: every action after the 10th takes 10 ms more) moves
    both medians alike; run one after the other, only the second would pay it."""
    calls: list[str] = []
    now = [0.0]

    def clock() -> float:
        return now[0]

    def act(name: str, seconds: float):
        def action() -> None:
            calls.append(name)
            now[0] += seconds + (0.010 if len(calls) > 10 else 0.0)
        return action

    gateway_ms, direct_ms = alternating_medians(act("gateway", 0.003), act("direct", 0.002), 9, clock)
    assert calls[:4] == ["gateway", "direct", "gateway", "direct"] and len(calls) == 18
    assert gateway_ms - direct_ms == pytest.approx(1.0)
