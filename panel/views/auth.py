"""Logging in and out."""
import math
import secrets
import time

from aiohttp import web

from panel import keys
from panel.responses import see_other, url_for
from panel.login_sessions import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    create_session,
    end_session,
    remove_expired,
)
from panel.templating import render
from panel.throttle import clear_failures, record_failure, seconds_to_wait
from panel.users import authenticate


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _render_login(request: web.Request, *, name: str = "", error: str = "", status: int = 200) -> web.Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request, "login.html",
        {"name": name, "error": error, "login_csrf": token, "next": _safe_next(request.query.get("next"))},
        status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="Strict",
        secure=request.app[keys.SECURE_COOKIES], path=url_for(request, "login"),
    )
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    if request[keys.SESSION] is not None:
        raise web.HTTPSeeOther(url_for(request, "home"))
    return _render_login(request)


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    name = str(form.get("name", "")).strip()
    password = str(form.get("password", ""))
    db = request.app[keys.PANEL_DB]
    now = time.time()
    remote = request.remote or "?"
    wait = await seconds_to_wait(db, name, remote, now)
    if wait > 0:
        minutes = math.ceil(wait / 60)
        return _render_login(
            request, name=name, status=429,
            error=f"Слишком много неудачных попыток входа. Повторите через {minutes} мин.",
        )
    user = await authenticate(db, name, password)
    if user is None:
        await record_failure(db, name, remote, now)
        return _render_login(request, name=name, status=401, error="Неверное имя пользователя или пароль.")
    await clear_failures(db, name)
    settings = request.app[keys.SETTINGS].current
    await remove_expired(db, now)  # sessions left to time out, not logged out
    token, _ = await create_session(db, user, now, settings.panel.session_lifetime)
    response = see_other(_safe_next(str(form.get("next", "/"))))
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="Strict", secure=request.app[keys.SECURE_COOKIES], path="/",
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path=url_for(request, "login"))
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(COOKIE)
    if token:
        await end_session(request.app[keys.PANEL_DB], token)
    response = see_other(url_for(request, "login"))
    response.del_cookie(COOKIE, path="/")
    return response
