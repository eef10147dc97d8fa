"""«Системная учетная запись»: the provider settings saved in the panel, in force for the relay.

config.toml's [upstream.smtp] and [upstream.pop3] are only the initial value. Once the
panel has saved the mail_account row, its hosts, ports, TLS modes and logins are laid over
the file's sections wherever the relay reads its configuration: at start, right after a
save and after a SIGHUP reload. What only the file says stays: ca_file, timeouts, and
server_name while the host is the file's own.

Local capture or an upstream, and whether the POP3 listener runs, are chosen when the
relay starts: a change of either waits for a restart (`keep_modes`).
"""
import logging
from dataclasses import dataclass, replace

from daemon.config import (
    Config,
    ConfigHolder,
    Pop3Security,
    Security,
    UpstreamPop3Config,
    UpstreamSmtpConfig,
)
from daemon.db.connect import Database

log = logging.getLogger(__name__)

STANDARD_PORTS = {
    # (protocol, secure) -> port; "secure" is implicit TLS, otherwise STARTTLS / STLS.
    ("smtp", True): 465,
    ("smtp", False): 587,
    ("pop3", True): 995,
    ("pop3", False): 110,
}

_COLUMNS = (
    "title", "sender_name", "address", "username", "remember_password",
    "pop3_host", "pop3_port", "pop3_secure", "smtp_host", "smtp_port", "smtp_secure",
    "smtp_auth_as_pop3", "smtp_username", "use_for_sending", "use_for_receiving", "per_minute", "per_day",
)

# Messages the monthly mailing hands over (a minute, any 24 hours) unless the account says
# otherwise, from the providers' published limits: Yandex 500 a day per mailbox
# (yandex.com/support/mail/web/letter/create/send-many-letters.html), Gmail 500, Google
# Workspace 2,000 (support.google.com/a/answer/166852, a rolling day). Mail.ru publishes
# no figure: 300 is a cautious guess. Nobody publishes a per-minute figure: 20 keeps a
# month's mailing from looking like a burst.
DEFAULT_LIMITS = (20, 500)
PROVIDER_LIMITS = {
    "smtp.yandex.ru": (20, 500),
    "smtp.mail.ru": (20, 300),
    "smtp.gmail.com": (20, 500),
}


@dataclass(frozen=True)
class MailAccount:
    title: str
    sender_name: str
    address: str
    username: str
    remember_password: bool
    pop3_host: str
    pop3_port: int
    pop3_secure: bool      # POP3S (implicit TLS); otherwise STLS
    smtp_host: str
    smtp_port: int
    smtp_secure: bool      # implicit TLS; otherwise STARTTLS (never plaintext)
    smtp_auth_as_pop3: bool  # «Аналогично серверу входящей почты»
    smtp_username: str     # used when smtp_auth_as_pop3 is off
    use_for_sending: bool
    use_for_receiving: bool
    per_minute: int = DEFAULT_LIMITS[0]  # the mailing's pace; 0: no limit
    per_day: int = DEFAULT_LIMITS[1]

    @property
    def smtp_login(self) -> str:
        return self.username if self.smtp_auth_as_pop3 else self.smtp_username

    @property
    def logins(self) -> tuple[str, ...]:
        """Every login whose password this account may keep."""
        return tuple(dict.fromkeys(login for login in (self.username, self.smtp_login) if login))


def from_config(config: Config) -> MailAccount:
    """What the form shows before anything was saved: config.toml's [upstream.*]."""
    smtp, pop3 = config.upstream_smtp, config.upstream_pop3
    return MailAccount(
        title="Системная учетная запись",
        sender_name="",
        address=smtp.system_address,
        username=smtp.username,
        remember_password=False,
        pop3_host=pop3.host,
        pop3_port=pop3.port,
        pop3_secure=pop3.security is Pop3Security.TLS,
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        smtp_secure=smtp.security is Security.TLS,
        smtp_auth_as_pop3=True,
        smtp_username="",
        use_for_sending=True,
        use_for_receiving=pop3.enabled,
        per_minute=limits_for_host(smtp.host)[0],
        per_day=limits_for_host(smtp.host)[1],
    )


async def load(db: Database) -> MailAccount | None:
    row = await db.fetchone(f"SELECT {', '.join(_COLUMNS)} FROM mail_account WHERE id = 1")
    if row is None:
        return None
    values = {name: row[name] for name in _COLUMNS}
    for name, kind in MailAccount.__annotations__.items():
        if kind is bool:
            values[name] = bool(values[name])
    return MailAccount(**values)


