"""config.toml, read once into frozen dataclasses; every problem names the file and key."""
import enum
import ipaddress
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from daemon.errors import ConfigError

DEFAULT_PATH = Path("config.toml")


class Security(enum.StrEnum):
    TLS = "tls"            # implicit TLS from the first byte
    STARTTLS = "starttls"  # plaintext greeting, then STARTTLS before anything else


class Pop3Security(enum.StrEnum):
    TLS = "tls"    # POP3S, port 995
    STLS = "stls"  # plaintext greeting, then STLS (port 110)


class TunnelProtocol(enum.StrEnum):
    """What is spoken in plaintext upstream before TLS starts (stunnel's `protocol`)."""

    NONE = "none"  # TLS from the first byte
    SMTP = "smtp"
    POP3 = "pop3"
    IMAP = "imap"


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


@dataclass(frozen=True)
class StorageConfig:
    dir: Path

    @property
    def relay_database(self) -> Path:
        """The queue, the logins and the saved mail account: what SMTP acceptance writes."""
        return self.dir / "relay.db"

    @property
    def panel_database(self) -> Path:
        """Staff, organisations, personal accounts, charges: what the panel writes."""
        return self.dir / "panel.db"

    @property
    def single_database(self) -> Path:
        """Both in one file, as versions before the split kept them (daemon.db.single_file)."""
        return self.dir / "epd-relay.db"

    @property
    def legacy_spool(self) -> Path:
        """Where message files were kept before the database held them (daemon.queue.legacy_spool)."""
        return self.dir / "spool"

    @property
    def key_file(self) -> Path:
        return self.dir / "secret.key"

    @property
    def capture_maildir(self) -> Path:
        return self.dir / "mail" / "captured"

    @property
    def bounce_maildir(self) -> Path:
        return self.dir / "mail" / "bounces"

    @property
    def panel_cert(self) -> Path:
        return self.dir / "panel-cert.pem"

    @property
    def panel_key(self) -> Path:
        return self.dir / "panel-key.pem"


@dataclass(frozen=True)
class SmtpConfig:
    listen: Address
    max_message_size: int
    max_recipients: int
    allowed_senders: tuple[str, ...]


@dataclass(frozen=True)
class PanelConfig:
    listen: Address
    tls_cert: Path | None
    tls_key: Path | None
    session_lifetime: float
    demo_data: bool  # load the demo (panel/demo: the seed's example and more) into an empty database

    @property
    def https(self) -> bool:
        """Off loopback the panel is served over HTTPS only."""
        return not self.listen.is_loopback or self.tls_cert is not None


@dataclass(frozen=True)
class UpstreamSmtpConfig:
    host: str
    port: int
    security: Security
    ca_file: Path | None
    server_name: str
    username: str
    address: str
    timeout: float

    @property
    def captures_locally(self) -> bool:
        return not self.host

    @property
    def verify_name(self) -> str:
        return self.server_name or self.host

    @property
    def system_address(self) -> str:
        return self.address or self.username


@dataclass(frozen=True)
class Pop3Config:
    listen: Address
    max_sessions: int
    idle_timeout: float


@dataclass(frozen=True)
class UpstreamPop3Config:
    host: str
    port: int
    security: Pop3Security
    ca_file: Path | None
    server_name: str
    timeout: float

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    @property
    def verify_name(self) -> str:
        return self.server_name or self.host


@dataclass(frozen=True)
class TunnelConfig:
    name: str
    accept: Address
    connect: tuple[Address, ...]
    protocol: TunnelProtocol
    ca_file: Path | None
    verify: bool
    server_name: str
    idle_timeout: float
    max_connections: int
    timeout: float

    def verify_name(self, target: Address) -> str:
        return self.server_name or target.host


@dataclass(frozen=True)
class DeliveryConfig:
    min_backoff: float
    max_backoff: float
    max_queue_lifetime: float
    connection_idle: float
    auth_cache: float
    spam_block_pause: float
    max_recoveries: int
    connections: int


@dataclass(frozen=True)
class Config:
    path: Path
    storage: StorageConfig
    smtp: SmtpConfig
    panel: PanelConfig
    upstream_smtp: UpstreamSmtpConfig
    delivery: DeliveryConfig
    pop3: Pop3Config
    upstream_pop3: UpstreamPop3Config
    tunnels: tuple[TunnelConfig, ...]


class ConfigHolder:
    """The configuration in force; replaced as a whole on SIGHUP.

    `file` is what config.toml says; `overlay` turns it into what is in force, `current`
    (the relay sets it to the mail account saved in the panel: daemon/mail_account.py).
    """

    def __init__(self, config: Config) -> None:
        self.file = config
        self.current = config
        self.overlay: Callable[[Config], Config] = _unchanged


def _unchanged(config: Config) -> Config:
    return config


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


