"""Login, sessions, CSRF, throttling, the first admin and HTTPS off loopback, over real HTTP."""
import os
import ssl
import stat

import aiohttp
from yarl import URL

from daemon.config import load
from panel.users import Role, add_user
from tests.conftest import relay_sections, write_config
from tests.panel.client import PanelClient
from tests.panel.conftest import ADMIN, OPERATOR


async def test_every_page_but_login_redirects_to_login(panel):
    client = await panel.client()
    page = await client.get("/organisations?page=2")
    assert page.path == "/login?next=/organisations?page%3D2"
    assert "Вход в epd-relay" in page.text


async def test_login_takes_the_user_where_they_were_going(panel):
    client = await panel.client()
    page = await client.get("/?x=1")
    login = await client.post("/login", {"name": OPERATOR[0], "password": OPERATOR[1], "next": "/?x=1"}, page.csrf_token)
    assert login.status == 200 and login.path == "/?x=1"
    assert "operator" in login.text and "Выйти" in login.text


async def test_next_never_leaves_the_site(panel):
    client = await panel.client()
    page = await client.get("/login")
    login = await client.post(
        "/login", {"name": OPERATOR[0], "password": OPERATOR[1], "next": "//evil.example/"}, page.csrf_token
    )
    assert login.path == "/"


async def test_wrong_password_is_refused_in_russian(panel):
    client = await panel.client()
    page = await client.login(OPERATOR[0], "wrong-password")
    assert page.status == 401
    assert "Неверное имя пользователя или пароль" in page.text
    assert (await client.get("/")).path.startswith("/login")


async def test_session_cookie_is_httponly_and_samesite(panel):
    async with aiohttp.ClientSession(panel.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get("/login") as response:
            text = await response.text()
        token = text.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"name": OPERATOR[0], "password": OPERATOR[1], "csrf_token": token}
        async with http.post("/login", data=form, allow_redirects=False) as response:
            assert response.status == 303
            cookie = next(v for v in response.headers.getall("Set-Cookie") if v.startswith("epd_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie


async def test_security_headers_on_every_page(operator):
    async with operator.http.get("/") as response:
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_login_without_or_with_a_wrong_csrf_token_is_refused(panel):
    client = await panel.client()
    await client.get("/login")
    missing = await client.post("/login", {"name": OPERATOR[0], "password": OPERATOR[1]}, None)
    assert missing.status == 403 and "Форма устарела" in missing.text
    wrong = await client.post("/login", {"name": OPERATOR[0], "password": OPERATOR[1]}, "forged")
    assert wrong.status == 403
    assert (await client.get("/")).path.startswith("/login")


async def test_a_form_posted_with_another_sessions_token_is_refused(panel, operator):
    other = await panel.client(ADMIN)
    foreign_token = (await other.get("/")).csrf_token
    page = await operator.post("/logout", {}, foreign_token)
    assert page.status == 403
    assert (await operator.get("/")).status == 200 and (await operator.get("/")).path == "/"


async def test_logout_ends_the_session_on_the_server(panel, operator):
    cookie = operator.http.cookie_jar.filter_cookies(URL(panel.url))["epd_session"].value
    page = await operator.submit("/", {}, action="/logout")
    assert page.path.startswith("/login")
    replay = PanelClient(panel.url)
    try:
        replay.http.cookie_jar.update_cookies({"epd_session": cookie})
        assert (await replay.get("/")).path.startswith("/login")
    finally:
        await replay.close()


async def test_five_failures_throttle_the_name_even_with_the_right_password(panel):
    client = await panel.client()
    for _ in range(5):
        assert (await client.login(OPERATOR[0], "wrong-password")).status == 401
    page = await client.login(OPERATOR[0], OPERATOR[1])
    assert page.status == 429
    assert "Слишком много неудачных попыток" in page.text
    other = await panel.client()
    assert (await other.login(ADMIN[0], ADMIN[1])).status == 429  # same address


async def test_user_names_are_shown_escaped(panel):
    await add_user(panel.relay.panel.db, "<script>alert(1)</script>", "long-enough-password", Role.OPERATOR, 0)
    client = await panel.client(("<script>alert(1)</script>", "long-enough-password"))
    page = await client.get("/")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_unknown_page_is_a_russian_404(operator):
    page = await operator.get("/no-such-page")
    assert page.status == 404 and "Страница не найдена" in page.text


async def test_first_start_creates_an_admin_whose_password_is_kept_0600(panel):
    state = panel.relay.settings.current.storage.dir
    path = state / "panel-admin.txt"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    password = path.read_text().split("password: ")[1].strip()
    client = await panel.client()
    page = await client.login("admin", password)
    assert page.path == "/" and "администратор" in page.text


async def test_off_loopback_the_panel_serves_https_with_a_generated_certificate(tmp_path, start_relay, capsys):
    sections = relay_sections(None, None, panel={"listen": "0.0.0.0:0"})
    relay = await start_relay(load(write_config(tmp_path, sections)))
    printed = capsys.readouterr().out
    assert relay.panel_url.startswith("https://")
    assert "SHA-256 fingerprint" in printed
    key = relay.settings.current.storage.panel_key
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600

    client = PanelClient(relay.panel_url)
    try:
        try:
            await client.get("/login")
        except aiohttp.ClientConnectorCertificateError:
            pass  # not signed by a CA the client knows: staff compare the fingerprint instead
        else:
            raise AssertionError("a self-signed certificate must not verify")
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE
        async with client.http.get("/login", ssl=insecure) as response:
            assert response.status == 200
            assert "Strict-Transport-Security" in response.headers
            fields = await response.text()
        token = fields.split('name="csrf_token" value="')[1].split('"')[0]
        await add_user(relay.panel.db, "clerk", "clerk-password", Role.OPERATOR, 0)
        async with client.http.post(
            "/login", data={"name": "clerk", "password": "clerk-password", "csrf_token": token},
            ssl=insecure, allow_redirects=False,
        ) as response:
            cookie = next(v for v in response.headers.getall("Set-Cookie") if v.startswith("epd_session="))
        assert "Secure" in cookie
    finally:
        await client.close()


async def test_expired_sessions_are_removed_at_the_next_login(panel):
    db = panel.relay.panel.db
    await panel.client(OPERATOR)
    await db.execute("UPDATE panel_sessions SET expires_at = 0")
    await panel.client(ADMIN)
    rows = await db.fetchall("SELECT expires_at FROM panel_sessions")
    assert len(rows) == 1 and rows[0][0] > 0
