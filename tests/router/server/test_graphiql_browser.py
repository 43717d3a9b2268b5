"""GraphiQL in real headless Chromium: the page loads from the router alone, a query is typed
into the editor, run with the execute button, and its result appears."""

from __future__ import annotations

import json

import pytest

from router.server.graphiql_assets import missing_assets
from tests.router.server.chromium import chromium_page
from tests.support import services

pytestmark = pytest.mark.browser

EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT = ".graphiql-response .CodeMirror"


@pytest.fixture(autouse=True)
def _assets_installed():
    if missing_assets():
        services.unavailable("GraphiQL assets (run `make install` / `graft graphiql-assets`)")


async def test_graphiql_runs_a_typed_query(client, tmp_path):
    url = str(client.make_url("/graphql"))
    async with chromium_page(tmp_path / "profile") as page:
        await page.send("Page.navigate", url=url)
        await page.wait_for(f"!!document.querySelector({json.dumps(EDITOR)})")
        # Empty the editor, then type the query as keyboard input.
        await page.evaluate(f"document.querySelector({json.dumps(EDITOR)}).CodeMirror.setValue('')")
        await page.click(EDITOR)
        await page.send("Input.insertText", text='{ hello(name: "chromium") version }')
        typed = await page.evaluate(f"document.querySelector({json.dumps(EDITOR)}).CodeMirror.getValue()")
        assert "hello" in typed
        await page.click(".graphiql-execute-button")
        result = await page.wait_for(
            f"(() => {{ const v = document.querySelector({json.dumps(RESULT)}).CodeMirror.getValue();"
            " return v.includes('hello chromium') ? v : ''; })()"
        )
        assert json.loads(result) == {"data": {"hello": "hello chromium", "version": "v1"}}
        loaded = await page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    origin = str(client.make_url("/"))
    assert any(name.endswith("/graphiql/graphiql.min.js") for name in loaded)
    assert all(name.startswith(origin) for name in loaded), loaded
    queries = list(client.pipelines.current.service.requests)
    assert queries, "the router executed nothing"
