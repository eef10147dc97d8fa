"""The «Системная учетная запись» form: what was typed, presets, standard ports, validation.

Pure functions over strings, so the view only moves data between the request, the
database and the template. Messages are Russian, shown next to their field.
"""
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from daemon.provider.mail_account import STANDARD_PORTS, MailAccount, limits_for_host
from panel import validation


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    smtp_host: str
    pop3_host: str
    hint: str
    per_day: int = 0  # 0: the provider's default (daemon.provider.mail_account.PROVIDER_LIMITS)


PRESETS = {
    preset.key: preset
    for preset in (
        Preset(
            "yandex", "Яндекс", "smtp.yandex.ru", "pop.yandex.ru",
            "Яндекс принимает почтовые программы только с паролем приложения: Яндекс ID → Безопасность →"
            " Пароли приложений → «Почта». Включите также доступ по POP3 в настройках почты"
            " («Почтовые программы»).",
        ),
        Preset(
            "mailru", "Mail.ru", "smtp.mail.ru", "pop.mail.ru",
            "Mail.ru требует пароль для внешнего приложения: Настройки → Безопасность → Пароли для"
            " внешних приложений. Пароль от почтового ящика здесь не подойдет.",
        ),
        Preset(
            "gmail", "Gmail", "smtp.gmail.com", "pop.gmail.com",
            "Gmail принимает только пароль приложения (App Password): включите двухэтапную аутентификацию"
            " в аккаунте Google, затем создайте пароль приложения. Для получения включите POP в настройках"
            " Gmail («Пересылка и POP/IMAP»).",
        ),
        Preset(
            "workspace", "Google Workspace", "smtp.gmail.com", "pop.gmail.com",
            "Google Workspace: как Gmail, пароль приложения. Лимит отправки — 2000 писем за 24 часа"
            " (500 для пробного аккаунта).",
            per_day=2000,
        ),
    )
}
MAX_PER_MINUTE, MAX_PER_DAY = 1000, 100_000

MAX_TEXT = 200
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
_LOGIN = re.compile(r"^[^\s\x00-\x1f\x7f]{1,254}$")


@dataclass
class Typed:
    """The form's fields as text, as the person typed them (or as saved)."""

    title: str = ""
    sender_name: str = ""
    address: str = ""
    username: str = ""
    remember_password: bool = False
    pop3_host: str = ""
    pop3_port: str = ""
    pop3_secure: bool = True
    smtp_host: str = ""
    smtp_port: str = ""
    smtp_secure: bool = True
    smtp_auth_as_pop3: bool = True
    smtp_username: str = ""
    use_for_sending: bool = True
    use_for_receiving: bool = False
    per_minute: str = ""
    per_day: str = ""
    errors: dict[str, str] = field(default_factory=dict)


_CHECKBOXES = (
    "remember_password", "pop3_secure", "smtp_secure", "smtp_auth_as_pop3",
    "use_for_sending", "use_for_receiving",
)
_TEXTS = (
    "title", "sender_name", "address", "username", "pop3_host", "pop3_port",
    "smtp_host", "smtp_port", "smtp_username", "per_minute", "per_day",
)


def typed_from_account(account: MailAccount) -> Typed:
    values = {name: getattr(account, name) for name in (*_CHECKBOXES, *_TEXTS)}
    for name in ("pop3_port", "smtp_port", "per_minute", "per_day"):
        values[name] = str(getattr(account, name))
    return Typed(**values)


def typed_from_form(form: Mapping[str, object]) -> Typed:
    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    return Typed(
        **{name: text(name) for name in _TEXTS},
        **{name: name in form for name in _CHECKBOXES},
    )


def with_preset(typed: Typed, preset: Preset) -> Typed:
    """Hosts, implicit TLS and their standard ports, the provider's limits; the login and
    address stay as typed."""
    per_minute, per_day = limits_for_host(preset.smtp_host)
    return replace(
        typed,
        smtp_host=preset.smtp_host, smtp_secure=True, smtp_port=str(STANDARD_PORTS["smtp", True]),
        pop3_host=preset.pop3_host, pop3_secure=True, pop3_port=str(STANDARD_PORTS["pop3", True]),
        smtp_auth_as_pop3=True, per_minute=str(per_minute), per_day=str(preset.per_day or per_day),
    )


