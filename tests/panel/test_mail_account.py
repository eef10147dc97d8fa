"""«Учетные записи электронной почты» over real HTTP: saving, presets, the check, the relay using it."""
import asyncio
import html
import sqlite3
import ssl

import pytest

from daemon import app
from daemon.config import Security, load
from daemon.provider import logins, mail_account, step_text
from daemon.provider.steps import Reason
from daemon.secretbox import SecretBox
from panel.users import Role, add_user
from tests.conftest import PASSWORD, SENDER, message, relay_sections, send, write_config
from tests.fake_upstream import FakeUpstream
from tests.panel.conftest import ADMIN, OPERATOR, PanelRun

PAGE = "/mail-account"
CHECK = "/mail-account/check"
SUCCESS = "Проверка учетной записи завершена успешно"


def account_form(smtp_port: int | str, **changes) -> dict:
    data = {
        "title": "Системная учетная запись",
        "sender_name": "УК «Океан»",
        "address": SENDER,
        "username": SENDER,
        "password": PASSWORD,
        "remember_password": "1",
        "pop3_host": "",
        "pop3_port": "995",
        "pop3_secure": "1",
        "smtp_host": "127.0.0.1",
        "smtp_port": str(smtp_port),
        "smtp_secure": "1",
        "smtp_auth_as_pop3": "1",
        "use_for_sending": "1",
        "save": "1",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def text_of(page) -> str:
    return html.unescape(page.text)


def db_rows(relay: app.Relay, sql: str) -> list[tuple]:
    with sqlite3.connect(relay.settings.current.storage.relay_database) as db:
        return db.execute(sql).fetchall()


class FakePop3:
    """A POP3S provider made in the test: USER/PASS against one user, STAT, QUIT."""

    def __init__(self, context: ssl.SSLContext, users: dict[str, str]) -> None:
        self.context, self.users, self.port = context, users, 0
        self.logins: list[str] = []

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"+OK fake POP3 ready\r\n")
        user = ""
        while line := await reader.readline():
            verb, _, argument = line.decode().strip().partition(" ")
            verb = verb.upper()
            if verb == "USER":
                user = argument
                writer.write(b"+OK\r\n")
            elif verb == "PASS":
                self.logins.append(user)
                good = self.users.get(user) == argument
                writer.write(b"+OK logged in\r\n" if good else b"-ERR [AUTH] invalid credentials\r\n")
            elif verb == "STAT":
                writer.write(b"+OK 2 320\r\n")
            elif verb == "QUIT":
                writer.write(b"+OK bye\r\n")
                break
            else:
                writer.write(b"-ERR unknown\r\n")
        writer.close()

    async def start(self) -> "FakePop3":
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0, ssl=self.context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()


@pytest.fixture
async def pop3(tls_files):
    server = await FakePop3(tls_files.good, {SENDER: PASSWORD}).start()
    yield server
    await server.stop()


@pytest.fixture
async def wrong_host_upstream(tls_files):
    provider = await FakeUpstream(server_context=tls_files.wrong, users={SENDER: PASSWORD}).start()
    yield provider
    await provider.stop()


async def _panel_for(config, start_relay) -> PanelRun:
    relay = await start_relay(config)
    await add_user(relay.panel.db, OPERATOR[0], OPERATOR[1], Role.OPERATOR, 0)
    await add_user(relay.panel.db, ADMIN[0], ADMIN[1], Role.ADMIN, 0)
    return PanelRun(relay, relay.panel_url)


@pytest.fixture
async def upstream_panel(make_config, start_relay, tls_files, unused_port):
    """config.toml points at a provider that is not there, with the test CA: the panel must fix it."""
    config = make_config(None, upstream__smtp={
        "host": "127.0.0.1", "port": unused_port, "security": "tls",
        "ca_file": str(tls_files.ca_file), "server_name": "localhost", "username": SENDER,
    }, upstream__pop3={"ca_file": str(tls_files.ca_file)})
    run = await _panel_for(config, start_relay)
    yield run
    for client in run._clients:
        await client.close()


@pytest.fixture
async def capture_panel(make_config, start_relay, tls_files):
    """Local capture (no host in config.toml), but the test CA for whatever the panel saves."""
    run = await _panel_for(make_config(None, upstream__smtp={"ca_file": str(tls_files.ca_file)}), start_relay)
    yield run
    for client in run._clients:
        await client.close()


# --- The page and who may change it -----------------------------------------------------------

