"""Responses the views return rather than raise, and the URLs they point to, by route name."""
from collections.abc import Mapping

from aiohttp import web


def url_for(request: web.Request, name: str, query: Mapping[str, object] | None = None, **parts: object) -> str:
    """The path of a named route (panel/routes.py), with its parts and an optional query."""
    url = request.app.router[name].url_for(**{key: str(value) for key, value in parts.items()})
    return str(url.with_query({key: str(value) for key, value in query.items()}) if query else url)


def see_other(location: str) -> web.Response:
    """303 to a path on this site: after a POST the browser GETs the result."""
    return web.Response(status=303, headers={"Location": location})