def with_standard_ports(typed: Typed) -> Typed:
    """«Установить стандартные порты»: for the protocol versions chosen in the form."""
    return replace(
        typed,
        smtp_port=str(STANDARD_PORTS["smtp", typed.smtp_secure]),
        pop3_port=str(STANDARD_PORTS["pop3", typed.pop3_secure]),
    )


def host_problem(text: str) -> str | None:
    """A host name (xn-- for IDN) or an IP address; None when it is fine."""
    if not text:
        return "Укажите сервер"
    try:
        ipaddress.ip_address(text)
        return None
    except ValueError:
        pass
    try:
        ascii_name = text.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        return f"Неверное имя сервера: {text}"
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        return f"Неверное имя сервера: {text} (ожидается, например, smtp.yandex.ru)"
    return None


def _port(text: str) -> tuple[int | None, str | None]:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 65535:
        return None, f"Порт должен быть целым числом от 1 до 65535, а не «{text}»"
    return int(text), None


def _limit(text: str, most: int) -> tuple[int | None, str | None]:
    if not text.isascii() or not text.isdigit() or int(text) > most:
        return None, f"Целое число от 0 до {most} (0 — без ограничения), а не «{text}»"
    return int(text), None


def validate(typed: Typed) -> MailAccount | None:
    """The account to save, or None with typed.errors filled in."""
    errors = typed.errors
    errors.clear()
    if not typed.title:
        errors["title"] = "Укажите наименование"
    for name in ("title", "sender_name"):
        if len(getattr(typed, name)) > MAX_TEXT:
            errors[name] = f"Не длиннее {MAX_TEXT} символов"
    address = typed.address
    try:
        address = validation.email(typed.address)
    except validation.Invalid as problem:
        errors["address"] = str(problem)
    needs_login = typed.use_for_sending or typed.use_for_receiving
    if needs_login and not typed.username:
        errors["username"] = "Укажите пользователя: обычно это почтовый адрес"
    elif typed.username and not _LOGIN.match(typed.username):
        errors["username"] = "Имя пользователя не должно содержать пробелов и управляющих символов"
    if typed.use_for_sending and not typed.smtp_auth_as_pop3:
        if not typed.smtp_username:
            errors["smtp_username"] = "Укажите пользователя для сервера исходящей почты"
        elif not _LOGIN.match(typed.smtp_username):
            errors["smtp_username"] = "Имя пользователя не должно содержать пробелов и управляющих символов"
    ports = {}
    for protocol, used in (("smtp", typed.use_for_sending), ("pop3", typed.use_for_receiving)):
        host = getattr(typed, f"{protocol}_host")
        if host or used:
            problem = host_problem(host)
            if problem:
                errors[f"{protocol}_host"] = problem
        ports[protocol], problem = _port(getattr(typed, f"{protocol}_port"))
        if problem:
            errors[f"{protocol}_port"] = problem
    limits = {}
    defaults = dict(zip(("per_minute", "per_day"), limits_for_host(typed.smtp_host)))
    for name, most in (("per_minute", MAX_PER_MINUTE), ("per_day", MAX_PER_DAY)):
        text = getattr(typed, name) or str(defaults[name])  # empty: the provider's published limit
        limits[name], problem = _limit(text, most)
        if problem:
            errors[name] = problem
    if errors:
        return None
    return MailAccount(
        title=typed.title,
        sender_name=typed.sender_name,
        address=address,
        username=typed.username,
        remember_password=typed.remember_password,
        pop3_host=typed.pop3_host.lower(),
        pop3_port=ports["pop3"],
        pop3_secure=typed.pop3_secure,
        smtp_host=typed.smtp_host.lower(),
        smtp_port=ports["smtp"],
        smtp_secure=typed.smtp_secure,
        smtp_auth_as_pop3=typed.smtp_auth_as_pop3,
        smtp_username="" if typed.smtp_auth_as_pop3 else typed.smtp_username,
        use_for_sending=typed.use_for_sending,
        use_for_receiving=typed.use_for_receiving,
        **limits,
    )
