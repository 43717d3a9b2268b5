"""GraphiQL page negotiation and its files, without a browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from router.config import load_settings
from router.server.graphiql import graphiql_response, root_handler
from router.server.graphiql_assets import ASSET_FILES, PACKAGES, missing_assets

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_browser_gets_graphiql_and_its_files(client):
    if missing_assets():
        import pytest

        pytest.skip("GraphiQL assets not installed")
    resp = await client.get("/graphql", headers={"Accept": BROWSER})
    assert resp.status == 200
    page = await resp.text()
    for name in ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql.min.css"):
        assert f"/graphiql/{name}" in page
        asset = await client.get(f"/graphiql/{name}")
        assert asset.status == 200
    assert (await client.get("/graphiql/package.json")).status == 404
    assert (await client.get("/graphiql/..%2Fapp.py")).status == 404


async def test_graphiql_off_means_graphql_only(make_client):
    client = await make_client(load_settings(graphiql={"enabled": False}))
    resp = await client.get("/graphql", headers={"Accept": BROWSER})
    assert resp.status == 400  # a GET without a query, answered as GraphQL over HTTP
    assert "no 'query'" in (await resp.json(content_type=None))["errors"][0]["message"]


def test_missing_assets_page_says_how_to_install(tmp_path):
    assert missing_assets(tmp_path) == list(ASSET_FILES)
    resp = graphiql_response(tmp_path)
    assert resp.status == 503
    assert "graft graphiql-assets" in resp.text


def test_asset_fetch_failures_are_clear(tmp_path):
    import pytest

    from router.server.graphiql_assets import AssetError, build_assets

    with pytest.raises(AssetError, match="was not found; install Node.js and npm"):
        build_assets(tmp_path / "cache", tmp_path / "out", npm="no-such-npm-here")
    with pytest.raises(AssetError, match=r"`false pack react@18.3.1 .*` failed"):
        build_assets(tmp_path / "cache", tmp_path / "out", npm="false")
    # A cached tarball that does not match its pinned integrity is not used.
    (tmp_path / "cache" / PACKAGES[0].tarball).write_bytes(b"tampered")
    with pytest.raises(AssetError, match="failed"):
        build_assets(tmp_path / "cache", tmp_path / "out", npm="false")
    assert missing_assets(tmp_path / "out") == list(ASSET_FILES)


def _default_query(page: str) -> str:
    """The defaultQuery string the page hands GraphiQL, decoded as JavaScript would."""
    import json
    import re

    match = re.search(r"defaultQuery: (\"(?:[^\"\\]|\\.)*\")", page)
    assert match, page
    return json.loads(match.group(1))


async def test_graphiql_opens_on_the_example_query_with_a_header_hint(client):
    if missing_assets():
        import pytest

        pytest.skip("GraphiQL assets not installed")
    from router.server.graphiql import EXAMPLE_QUERY

    page = await (await client.get("/graphql", headers={"Accept": BROWSER})).text()
    assert _default_query(page) == EXAMPLE_QUERY
    assert "products(first: 5)" in EXAMPLE_QUERY and "category { name }" in EXAMPLE_QUERY
    # The hint is a comment in the query; the headers editor starts empty (valid when sent), and open.
    assert '#   {"Authorization": "Bearer <access_token>"}' in EXAMPLE_QUERY
    assert "POST /oauth/token" in EXAMPLE_QUERY
    assert "defaultHeaders" not in page
    assert 'defaultEditorToolsVisibility: "headers"' in page


def test_example_query_is_valid_on_the_project_supergraph():
    from graphql import parse, validate

    from router.schema_files import SUPERGRAPH
    from router.server.graphiql import EXAMPLE_QUERY
    from router.supergraph.reading import load_supergraph

    api_schema = load_supergraph(SUPERGRAPH.read_text()).api_schema
    assert validate(api_schema, parse(EXAMPLE_QUERY)) == []


def test_page_strings_cannot_end_the_script():
    from router.server.graphiql import page

    text = page(query='</script><script>alert("x")</script>')
    assert text.count("</script>") == 5  # the page's own four asset scripts and its inline one
    assert _default_query(text) == '</script><script>alert("x")</script>'


@asynccontextmanager
async def _root_client(graphiql_enabled: bool) -> AsyncIterator[TestClient]:
    """GET / alone, on a small app, as router/server/app.py routes it."""
    app = web.Application()
    app.router.add_get("/", root_handler(graphiql_enabled))
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_root_sends_browsers_to_graphiql():
    async with _root_client(True) as client:
        resp = await client.get("/", headers={"Accept": BROWSER}, allow_redirects=False)
        assert resp.status == 302 and resp.headers["Location"] == "/graphql"
        for accept in (None, "*/*", "application/json"):  # curl, scripts: no page to go to
            resp = await client.get("/", headers={"Accept": accept} if accept else {}, allow_redirects=False)
            assert resp.status == 404 and "GraphQL is served at /graphql" in await resp.text(), accept


async def test_root_without_graphiql_redirects_nobody():
    async with _root_client(False) as client:
        resp = await client.get("/", headers={"Accept": BROWSER}, allow_redirects=False)
        assert resp.status == 404 and "GraphQL is served at /graphql" in await resp.text()


async def test_the_router_app_routes_root_to_graphiql(client):
    resp = await client.get("/", headers={"Accept": BROWSER}, allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/graphql"
    page = await client.get("/", headers={"Accept": BROWSER})
    assert page.status == 200 and "defaultQuery" in await page.text()


async def test_graphiql_page_and_files_carry_security_headers(client):
    import base64
    import hashlib
    import re

    if missing_assets():
        import pytest

        pytest.skip("GraphiQL assets not installed")
    resp = await client.get("/graphql", headers={"Accept": BROWSER})
    page = await resp.text()
    policy = dict(part.strip().split(" ", 1) for part in resp.headers["Content-Security-Policy"].split(";"))
    [inline] = re.findall(r"<script>(.*?)</script>", page, re.S)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self'" and "'unsafe-inline'" not in policy["script-src"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    for name in ASSET_FILES:
        asset = await client.get(f"/graphiql/{name}")
        assert asset.headers["X-Content-Type-Options"] == "nosniff", name
