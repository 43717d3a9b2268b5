"""GraphiQL at GET /graphql for browsers, its files served by the router itself; GET / leads there."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
from pathlib import Path

from aiohttp import web

from router.server.graphiql_assets import ASSET_DIR, ASSET_FILES, missing_assets
from router.server.http import TEXT_HTML, negotiate

log = logging.getLogger("graft.graphiql")
ASSET_PREFIX = "/graphiql/"
_CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}

# What GraphiQL's editor holds on a first visit (GraphiQL keeps the user's own tabs after that).
# The sign-in hint is a comment here, not in the headers editor: that editor's text is sent as
# JSON, and a placeholder token would be refused with 401, so it stays empty until one is pasted.
EXAMPLE_QUERY = """\
# The storefront, as any visitor sees it: press the run button (or Ctrl-Enter).
#
# Signed-in fields (me, order, placeOrder, payOrder) need an access token from
# POST /oauth/token on this router (the README shows how). Put
#   {"Authorization": "Bearer <access_token>"}
# in the Headers tab below; empty, you ask as an anonymous visitor.
query Storefront {
  products(first: 5) {
    edges {
      node {
        name
        price { amount currency }
        category { name }
      }
    }
  }
}
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="stylesheet" href="{prefix}graphiql.min.css">
  <style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="{prefix}react.production.min.js"></script>
  <script src="{prefix}react-dom.production.min.js"></script>
  <script src="{prefix}graphiql.min.js"></script>
  <script src="{prefix}graphql-ws.min.js"></script>
  <script>
    const http = GraphiQL.createFetcher({{ url: {endpoint} }});
    const wsUrl = new URL({endpoint}, location.href);
    wsUrl.protocol = wsUrl.protocol === "https:" ? "wss:" : "ws:";
    // Subscriptions over WebSocket (graphql-transport-ws), one connection each, carrying the
    // Headers tab's Authorization in connection_init as Apollo's clients do; the rest over HTTP.
    function subscribe(params, headers) {{
      const client = graphqlWs.createClient({{ url: wsUrl.href, retryAttempts: 0,
        connectionParams: headers && headers.Authorization ? {{ Authorization: headers.Authorization }} : {{}} }});
      const results = [], waiting = [];
      let done = false;
      const settle = () => {{ while (waiting.length && (results.length || done)) {{
        const resolve = waiting.shift();
        resolve(results.length ? {{ value: results.shift(), done: false }} : {{ value: undefined, done: true }});
      }} }};
      const push = (result) => {{ results.push(result); settle(); }};
      const stop = client.subscribe(params, {{ next: push, complete: () => {{ done = true; settle(); client.dispose(); }},
        error: (error) => {{ push({{ errors: Array.isArray(error) ? error
          : [{{ message: error.reason || error.message || "The subscription's connection closed" }}] }});
          done = true; settle(); client.dispose(); }} }});
      return {{ [Symbol.asyncIterator]() {{ return this; }},
        next: () => new Promise((resolve) => {{ waiting.push(resolve); settle(); }}),
        return: () => {{ stop(); client.dispose(); done = true; settle(); return Promise.resolve({{ done: true }}); }} }};
    }}
    function isSubscription(params, document) {{
      return !!document && document.definitions.some((d) => d.kind === "OperationDefinition"
        && d.operation === "subscription" && (!params.operationName || (d.name && d.name.value === params.operationName)));
    }}
    const fetcher = (params, options) => isSubscription(params, options && options.documentAST)
      ? subscribe(params, options.headers) : http(params, options);
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{ fetcher, defaultQuery: {query}, defaultEditorToolsVisibility: "headers" }})
    );
  </script>
</body>
</html>
"""

MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphiQL is not installed</title></head>
<body><h1>GraphiQL is not installed</h1>
<p>The router has no GraphiQL files ({missing}). Run <code>make install</code>
or <code>graft graphiql-assets</code> once (it needs npm and the npm registry), then reload.</p>
</body></html>
"""


def _js_string(text: str) -> str:
    """A JavaScript string literal that cannot end the <script> element it sits in."""
    return json.dumps(text).replace("<", "\\u003c")


def page(endpoint: str = "/graphql", title: str = "Graft GraphiQL", query: str = EXAMPLE_QUERY) -> str:
    return PAGE.format(title=html.escape(title), prefix=ASSET_PREFIX, endpoint=_js_string(endpoint),
                       query=_js_string(query))


NO_SNIFF = {"X-Content-Type-Options": "nosniff"}


def _sha256_source(text: str) -> str:
    """A CSP hash source for an inline <script> or <style> element's exact text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def security_headers(document: str) -> dict[str, str]:
    """The page may run only the router's own files and its own inline script and style (by
    hash), talk only to this origin, and never be framed; nothing is sniffed."""
    scripts = " ".join(_sha256_source(text) for text in re.findall(r"<script>(.*?)</script>", document, re.S))
    styles = " ".join(_sha256_source(text) for text in re.findall(r"<style>(.*?)</style>", document, re.S))
    policy = {
        "default-src": "'none'",
        "script-src": f"'self' {scripts}".strip(),
        "style-src": f"'self' {styles}".strip(),
        "img-src": "'self' data:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
    }
    return {"Content-Security-Policy": "; ".join(f"{name} {value}" for name, value in policy.items()),
            "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", **NO_SNIFF}


def graphiql_response(asset_dir: Path = ASSET_DIR) -> web.Response:
    """The GraphiQL page, or a 503 page saying how to install its files."""
    missing = missing_assets(asset_dir)
    if missing:
        log.error("GraphiQL files missing from %s: %s; run `graft graphiql-assets`", asset_dir, ", ".join(missing))
        body = MISSING.format(missing=html.escape(", ".join(missing)))
        return web.Response(status=503, text=body, content_type="text/html", headers=security_headers(body))
    document = page()
    return web.Response(text=document, content_type="text/html",
                        headers={"Cache-Control": "no-cache", **security_headers(document)})


def asset_handler(asset_dir: Path = ASSET_DIR):
    """GET /graphiql/{name}: only the known file names, never a path."""

    async def handler(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = asset_dir / name
        if name not in ASSET_FILES or not path.is_file():
            raise web.HTTPNotFound(text=f"no GraphiQL file {name!r}; run `graft graphiql-assets`\n")
        content_type = _CONTENT_TYPES.get(path.suffix, "text/plain")
        return web.FileResponse(path, headers={"Content-Type": f"{content_type}; charset=utf-8",
                                               "Cache-Control": "public, max-age=86400", **NO_SNIFF})

    return handler


def root_handler(graphiql_enabled: bool = True):
    """GET /: a browser is sent to GraphiQL at /graphql (302); anything else gets 404 naming /graphql."""

    async def handler(request: web.Request) -> web.Response:
        if graphiql_enabled and negotiate(request.headers.get("Accept"), html=True) == TEXT_HTML:
            raise web.HTTPFound("/graphql")
        raise web.HTTPNotFound(text="Not Found: GraphQL is served at /graphql\n")

    return handler
