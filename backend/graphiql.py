"""GraphiQL served from the application itself: the page strawberry ships loads React, GraphiQL
and its explorer plugin from a public CDN, which an office's intranet cannot reach (a blank
page). The same files, vendored in backend/static/graphiql/ (MIT licences in LICENSES there),
are served at /graphiql/{name}; the page's subresource-integrity hashes still hold, so a file
that is not exactly the published one is refused by the browser."""

from __future__ import annotations

from pathlib import Path

from litestar import Request, get
from litestar.response import File
from strawberry.http.ides import get_graphql_ide_html

from backend.permissions import anyone, permitted
from tenants.access import not_found

STATIC_DIR = Path(__file__).parent / "static" / "graphiql"
CDN_FILES = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": "react-dom.production.min.js",
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": "plugin-explorer.umd.js",
}
TYPES = {".js": "text/javascript", ".css": "text/css"}


def local_graphiql_html() -> str:
    """Strawberry's GraphiQL page with every CDN address replaced by this application's."""
    page = get_graphql_ide_html("graphiql")
    for url, name in CDN_FILES.items():
        page = page.replace(url, f"/graphiql/{name}")
    if "https://" in page:  # a strawberry upgrade changed the page: vendor its new files
        raise RuntimeError("GraphiQL 页面引用了未随应用提供的外部资源，请更新 backend/static/graphiql/")
    return page


@get("/graphiql/{name:str}", guards=[permitted], opt={"access": anyone()}, sync_to_thread=False)
def graphiql_asset(request: Request, name: str) -> File:
    """One of GraphiQL's files (not in production, where GraphiQL is off)."""
    if request.app.state.runtime.settings.is_production or name not in CDN_FILES.values():
        raise not_found()
    return File(
        path=STATIC_DIR / name,
        media_type=f"{TYPES[Path(name).suffix]}; charset=utf-8",
        content_disposition_type="inline",
        headers={"Cache-Control": "public, max-age=86400"},
    )