async def save(db: Database, account: MailAccount, now: float) -> None:
    values = [getattr(account, name) for name in _COLUMNS]
    values = [int(v) if isinstance(v, bool) else v for v in values]
    updates = ", ".join(f"{name} = excluded.{name}" for name in (*_COLUMNS, "updated_at"))
    await db.execute(
        f"INSERT INTO mail_account (id, {', '.join(_COLUMNS)}, updated_at)"
        f" VALUES (1, {', '.join('?' for _ in _COLUMNS)}, ?)"
        f" ON CONFLICT (id) DO UPDATE SET {updates}",
        (*values, now),
    )


def apply(config: Config, account: MailAccount | None) -> Config:
    """config.toml's configuration with the saved account laid over its [upstream.*]."""
    if account is None:
        return config
    smtp, pop3 = config.upstream_smtp, config.upstream_pop3
    smtp_host = account.smtp_host if account.use_for_sending else ""
    pop3_host = account.pop3_host if account.use_for_receiving else ""
    new_smtp = UpstreamSmtpConfig(
        host=smtp_host,
        port=account.smtp_port,
        security=Security.TLS if account.smtp_secure else Security.STARTTLS,
        ca_file=smtp.ca_file,
        # server_name in the file names the certificate of the file's host, not of another.
        server_name=smtp.server_name if smtp_host == smtp.host else "",
        username=account.smtp_login,
        address=account.address,
        timeout=smtp.timeout,
    )
    new_pop3 = UpstreamPop3Config(
        host=pop3_host,
        port=account.pop3_port,
        security=Pop3Security.TLS if account.pop3_secure else Pop3Security.STLS,
        ca_file=pop3.ca_file,
        server_name=pop3.server_name if pop3_host == pop3.host else "",
        timeout=pop3.timeout,
    )
    return replace(config, upstream_smtp=new_smtp, upstream_pop3=new_pop3)


@dataclass(frozen=True)
class Pending:
    """Parts of the saved settings that wait for a restart of the relay."""

    smtp_mode: bool = False  # between local capture and an upstream
    pop3_listener: bool = False  # POP3 relay on or off

    def __bool__(self) -> bool:
        return self.smtp_mode or self.pop3_listener


def keep_modes(new: Config, running: Config) -> tuple[Config, Pending]:
    """`new`, except where it would switch a mode the running relay chose at start."""
    smtp_mode = new.upstream_smtp.captures_locally != running.upstream_smtp.captures_locally
    pop3_listener = new.upstream_pop3.enabled != running.upstream_pop3.enabled
    if smtp_mode:
        new = replace(new, upstream_smtp=running.upstream_smtp)
    if pop3_listener:
        new = replace(new, upstream_pop3=running.upstream_pop3)
    return new, Pending(smtp_mode, pop3_listener)


def _overlay(account: MailAccount | None):
    def overlay(config: Config) -> Config:
        return apply(config, account)

    return overlay


async def install_at_start(settings: ConfigHolder, db: Database) -> Config:
    """Before the relay chooses its modes: the saved account, if any, is in force from the start."""
    account = await load(db)
    settings.overlay = _overlay(account)
    settings.current = settings.overlay(settings.file)
    if account is not None:
        log.info("upstream settings from the panel's saved mail account (config.toml's [upstream.*] is"
                 " only the initial value)")
    return settings.current


def install_saved(settings: ConfigHolder, account: MailAccount) -> Pending:
    """Right after the panel saved: the relay uses the account for its next connection."""
    settings.overlay = _overlay(account)
    new, pending = keep_modes(settings.overlay(settings.file), settings.current)
    settings.current = new
    if pending:
        log.warning("mail account saved; switching between local capture and an upstream, or POP3"
                    " on or off, takes effect after a restart")
    else:
        log.info("mail account saved; the relay uses it from the next connection")
    return pending


def install_reloaded(settings: ConfigHolder, file_config: Config) -> Pending:
    """SIGHUP: a new config.toml, with the saved account still laid over it."""
    settings.file = file_config
    new, pending = keep_modes(settings.overlay(file_config), settings.current)
    settings.current = new
    return pending


def pending(settings: ConfigHolder) -> Pending:
    """What of the saved settings the running relay does not use yet."""
    return keep_modes(settings.overlay(settings.file), settings.current)[1]


def limits_for_host(host: str) -> tuple[int, int]:
    return PROVIDER_LIMITS.get(host.lower(), DEFAULT_LIMITS)


def sending_limits(account: MailAccount | None, config: Config) -> tuple[int, int]:
    """(per minute, per day) for the monthly mailing: the saved account's, or by the provider.
    Mail captured locally goes nowhere: no limit."""
    if account is not None:
        return account.per_minute, account.per_day
    if config.upstream_smtp.captures_locally:
        return 0, 0
    return limits_for_host(config.upstream_smtp.host)
