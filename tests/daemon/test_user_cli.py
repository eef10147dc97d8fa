"""`epd-relay user add NAME` and `user passwd NAME`: panel users from the command line."""
from daemon.config import load
from daemon.db.stores import panel_store
from panel.users import Role, authenticate
from tests.conftest import relay_sections, write_config
from tests.relay_process import run_cli


async def login(config_path, name: str, password: str):
    async with panel_store(load(config_path).storage) as db:
        return await authenticate(db, name, password)


async def test_add_reads_the_password_from_stdin(tmp_path):
    config_path = write_config(tmp_path, relay_sections(None, None))
    code, output = await run_cli("user", "add", "ivanova", "--config", str(config_path), stdin="секретный пароль\n")
    assert code == 0, output
    assert "panel user ivanova added (operator)" in output and "секретный" not in output
    user = await login(config_path, "ivanova", "секретный пароль")
    assert user is not None and user.role is Role.OPERATOR

    code, output = await run_cli(
        "user", "add", "boss", "--role", "admin", "--config", str(config_path), stdin="admin-password\n"
    )
    assert code == 0 and "(admin)" in output
    assert (await login(config_path, "boss", "admin-password")).role is Role.ADMIN


async def test_add_refuses_duplicates_short_passwords_and_unknown_roles(tmp_path):
    config_path = write_config(tmp_path, relay_sections(None, None))
    assert (await run_cli("user", "add", "ivanova", "--config", str(config_path), stdin="long-enough\n"))[0] == 0
    code, output = await run_cli("user", "add", "IVANOVA", "--config", str(config_path), stdin="long-enough\n")
    assert code == 2 and "already exists" in output
    code, output = await run_cli("user", "add", "petrov", "--config", str(config_path), stdin="short\n")
    assert code == 2 and "at least 8 characters" in output
    code, output = await run_cli("user", "add", "petrov", "--role", "root", "--config", str(config_path))
    assert code == 2 and "invalid choice" in output


async def test_passwd_changes_the_password(tmp_path):
    config_path = write_config(tmp_path, relay_sections(None, None))
    await run_cli("user", "add", "ivanova", "--config", str(config_path), stdin="first-password\n")
    code, output = await run_cli("user", "passwd", "ivanova", "--config", str(config_path), stdin="second-password\n")
    assert code == 0 and "password of panel user ivanova changed" in output
    assert await login(config_path, "ivanova", "first-password") is None
    assert await login(config_path, "ivanova", "second-password") is not None
    code, output = await run_cli("user", "passwd", "nobody", "--config", str(config_path), stdin="second-password\n")
    assert code == 2 and "no user nobody" in output