class _Section:
    """Takes typed keys out of one table and complains about what is left."""

    def __init__(self, path: Path, name: str, table: Any) -> None:
        self.path, self.name = path, name
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{name}] must be a table")
        self._table = dict(table)

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: [{self.name}] {key}: {problem}")

    def _raw(self, key: str, default: Any, kind: type | tuple[type, ...], kind_name: str) -> Any:
        value = self._table.pop(key, default)
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            raise self.error(key, f"expected {kind_name}, got {value!r}")
        return value

    def string(self, key: str, default: str) -> str:
        return self._raw(key, default, str, "a string")

    def boolean(self, key: str, default: bool) -> bool:
        return self._raw(key, default, bool, "true or false")

    def integer(self, key: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
        value = self._raw(key, default, int, "an integer")
        if value < minimum or maximum is not None and value > maximum:
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise self.error(key, f"must be {bound}, got {value}")
        return value

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self._raw(key, list(default), list, "a list of strings")
        if not all(isinstance(item, str) for item in value):
            raise self.error(key, f"expected a list of strings, got {value!r}")
        return tuple(value)

    def duration(self, key: str, default: str) -> float:
        text = self.string(key, default)
        match = _DURATION.match(text)
        if not match:
            raise self.error(key, f'expected a duration such as "30s", "5m", "1h", "5d"; got {text!r}')
        seconds = float(match[1]) * _DURATION_UNITS[match[2]]
        if seconds <= 0:
            raise self.error(key, "must be longer than zero")
        return seconds

    def address(self, key: str, default: str) -> Address:
        return self._parse_address(key, self.string(key, default))

    def addresses(self, key: str) -> tuple[Address, ...]:
        value = self._table.pop(key, None)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.error(key, 'expected "host:port" or a non-empty list of them')
        return tuple(self._parse_address(key, text) for text in value)

    def _parse_address(self, key: str, text: str) -> Address:
        match = re.fullmatch(r"\[([0-9a-fA-F:]+)\]:(\d+)|([^:\[\]]+):(\d+)", text)
        if not match:
            raise self.error(key, f'expected "host:port" (IPv6 as "[::1]:port"), got {text!r}')
        host, port = (match[1], match[2]) if match[1] else (match[3], match[4])
        if int(port) > 65535:
            raise self.error(key, f"port {port} is out of range")
        return Address(host, int(port))

    def file_or_none(self, key: str, base: Path) -> Path | None:
        """A file that must exist, relative to the config file; None when the key is empty."""
        text = self.string(key, "")
        if not text:
            return None
        if not (base / text).is_file():
            raise self.error(key, f"{base / text} does not exist")
        return base / text

    def enum(self, key: str, default: enum.StrEnum, kind: type[enum.StrEnum]) -> Any:
        text = self.string(key, str(default))
        try:
            return kind(text)
        except ValueError:
            choices = ", ".join(f'"{member.value}"' for member in kind)
            raise self.error(key, f"must be one of {choices}, got {text!r}") from None

    def table(self, key: str) -> Any:
        return self._table.pop(key, {})

    def finish(self) -> None:
        if self._table:
            unknown = ", ".join(sorted(self._table))
            raise ConfigError(f"{self.path}: [{self.name}] unknown key(s): {unknown}")


def load(path: Path = DEFAULT_PATH) -> Config:
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return parse(data, path)


def parse(data: dict[str, Any], path: Path) -> Config:
    base = path.resolve().parent
    top = dict(data)
    upstream = _Section(path, "upstream", top.pop("upstream", {}))
    config = Config(
        path=path,
        storage=_storage(_Section(path, "storage", top.pop("storage", {})), base),
        smtp=_smtp(_Section(path, "smtp", top.pop("smtp", {}))),
        panel=_panel(_Section(path, "panel", top.pop("panel", {})), base),
        upstream_smtp=_upstream_smtp(_Section(path, "upstream.smtp", upstream.table("smtp")), base),
        delivery=_delivery(_Section(path, "delivery", top.pop("delivery", {}))),
        pop3=_pop3(_Section(path, "pop3", top.pop("pop3", {}))),
        upstream_pop3=_upstream_pop3(_Section(path, "upstream.pop3", upstream.table("pop3")), base),
        tunnels=_tunnels(path, top.pop("tunnel", []), base),
    )
    upstream.finish()
    _check_listeners(path, config)
    if top:
        raise ConfigError(f"{path}: unknown section(s): {', '.join(sorted(top))}")
    return config


def _storage(section: _Section, base: Path) -> StorageConfig:
    directory = section.string("dir", "var")
    if not directory:
        raise section.error("dir", "must not be empty")
    section.finish()
    return StorageConfig(dir=base / directory)


def _smtp(section: _Section) -> SmtpConfig:
    config = SmtpConfig(
        listen=section.address("listen", "127.0.0.1:2525"),
        max_message_size=section.integer("max_message_size", 26214400, minimum=1024),
        max_recipients=section.integer("max_recipients", 100, minimum=1),
        allowed_senders=tuple(s.lower() for s in section.strings("allowed_senders", ())),
    )
    for sender in config.allowed_senders:
        if "@" not in sender:
            raise section.error("allowed_senders", f"{sender!r} is not an e-mail address")
    section.finish()
    return config


def _panel(section: _Section, base: Path) -> PanelConfig:
    config = PanelConfig(
        listen=section.address("listen", "127.0.0.1:8080"),
        tls_cert=section.file_or_none("tls_cert", base),
        tls_key=section.file_or_none("tls_key", base),
        session_lifetime=section.duration("session_lifetime", "12h"),
        demo_data=section.boolean("demo_data", False),
    )
    if (config.tls_cert is None) != (config.tls_key is None):
        raise section.error("tls_key" if config.tls_key is None else "tls_cert",
                            "tls_cert and tls_key are set together")
    section.finish()
    return config


def _upstream_smtp(section: _Section, base: Path) -> UpstreamSmtpConfig:
    config = UpstreamSmtpConfig(
        host=section.string("host", ""),
        port=section.integer("port", 465, minimum=1, maximum=65535),
        security=section.enum("security", Security.TLS, Security),
        ca_file=section.file_or_none("ca_file", base),
        server_name=section.string("server_name", ""),
        username=section.string("username", ""),
        address=section.string("address", ""),
        timeout=section.duration("timeout", "30s"),
    )
    section.finish()
    return config


def _delivery(section: _Section) -> DeliveryConfig:
    config = DeliveryConfig(
        min_backoff=section.duration("min_backoff", "5m"),
        max_backoff=section.duration("max_backoff", "1h"),
        max_queue_lifetime=section.duration("max_queue_lifetime", "5d"),
        connection_idle=section.duration("connection_idle", "30s"),
        auth_cache=section.duration("auth_cache", "5m"),
        spam_block_pause=section.duration("spam_block_pause", "1h"),
        max_recoveries=section.integer("max_recoveries", 3, minimum=1),
        connections=section.integer("connections", 2, minimum=1, maximum=10),
    )
    if config.max_backoff < config.min_backoff:
        raise section.error("max_backoff", "must not be shorter than min_backoff")
    section.finish()
    return config


def _pop3(section: _Section) -> Pop3Config:
    config = Pop3Config(
        listen=section.address("listen", "127.0.0.1:1110"),
        max_sessions=section.integer("max_sessions", 20, minimum=1),
        idle_timeout=section.duration("idle_timeout", "10m"),
    )
    section.finish()
    return config


def _upstream_pop3(section: _Section, base: Path) -> UpstreamPop3Config:
    config = UpstreamPop3Config(
        host=section.string("host", ""),
        port=section.integer("port", 995, minimum=1, maximum=65535),
        security=section.enum("security", Pop3Security.TLS, Pop3Security),
        ca_file=section.file_or_none("ca_file", base),
        server_name=section.string("server_name", ""),
        timeout=section.duration("timeout", "60s"),
    )
    section.finish()
    return config


def _tunnels(path: Path, tables: Any, base: Path) -> tuple[TunnelConfig, ...]:
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: tunnels are written [[tunnel]], one table per tunnel")
    tunnels = []
    for index, table in enumerate(tables, start=1):
        section = _Section(path, f"tunnel #{index}", table)
        name = section.string("name", "")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            raise section.error("name", "required: letters, digits, '.', '_' or '-'")
        section.name = f'tunnel "{name}"'
        tunnel = TunnelConfig(
            name=name,
            accept=section.address("accept", ""),
            connect=section.addresses("connect"),
            protocol=section.enum("protocol", TunnelProtocol.NONE, TunnelProtocol),
            ca_file=section.file_or_none("ca_file", base),
            verify=section.boolean("verify", True),
            server_name=section.string("server_name", ""),
            idle_timeout=section.duration("idle_timeout", "10m"),
            max_connections=section.integer("max_connections", 50, minimum=1),
            timeout=section.duration("timeout", "30s"),
        )
        section.finish()
        tunnels.append(tunnel)
    names = [t.name for t in tunnels]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f'{path}: [[tunnel]] name "{name}" is used twice')
    return tuple(tunnels)


def _check_listeners(path: Path, config: Config) -> None:
    """Two listeners on one fixed port would fail at start with a less helpful message."""
    listeners = [("[smtp] listen", config.smtp.listen), ("[panel] listen", config.panel.listen),
                 ("[pop3] listen", config.pop3.listen)]
    listeners += [(f'tunnel "{t.name}" accept', t.accept) for t in config.tunnels]
    seen: dict[tuple[str, int], str] = {}
    for key, address in listeners:
        if address.port == 0:
            continue
        other = seen.setdefault((address.host, address.port), key)
        if other != key:
            raise ConfigError(f"{path}: {key} uses {address}, already used by {other}")