async def test_operator_sees_every_field_of_figure_4_but_cannot_save(operator):
    page = await operator.get(PAGE)
    assert page.status == 200
    text = text_of(page)
    for label in (
        "Наименование", "Имя", "Почтовый адрес", "Пользователь", "Пароль", "Запомнить пароль",
        "Сервер входящей почты (POP3)", "Сервер исходящей почты (SMTP)",
        "Использовать защищенную версию протокола POP3", "Использовать защищенную версию протокола SMTP",
        "Дополнительные настройки сервера почты", "Установить стандартные порты",
        "Аналогично серверу входящей почты", "Использовать для отправки", "Использовать для получения",
        "Проверить учетную запись",
    ):
        assert label in text, label
    assert "только администратор" in text and ">Записать<" not in page.text
    refused = await operator.post(PAGE, account_form(465), page.csrf_token)
    assert refused.status == 403 and "Недостаточно прав" in refused.text


async def test_admin_saves_and_sees_it_again(admin, panel):
    page = await admin.submit(PAGE, account_form(465, pop3_host="pop.example.ru", use_for_receiving="1"))
    assert page.status == 200 and page.path == f"{PAGE}?saved=1", page.text[:3000]
    assert "Учетная запись записана" in page.text
    saved = await mail_account.load(panel.relay.db)
    assert saved is not None and saved.smtp_host == "127.0.0.1" and saved.smtp_port == 465
    assert saved.pop3_host == "pop.example.ru" and saved.use_for_receiving and saved.sender_name == "УК «Океан»"
    assert 'value="pop.example.ru"' in page.text
    # The relay started capturing locally: that switch waits for a restart, and the page says so.
    assert "после перезапуска службы epd-relay" in text_of(page)
    assert panel.relay.settings.current.upstream_smtp.captures_locally


async def test_wrong_csrf_token_is_refused(admin, panel):
    page = await admin.post(PAGE, account_form(465), "not-the-token")
    assert page.status == 403 and "Форма устарела" in page.text
    missing = await admin.post(CHECK, {}, None)
    assert missing.status == 403
    assert await mail_account.load(panel.relay.db) is None


async def test_name_is_shown_escaped(admin):
    script = "<script>alert(1)</script>"
    page = await admin.submit(PAGE, account_form(465, title=script, sender_name=script))
    assert page.status == 200
    assert script not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_bad_input_is_refused_with_russian_messages(admin, panel):
    page = await admin.submit(PAGE, account_form(
        "70000", smtp_host="smtp .example.ru", address="не адрес", pop3_port="abc", title="",
    ))
    assert page.status == 400
    text = text_of(page)
    assert "Порт должен быть целым числом от 1 до 65535" in text
    assert "Неверное имя сервера: smtp .example.ru" in text
    assert "Неверный адрес электронной почты: не адрес" in text
    assert "Укажите наименование" in text
    assert PASSWORD not in page.text  # a typed password is never echoed back
    assert await mail_account.load(panel.relay.db) is None


async def test_separate_smtp_login_needs_a_user(admin):
    page = await admin.submit(PAGE, account_form(587, smtp_auth_as_pop3=None, smtp_username=""))
    assert page.status == 400 and "Укажите пользователя для сервера исходящей почты" in page.text


@pytest.mark.parametrize("key, smtp, pop3, hint", [
    ("yandex", "smtp.yandex.ru", "pop.yandex.ru", "Пароли приложений"),
    ("mailru", "smtp.mail.ru", "pop.mail.ru", "Пароли для внешних приложений"),
    ("gmail", "smtp.gmail.com", "pop.gmail.com", "пароль приложения"),
])
async def test_presets_fill_the_form_without_saving(admin, panel, key, smtp, pop3, hint):
    page = await admin.submit(PAGE, account_form(25, smtp_secure=None, preset=key, save=None))
    assert page.status == 200 and page.path == PAGE
    assert f'name="smtp_host" value="{smtp}"' in page.text and f'name="pop3_host" value="{pop3}"' in page.text
    assert 'name="smtp_port" value="465"' in page.text and 'name="pop3_port" value="995"' in page.text
    assert hint in text_of(page)
    assert f'value="{SENDER}"' in page.text  # what was typed stays
    assert await mail_account.load(panel.relay.db) is None
    by_link = await admin.get(f"{PAGE}?preset={key}")  # the same as a link
    assert f'name="smtp_host" value="{smtp}"' in by_link.text


