"""The files a sysadmin installs: the unit's promises and its config must load."""
import configparser
from pathlib import Path

from daemon.config import load

ROOT = Path(__file__).resolve().parents[1]


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "systemd" / "epd-relay.service")
    return parser


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


def test_service_config_loads_and_uses_the_state_directory_and_port_25():
    config = load(ROOT / "systemd" / "config.toml")
    assert config.storage.dir == Path("/var/lib/epd-relay")
    assert config.smtp.listen.port == 25 and config.smtp.listen.is_loopback
    assert config.pop3.listen.port == 110 and config.pop3.listen.is_loopback
