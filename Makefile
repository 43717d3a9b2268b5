# Set-up and everyday commands; see README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install run test lint schema clean bench fuzz faults resilience defer-timeline realtime

GRAPHIQL := router/server/graphiql_assets/graphiql.min.js

NODE_CLIENTS := tests/node/node_modules/.package-lock.json

NATIVE := $(VENV)/.native-stamp

install: $(STAMP) $(NATIVE) $(GRAPHIQL) $(NODE_CLIENTS)

# The router's hottest modules compiled with mypyc (router/native.py): about a third less CPU per
# request. Without a C compiler the build says so and the router runs them as Python.
$(NATIVE): $(STAMP) router/native.py router/execution/executor.py router/execution/shaping.py
	$(BIN)/graft --log-level WARNING native build || true
	touch $(NATIVE)

# graphql-ws and graphql-sse for the subscription tests (pinned in tests/node/package-lock.json);
# skipped without npm (the tests then skip too, or install them on first use).
$(NODE_CLIENTS): tests/node/package.json tests/node/package-lock.json
	if command -v npm >/dev/null; then cd tests/node && npm ci --no-audit --no-fund; fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

# GraphiQL's browser files from the npm registry (pinned, integrity-checked), not vendored in git.
$(GRAPHIQL): $(STAMP) router/server/graphiql_assets.py
	$(BIN)/graft graphiql-assets
	touch $(GRAPHIQL)

run: install
	$(BIN)/graft dev

# Test files spread over TEST_WORKERS processes (pytest-xdist; each file's tests stay in one, so
# a module's stack starts once): most tests wait on real processes, so two share two cores well.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The fuzz test long: FUZZ_EXAMPLES generated requests (random seed) against a real router.
FUZZ_EXAMPLES ?= 3000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/router/fuzz -m fuzz -s -p no:cacheprovider --timeout=0 $(PYTEST_ARGS)

# The lifecycle's crash tests long: FAULT_ROUNDS rounds of a consumer killed (SIGKILL) while it applies
# events, on SQLite/HTTP and PostgreSQL/Redis; prints events published, applied and duplicates suppressed.
FAULT_ROUNDS ?= 20
faults: install
	FAULT_ROUNDS=$(FAULT_ROUNDS) $(BIN)/python -m pytest tests/subgraphs/lifecycle/test_crashes.py -s -p no:cacheprovider --timeout=0 $(PYTEST_ARGS)

# The router's fault tests long: FAULT_SECONDS of load from FAULT_CLIENTS clients per fault (a subgraph
# killed, one hung, the router stopped); prints requests, errors by kind, max latency and time to recover.
FAULT_SECONDS ?= 20
FAULT_CLIENTS ?= 20
resilience: install
	FAULT_SECONDS=$(FAULT_SECONDS) FAULT_CLIENTS=$(FAULT_CLIENTS) $(BIN)/python -m pytest tests/router/server/test_faults.py -s -p no:cacheprovider --timeout=0 $(PYTEST_ARGS)

# @defer against a real stack with a slow subgraph: time to the first part and to the whole response.
DEFER_ROUNDS ?= 10
defer-timeline: install
	$(BIN)/python -m tests.support.defer_timeline --rounds $(DEFER_ROUNDS)

# Subscription figures on PostgreSQL and Redis: latency from publish to client (p50, p99) over
# REALTIME_EVENTS events per protocol, and REALTIME_SUBSCRIPTIONS held by one router worker, with its RSS.
REALTIME_EVENTS ?= 1000
REALTIME_SUBSCRIPTIONS ?= 1000
realtime: install
	$(BIN)/python -m bench.realtime --events $(REALTIME_EVENTS) --subscriptions $(REALTIME_SUBSCRIPTIONS)

# Types (mypy, configured in pyproject.toml) over router/, auth/, subgraphs/ and bench/.
lint: install
	$(BIN)/mypy

# Graft's router against Apollo Gateway and Hive Gateway on the same subgraphs; writes docs/benchmarks.md.
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m bench --output docs/benchmarks.md $(BENCH_ARGS)

schema: install
	$(BIN)/graft schema write

clean:
	rm -rf .data .pytest_cache
	test ! -x $(BIN)/graft || $(BIN)/graft native clean
