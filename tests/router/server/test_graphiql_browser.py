"""GraphiQL in real headless Chromium: the page loads from the router alone, a query is typed
into the editor, run with the execute button, and its result appears; on a first visit the
editor holds the storefront example, which runs through the real router and subgraphs."""

from __future__ import annotations

import json

import pytest

from router.server.graphiql import EXAMPLE_QUERY
from router.server.graphiql_assets import missing_assets
from tests.router.server.chromium import chromium_page
from tests.support import services
from tests.support.processes import start_router

pytestmark = pytest.mark.browser

EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT = ".graphiql-response .CodeMirror"


@pytest.fixture(autouse=True)
def _assets_installed():
    if missing_assets():
        services.unavailable("GraphiQL assets (run `make install` / `graft graphiql-assets`)")


# Collects Content-Security-Policy violations from the first script on: the page must cause none.
WATCH_CSP = ("window.__violations = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));")


async def test_graphiql_runs_a_typed_query(client, tmp_path):
    url = str(client.make_url("/graphql"))
    async with chromium_page(tmp_path / "profile") as page:
        await page.send("Page.addScriptToEvaluateOnNewDocument", source=WATCH_CSP)
        await page.send("Page.navigate", url=url)
        await page.wait_for(f"!!document.querySelector({json.dumps(EDITOR)})")
        # Empty the editor, then type the query as keyboard input.
        await page.evaluate(f"document.querySelector({json.dumps(EDITOR)}).CodeMirror.setValue('')")
        await page.click(EDITOR)
        await page.send("Input.insertText", text='{ hello(name: "chromium") version }')
        typed = await page.evaluate(f"document.querySelector({json.dumps(EDITOR)}).CodeMirror.getValue()")
        assert "hello" in typed
        # the example's operation name (Storefront) goes 100 ms (debounced) after the edit: not sent with this
        await page.wait_for(f"!document.querySelector({json.dumps(EDITOR)}).CodeMirror.operationName")
        await page.click(".graphiql-execute-button")
        result = await page.wait_for(
            f"(() => {{ const v = document.querySelector({json.dumps(RESULT)}).CodeMirror.getValue();"
            " return v.includes('hello chromium') ? v : ''; })()"
        )
        assert json.loads(result) == {"data": {"hello": "hello chromium", "version": "v1"}}
        loaded = await page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        violations = await page.evaluate("window.__violations")
    assert violations == [], violations
    origin = str(client.make_url("/"))
    assert any(name.endswith("/graphiql/graphiql.min.js") for name in loaded)
    assert all(name.startswith(origin) for name in loaded), loaded
    queries = list(client.pipelines.current.service.requests)
    assert queries, "the router executed nothing"


HEADERS = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"


@pytest.fixture
def router(sqlite_stack, tmp_path):
    """`graft serve` over the project's supergraph and the four subgraphs on SQLite."""
    router = start_router("router-graphiql", sqlite_stack, tmp_path)
    yield router
    router.stop()


async def test_graphiql_opens_on_the_storefront_example_and_runs_it(router, tmp_path):
    async with chromium_page(tmp_path / "profile") as page:
        await page.send("Page.navigate", url=router.graphql_url)
        await page.wait_for(f"!!document.querySelector({json.dumps(EDITOR)})")
        shown = await page.evaluate(f"document.querySelector({json.dumps(EDITOR)}).CodeMirror.getValue()")
        assert shown == EXAMPLE_QUERY
        # The Headers tab is the one open, and empty: the hint is in the query, so a run sends no header.
        tab = await page.evaluate("document.querySelector('.graphiql-editor-tools button.active').dataset.name")
        assert tab == "headers"
        headers = await page.evaluate(f"document.querySelector({json.dumps(HEADERS)}).CodeMirror.getValue()")
        assert headers == ""
        await page.click(".graphiql-execute-button")
        result = await page.wait_for(
            f"(() => {{ const v = document.querySelector({json.dumps(RESULT)}).CodeMirror.getValue();"
            " return v.includes('products') ? v : ''; })()"
        )
    edges = json.loads(result)["data"]["products"]["edges"]
    assert len(edges) == 5
    for edge in edges:
        assert set(edge["node"]) == {"name", "price", "category"}
        assert edge["node"]["name"] and edge["node"]["category"]["name"]
        assert edge["node"]["price"]["currency"] == "USD" and edge["node"]["price"]["amount"] > 0


@pytest.fixture
def subscribing_router(sqlite_stack, tmp_path):
    """As `router`, verifying tokens with the stack's keys, so a test can sign one."""
    keys = sqlite_stack["users"].env["GRAFT_DATA_DIR"] + "/keys/signing-keys.json"
    router = start_router("router-graphiql-subscriptions", sqlite_stack, tmp_path, env={"GRAFT_KEYS_FILE": keys})
    yield router, keys
    router.stop()


async def test_graphiql_subscribes_over_websocket_with_the_headers_token(subscribing_router, tmp_path):
    from pathlib import Path

    from auth import scopes
    from auth.keys import KeyStore
    from auth.tokens import TokenSettings, issue_access_token

    router, keys = subscribing_router
    token = issue_access_token(KeyStore.open(Path(keys)), TokenSettings(), subject="2", kind="user",
                               scopes=scopes.ADMIN_SCOPES, client_id="storefront")
    subscription = 'subscription Stock { stockChanged(productId: "1") { id name stock } }'
    async with chromium_page(tmp_path / "profile") as page:
        await page.send("Page.addScriptToEvaluateOnNewDocument", source=WATCH_CSP)
        await page.send("Page.navigate", url=router.graphql_url)
        await page.wait_for(f"!!document.querySelector({json.dumps(EDITOR)})")
        await page.evaluate(f"document.querySelector({json.dumps(EDITOR)}).CodeMirror.setValue({json.dumps(subscription)})")
        # GraphiQL takes the operation name it sends from the editor 100 ms (debounced) after a change;
        # a click before that sends the example's name (Storefront) with this document
        await page.wait_for(f"document.querySelector({json.dumps(EDITOR)}).CodeMirror.operationName === 'Stock'")
        authorization = json.dumps({"Authorization": f"Bearer {token}"})
        await page.evaluate(f"document.querySelector({json.dumps(HEADERS)}).CodeMirror.setValue({json.dumps(authorization)})")
        await page.click(".graphiql-execute-button")
        result = await page.wait_for(
            f"(() => {{ const v = document.querySelector({json.dumps(RESULT)}).CodeMirror.getValue();"
            " return v.includes('stockChanged') ? v : ''; })()"
        )
        sockets = await page.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes('graphql-ws')).length")
        violations = await page.evaluate("window.__violations")
    changed = json.loads(result)["data"]["stockChanged"]
    assert changed["id"] == "1" and isinstance(changed["stock"], int), result  # stock: only with the token
    assert sockets == 1 and violations == [], violations
