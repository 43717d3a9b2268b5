"""GraphiQL page negotiation and its files, without a browser."""

from __future__ import annotations

from router.config import load_settings
from router.server.graphiql import graphiql_response
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