async def test_standard_ports_follow_the_protocol_versions(admin):
    page = await admin.submit(PAGE, account_form(
        "2525", pop3_port="1", smtp_secure=None, pop3_secure="1", standard_ports="1", save=None,
    ))
    assert 'name="smtp_port" value="587"' in page.text and 'name="pop3_port" value="995"' in page.text


# --- Passwords --------------------------------------------------------------------------------

async def test_remembered_password_is_encrypted_at_rest_and_forgotten_on_request(admin, panel):
    await admin.submit(PAGE, account_form(465))
    relay = panel.relay
    rows = db_rows(relay, "SELECT password_encrypted FROM mail_logins WHERE username = 'sender@example.test'")
    assert rows and rows[0][0] and PASSWORD.encode() not in rows[0][0]
    with open(relay.settings.current.storage.relay_database, "rb") as file:
        assert PASSWORD.encode() not in file.read()
    box = SecretBox.open_or_create(relay.settings.current.storage.key_file)
    assert await logins.stored_password(relay.db, box, SENDER) == PASSWORD
    page = await admin.get(PAGE)
    assert "Пароль запомнен" in page.text and PASSWORD not in page.text

    # Saved again without typing it: the remembered password stays.
    await admin.submit(PAGE, account_form(465, password=""))
    assert await logins.stored_password(relay.db, box, SENDER) == PASSWORD
    # «Запомнить пароль» off: it is gone.
    await admin.submit(PAGE, account_form(465, remember_password=None))
    assert await logins.stored_password(relay.db, box, SENDER) is None


async def test_remembering_needs_a_password(admin):
    page = await admin.submit(PAGE, account_form(465, password=""))
    assert page.status == 400 and "чтобы его запомнить, его нужно указать" in page.text


# --- «Проверить учетную запись» -----------------------------------------------------------------

async def test_check_with_the_right_password_succeeds_step_by_step(upstream_panel, upstream, pop3):
    admin = await upstream_panel.client(ADMIN)
    await admin.submit(PAGE, account_form(
        upstream.port, remember_password=None, pop3_host="127.0.0.1", pop3_port=str(pop3.port),
        use_for_receiving="1",
    ))
    operator = await upstream_panel.client(OPERATOR)  # anyone may run the check
    asked = await operator.submit(PAGE, {}, action=CHECK)
    assert "Пароль не запомнен" in text_of(asked) and SUCCESS not in asked.text
    page = await operator.submit(PAGE, {"password": PASSWORD}, action=CHECK)
    text = text_of(page)
    assert page.status == 200 and SUCCESS in text, text[:4000]
    assert "Соединение установлено" in text
    assert "Сертификат сервера выдан для localhost, 127.0.0.1" in text and "действителен до" in text
    assert f"Вход выполнен: сервер принял пользователя {SENDER}" in text
    assert "Почтовый ящик доступен, писем в нем: 2" in text
    assert upstream.auth_attempts == [SENDER] and pop3.logins == [SENDER]
    assert PASSWORD not in page.text


async def test_check_with_a_wrong_password_names_the_reply(upstream_panel, upstream):
    admin = await upstream_panel.client(ADMIN)
    await admin.submit(PAGE, account_form(upstream.port, password="wrong-password"))
    page = await admin.submit(PAGE, {}, action=CHECK)  # the remembered (wrong) password
    text = text_of(page)
    assert "Неверный пароль: сервер ответил 535" in text, text[:4000]
    assert SUCCESS not in text and "не пройдена" in text


async def test_rewording_the_log_leaves_the_page_as_it_was(upstream_panel, upstream, monkeypatch):
    admin = await upstream_panel.client(ADMIN)
    await admin.submit(PAGE, account_form(upstream.port, password="wrong-password"))
    for reason in Reason:
        monkeypatch.setitem(step_text._TEXTS, reason, lambda facts: "reworded for the log")
    text = text_of(await admin.submit(PAGE, {}, action=CHECK))
    assert "Соединение установлено (адрес 127.0.0.1" in text and "Сертификат сервера выдан для localhost" in text
    assert "Неверный пароль: сервер ответил 535" in text, text[:4000]
    assert "reworded" not in text


async def test_check_names_a_certificate_for_another_host(upstream_panel, wrong_host_upstream):
    admin = await upstream_panel.client(ADMIN)
    await admin.submit(PAGE, account_form(wrong_host_upstream.port))
    page = await admin.submit(PAGE, {}, action=CHECK)
    text = text_of(page)
    assert "Сертификат сервера выдан для другого имени: mail.other-provider.test" in text, text[:4000]
    assert "Пароль и письма на этот сервер не передавались" in text
    assert wrong_host_upstream.auth_attempts == []


