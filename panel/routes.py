"""URL map of the panel; every route has a name for url_for."""
from pathlib import Path

from aiohttp import web

from panel.views import auth, home

STATIC = Path(__file__).parent / "static"


def setup_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/", home.home, name="home")
    router.add_get("/login", auth.login_page, name="login")
    router.add_post("/login", auth.login, name="login_post")
    router.add_post("/logout", auth.logout, name="logout")
    router.add_static("/static/", STATIC, name="static")
