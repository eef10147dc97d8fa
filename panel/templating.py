"""Jinja2 pages: autoescaped, strict, with the user and CSRF token on every page."""
import datetime as dt
import functools

import jinja2
from aiohttp import web

from panel import keys
from panel.login_sessions import expected_csrf_token
from panel.responses import url_for
from panel.validation import format_money


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("panel", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ru_date"] = russian_date
    env.filters["money"] = format_money  # 2 447,90
    env.filters["timestamp"] = local_time  # 03.12.2026 19:45
    return env


def render(request: web.Request, template: str, values: dict, status: int = 200) -> web.Response:
    session = request.get(keys.SESSION)
    page = {
        "user": session.user if session else None,
        "csrf_token": expected_csrf_token(session, request.cookies) or "",
        "path": request.path,
        "url": functools.partial(url_for, request),  # url(route name, query, **parts)
        **values,
    }
    html = request.app[keys.TEMPLATES].get_template(template).render(page)
    return web.Response(text=html, content_type="text/html", status=status)


def russian_date(value: str) -> str:
    """ISO date to the seed's 01.10.2012; anything else as it is."""
    try:
        return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
    except (TypeError, ValueError):
        return value or ""


def local_time(value: float | None) -> str:
    """A moment (seconds since the epoch) as staff read it, in the machine's time zone."""
    return dt.datetime.fromtimestamp(value).strftime("%d.%m.%Y %H:%M") if value else ""
