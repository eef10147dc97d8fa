"""Responses the views return rather than raise, so they can carry cookies."""
from aiohttp import web


def see_other(location: str) -> web.Response:
    """303 to a path on this site: after a POST the browser GETs the result."""
    return web.Response(status=303, headers={"Location": location})
