"""The files a sysadmin installs: the unit's promises and its config must load."""
import configparser
import shlex
from pathlib import Path

from daemon import app
from daemon.config import load

ROOT = Path(__file__).resolve().parents[1]


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "systemd" / "epd-relay.service")
    return parser


def readme_service_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## Running it as a service\n", 1)[1].split("\n## ", 1)[0]


def readme_service_commands() -> list[list[str]]:
    """The README's install commands for the service, split into words as sh would."""
    block = readme_service_section().split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def test_unit_runs_confined_with_one_capability():
    service = unit()["Service"]
    assert service["Type"] == "notify"
    assert service["DynamicUser"] == "yes" and service["StateDirectory"] == "epd-relay"
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    assert service["CapabilityBoundingSet"] == "CAP_NET_BIND_SERVICE"
    assert service["AmbientCapabilities"] == "CAP_NET_BIND_SERVICE"
    assert service["Restart"] == "on-failure"
    assert "--config /etc/epd-relay/config.toml" in service["ExecStart"]
    assert "HUP" in service["ExecReload"]


def seconds(value: str) -> float:
    assert value.endswith("s"), value
    return float(value[:-1])


def test_no_stop_outlasts_the_units_patience():
    assert app.STOP_TIMEOUT < seconds(unit()["Service"]["TimeoutStopSec"])  # the relay ends its own first


def test_unit_restarts_a_relay_that_stalls():
    service = unit()["Service"]
    assert service["NotifyAccess"] == "main"  # WATCHDOG=1 comes from the relay itself
    assert seconds(service["WatchdogSec"]) == 60  # fed every half of it
    assert service["Restart"] == "on-failure"  # which a watchdog timeout is


def test_service_config_loads_and_uses_the_state_directory_and_port_25():
    config = load(ROOT / "systemd" / "config.toml")
    assert config.storage.dir == Path("/var/lib/epd-relay")
    assert config.smtp.listen.port == 25 and config.smtp.listen.is_loopback
    assert config.pop3.listen.port == 110 and config.pop3.listen.is_loopback


def test_unit_starts_what_the_readme_installs():
    commands = readme_service_commands()
    venv = next(words for words in commands if words[1:3] == ["-m", "venv"])
    # Debian's own Python: under ProtectHome the service cannot reach one in /root or /home.
    assert venv[0] == "/usr/bin/python3"
    prefix = venv[3]
    assert [f"{prefix}/bin/pip", "install", "."] in commands
    config = next(words for words in commands if "systemd/config.toml" in words)[-1]
    executable = f"{prefix}/bin/epd-relay"
    assert shlex.split(unit()["Service"]["ExecStart"]) == [executable, "serve", "--config", config]
    assert f"{executable} account set LOGIN --store-password --config {config}" in readme_service_section()
