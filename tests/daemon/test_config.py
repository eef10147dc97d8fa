"""config.toml: typed, documented, and every mistake named with its file and key."""
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from daemon import config as config_module
from daemon.config import Security, load
from daemon.errors import ConfigError

SHIPPED = Path(__file__).resolve().parents[2] / "config.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_lists_every_key_with_its_default(tmp_path):
    shipped = load(SHIPPED)
    empty = load(write(tmp_path, ""))
    assert shipped.smtp == empty.smtp and shipped.delivery == empty.delivery
    assert shipped.upstream_smtp == empty.upstream_smtp
    assert shipped.panel == replace(empty.panel, demo_data=True)  # the try-it file shows the seed's example
    assert shipped.pop3 == empty.pop3 and shipped.upstream_pop3 == empty.upstream_pop3
    assert shipped.tunnels == ()
    assert shipped.storage.dir == SHIPPED.parent / "var"


def test_shipped_config_binds_loopback_and_captures_locally():
    config = load(SHIPPED)
    assert config.smtp.listen.is_loopback and config.panel.listen.is_loopback
    assert config.upstream_smtp.captures_locally


def test_values_are_typed_and_paths_relative_to_the_file(tmp_path):
    (tmp_path / "ca.pem").write_text("x")
    config = load(write(tmp_path, """
[storage]
dir = "state"
[smtp]
listen = "[::1]:2525"
[upstream.smtp]
host = "smtp.yandex.ru"
port = 587
security = "starttls"
ca_file = "ca.pem"
[delivery]
min_backoff = "30s"
max_queue_lifetime = "2d"
"""))
    assert config.storage.dir == tmp_path / "state"
    assert config.smtp.listen.host == "::1" and config.smtp.listen.is_loopback
    assert config.upstream_smtp.security is Security.STARTTLS
    assert config.upstream_smtp.ca_file == tmp_path / "ca.pem"
    assert config.delivery.min_backoff == 30 and config.delivery.max_queue_lifetime == 2 * 86400


@pytest.mark.parametrize("text, named", [
    ('[smtp]\nlisten = "127.0.0.1"', "[smtp] listen"),
    ('[smtp]\nmax_message_size = "big"', "[smtp] max_message_size: expected an integer"),
    ('[smtp]\nmax_message_size = true', "[smtp] max_message_size"),
    ('[smtp]\nallowed_senders = ["nobody"]', "[smtp] allowed_senders"),
    ('[smtp]\nlisten_on = "127.0.0.1:25"', "[smtp] unknown key(s): listen_on"),
    ('[upstream.smtp]\nsecurity = "ssl"', '[upstream.smtp] security: must be one of "tls", "starttls"'),
    ('[upstream.smtp]\nport = 70000', "[upstream.smtp] port: must be between 1 and 65535"),
    ('[upstream.smtp]\nca_file = "missing.pem"', "[upstream.smtp] ca_file"),
    ('[upstream.pop3]\nca_file = "missing.pem"', "[upstream.pop3] ca_file: "),
    ('[panel]\ntls_cert = "c.pem"\ntls_key = "k.pem"', "[panel] tls_cert: "),
    ('[[tunnel]]\nname = "t"\naccept = "127.0.0.1:1"\nconnect = "h:1"\nca_file = "no.pem"', '[tunnel "t"] ca_file: '),
    ('[upstream.pop4]\nhost = "x"', "[upstream] unknown key(s): pop4"),
    ('[delivery]\nmin_backoff = "5 minutes"', "[delivery] min_backoff"),
    ('[delivery]\nmin_backoff = "2h"\nmax_backoff = "1h"', "[delivery] max_backoff"),
    ('[storage]\ndir = ""', "[storage] dir"),
    ('[smpt]\nlisten = "127.0.0.1:25"', "unknown section(s): smpt"),
    ('[upstream.pop3]\nsecurity = "starttls"', '[upstream.pop3] security: must be one of "tls", "stls"'),
    ('[[tunnel]]\naccept = "127.0.0.1:1143"', "[tunnel #1] name: required"),
    ('[[tunnel]]\nname = "t"\naccept = "127.0.0.1:1143"', '[tunnel "t"] connect'),
    ('[[tunnel]]\nname = "t"\naccept = "127.0.0.1:1"\nconnect = "h:1"\nprotocol = "ftp"', '[tunnel "t"] protocol'),
    ('[[tunnel]]\nname = "t"\naccept = "127.0.0.1:1"\nconnect = "h:1"\nverify = "no"', '[tunnel "t"] verify: expected true or false'),
    ('[[tunnel]]\nname = "t"\naccept = "127.0.0.1:1"\nconnect = "h:1"\n[[tunnel]]\nname = "t"\naccept = "127.0.0.1:2"\nconnect = "h:1"', 'name "t" is used twice'),
    ('[pop3]\nlisten = "127.0.0.1:2525"\n[smtp]\nlisten = "127.0.0.1:2525"', "already used by [smtp] listen"),
    ('[smtp\nlisten = 1', "not valid TOML"),
])
def test_mistakes_name_the_file_and_key(tmp_path, text, named):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load(path)
    assert str(path) in str(error.value) and named in str(error.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="missing.toml: file not found"):
        load(tmp_path / "missing.toml")


def test_every_documented_key_is_known():
    """A key in the shipped file that the loader does not know would stop every start."""
    data = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    config_module.parse(data, SHIPPED)
