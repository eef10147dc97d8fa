"""Every request: security headers, the session, CSRF on every form, Russian error pages."""
import hmac
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from panel import keys
from panel.login_sessions import COOKIE, expected_csrf_token, load_session
from panel.templating import render

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PUBLIC_ROUTES = ("login", "login_post", "static")  # by name, as in panel/routes.py
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.app[keys.SECURE_COOKIES]:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status in (403, 404, 405, 413) and error.content_type != "text/html":
            return _error_page(request, error.status, error.reason)
        raise
    except Exception:  # the edge of one request
        log.exception("panel request %s %s failed", request.method, request.path)
        return _error_page(request, 500, "Internal Server Error")


def _error_page(request: web.Request, status: int, reason: str) -> web.Response:
    return render(request, "error.html", {"status": status, "reason": reason}, status)


@web.middleware
async def sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[keys.SESSION] = None
    token = request.cookies.get(COOKIE)
    if token:
        lifetime = request.app[keys.SETTINGS].current.panel.session_lifetime
        request[keys.SESSION] = await load_session(request.app[keys.PANEL_DB], token, time.time(), lifetime)
    if request[keys.SESSION] is None and request.match_info.route.name not in PUBLIC_ROUTES:
        if request.method == "GET":
            raise web.HTTPSeeOther(request.app.router["login"].url_for().with_query(next=request.path_qs))
        raise web.HTTPSeeOther(request.app.router["login"].url_for())
    return await handler(request)


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in UNSAFE_METHODS:
        form = await request.post()
        sent = form.get("csrf_token")
        expected = expected_csrf_token(request[keys.SESSION], request.cookies)
        if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
            log.warning("CSRF token missing or wrong: %s %s from %s", request.method, request.path, request.remote)
            return render(request, "error.html", {"status": 403, "reason": "csrf"}, 403)
    return await handler(request)