async def test_check_refuses_a_server_without_starttls(upstream_panel, tls_files):
    provider = await FakeUpstream(
        server_context=tls_files.good, users={SENDER: PASSWORD}, implicit_tls=False, offer_starttls=False
    ).start()
    try:
        admin = await upstream_panel.client(ADMIN)
        await admin.submit(PAGE, account_form(provider.port, smtp_secure=None))
        page = await admin.submit(PAGE, {}, action=CHECK)
    finally:
        await provider.stop()
    assert "Сервер не предлагает STARTTLS" in text_of(page)
    assert provider.auth_attempts == []


# --- The relay uses what was saved ------------------------------------------------------------

async def test_saved_settings_are_used_for_delivery_at_once(upstream_panel, upstream):
    relay = upstream_panel.relay
    admin = await upstream_panel.client(ADMIN)
    page = await admin.submit(PAGE, account_form(upstream.port))
    assert page.path == f"{PAGE}?saved=1"
    assert relay.settings.current.upstream_smtp.port == upstream.port
    code, _ = await send(relay.smtp_port, SENDER, ["resident@example.ru"], message(), (SENDER, PASSWORD))
    assert code == 250
    received = await upstream.wait_for(1)
    assert received[0].recipients == ["resident@example.ru"] and received[0].login == SENDER


async def test_saved_settings_survive_a_restart_and_a_reload(capture_panel, upstream, start_relay):
    relay = capture_panel.relay
    admin = await capture_panel.client(ADMIN)
    await admin.submit(PAGE, account_form(upstream.port, smtp_secure=None, remember_password=None))
    await admin.submit(PAGE, account_form(upstream.port))  # implicit TLS after all, remembered
    config_path = relay.settings.file.path
    await relay.stop()

    restarted = await start_relay(load(config_path))
    upstream_smtp = restarted.settings.current.upstream_smtp
    assert (upstream_smtp.host, upstream_smtp.port, upstream_smtp.security) == ("127.0.0.1", upstream.port, Security.TLS)
    assert upstream_smtp.username == SENDER and upstream_smtp.ca_file is not None
    # SIGHUP with a config.toml that names another provider: the saved account still wins.
    sections = relay_sections(None, None, upstream__smtp={"host": "smtp.elsewhere.test", "port": 2465})
    sections["upstream.smtp"]["ca_file"] = str(upstream_smtp.ca_file)
    write_config(config_path.parent, sections)
    app._reload(restarted)
    assert restarted.settings.file.upstream_smtp.host == "smtp.elsewhere.test"
    assert restarted.settings.current.upstream_smtp.port == upstream.port


async def test_restart_then_delivery_with_the_remembered_password(capture_panel, upstream, start_relay):
    relay = capture_panel.relay
    admin = await capture_panel.client(ADMIN)
    await admin.submit(PAGE, account_form(upstream.port))
    config_path = relay.settings.file.path
    await relay.stop()
    sections = relay_sections(None, None, smtp={"allowed_senders": [SENDER]})
    sections["upstream.smtp"]["ca_file"] = str(relay.settings.file.upstream_smtp.ca_file)
    write_config(config_path.parent, sections)
    restarted = await start_relay(load(config_path))
    # A sender allowed without AUTH: delivery logs in with the password remembered in the panel.
    code, _ = await send(restarted.smtp_port, SENDER, ["resident@example.ru"], message())
    assert code == 250
    received = await upstream.wait_for(1)
    assert received[0].login == SENDER


# --- Sending limits ---------------------------------------------------------------------------

async def test_sending_limits_come_from_the_preset_and_are_saved(admin, panel):
    page = await admin.submit(PAGE, {**account_form(465), "preset": "workspace"})
    assert 'name="per_day" value="2000"' in page.text and 'name="per_minute" value="20"' in page.text
    await admin.submit(PAGE, account_form(465, per_minute="5", per_day="150"))
    saved = await mail_account.load(panel.relay.db)
    assert (saved.per_minute, saved.per_day) == (5, 150)
    page = await admin.submit(PAGE, account_form(465, per_day="много"))
    assert page.status == 400 and "Целое число от 0 до 100000 (0 — без ограничения), а не «много»" in text_of(page)
    assert (await mail_account.load(panel.relay.db)).per_day == 150
