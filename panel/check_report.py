"""The steps of «Проверить учетную запись» in plain Russian.

daemon/check.py reports each step of a session with the provider in English, for the log
and `epd-relay check`; office staff read the same steps here. Unknown details are shown
as they are after a Russian lead-in, so nothing the provider said is lost.
"""
import datetime as dt
import re
from dataclasses import dataclass

from daemon.provider.steps import Step, StepResult

TITLES = {
    Step.CONNECT: "Соединение",
    Step.TLS: "Защищенное соединение (TLS)",
    Step.GREETING: "Приветствие сервера",
    Step.EHLO: "Возможности сервера",
    Step.STARTTLS: "Переход на защищенное соединение",
    Step.AUTH: "Вход в учетную запись",
    Step.STAT: "Почтовый ящик",
}
NOTHING_SENT = "Пароль и письма на этот сервер не передавались."

_CONNECTED = re.compile(r"^connected to (?P<ip>\S+) port (?P<port>\d+)")
_PRESENTED = re.compile(
    r"the server presented a certificate for (?P<names>.+?) issued by (?P<issuer>.+?),"
    r" (?P<validity>expired|not valid before|valid until) (?P<date>\d{4}-\d{2}-\d{2})"
)
_NOT_TRUSTED = re.compile(r"^certificate of (?P<name>\S+)(?: \([^)]*\))? not trusted: (?P<reason>[^;]*)")
_REFUSED_LOGIN = re.compile(r"^server refused the login (?P<login>\S*): (?:server replied )?(?P<reply>.*)$", re.S)
_REPLIED = re.compile(r"server replied (?P<reply>.*)$", re.S)
_STAT = re.compile(r"^\+OK (?P<count>\d+) (?P<size>\d+)")


@dataclass(frozen=True)
class ShownStep:
    ok: bool
    title: str
    text: str


def ru_date(iso: str) -> str:
    try:
        return dt.date.fromisoformat(iso).strftime("%d.%m.%Y")
    except ValueError:
        return iso


def explain(step: StepResult) -> ShownStep:
    explainer = _EXPLAIN_OK if step.ok else _EXPLAIN_FAILED
    text = explainer.get(step.step, _as_is)(step)
    return ShownStep(step.ok, TITLES.get(step.step, str(step.step)), text)


def explain_all(steps: list[StepResult]) -> list[ShownStep]:
    return [explain(step) for step in steps]


def _as_is(step: StepResult) -> str:
    return ("Выполнено: " if step.ok else "Ошибка: ") + step.detail


# --- Steps that passed ------------------------------------------------------------------------

def _connected(step: StepResult) -> str:
    match = _CONNECTED.match(step.detail)
    if not match:
        return "Соединение установлено"
    return f"Соединение установлено (адрес {match['ip']}, порт {match['port']})"


def _tls_ok(step: StepResult) -> str:
    facts = step.facts
    if "not_after" not in facts:
        return "Защищенное соединение установлено"
    return (
        f"Защищенное соединение установлено ({facts.get('tls_version', 'TLS')})."
        f" Сертификат сервера выдан для {facts.get('names') or facts.get('subject', '?')}"
        f" центром «{facts.get('issuer', '?')}», действителен до {ru_date(facts['not_after'])}"
    )


def _greeting_ok(step: StepResult) -> str:
    return f"Сервер ответил: {step.detail}"


def _ehlo_ok(step: StepResult) -> str:
    extensions = step.detail.partition("extensions:")[2].strip()
    return f"Сервер сообщил свои возможности: {extensions}" if extensions else "Сервер ответил на приветствие"


def _starttls_ok(step: StepResult) -> str:
    return "Сервер согласился перейти на защищенное соединение"


def _auth_ok(step: StepResult) -> str:
    login = step.detail.removeprefix("logged in as ").rsplit(":", 1)[0]
    return f"Вход выполнен: сервер принял пользователя {login} и пароль"


def _stat_ok(step: StepResult) -> str:
    match = _STAT.match(step.detail)
    if not match:
        return f"Почтовый ящик доступен: {step.detail}"
    return f"Почтовый ящик доступен, писем в нем: {match['count']}"


_EXPLAIN_OK = {
    Step.CONNECT: _connected,
    Step.TLS: _tls_ok,
    Step.GREETING: _greeting_ok,
    Step.EHLO: _ehlo_ok,
    Step.STARTTLS: _starttls_ok,
    Step.AUTH: _auth_ok,
    Step.STAT: _stat_ok,
}


# --- Steps that failed ------------------------------------------------------------------------

def _connect_failed(step: StepResult) -> str:
    detail = step.detail
    if detail.startswith("cannot resolve"):
        return f"Сервер не найден: такого имени нет или нет доступа к DNS ({detail}). Проверьте имя сервера."
    lowered = detail.lower()
    if "refused" in lowered or "connect call failed" in lowered:
        return ("Сервер отказал в соединении: на этом порту почтовый сервер не работает."
                f" Проверьте имя сервера и порт ({detail})")
    if "timed out" in lowered:
        return f"Сервер не отвечает: время ожидания истекло. Проверьте порт и доступ в интернет ({detail})"
    return f"Не удалось установить соединение: {detail}"


def _tls_failed(step: StepResult) -> str:
    detail = step.detail
    trusted = _NOT_TRUSTED.match(detail)
    presented = _PRESENTED.search(detail)
    if trusted is None:
        return f"Не удалось установить защищенное соединение: {detail}. {NOTHING_SENT}"
    name, reason = trusted["name"], trusted["reason"].lower()
    if "mismatch" in reason:
        shown = f": {presented['names']}" if presented else ""
        text = (f"Сертификат сервера выдан для другого имени{shown}, а не для {name}."
                " Проверьте имя сервера: возможно, это не тот сервер.")
    elif "expired" in reason:
        when = f" {ru_date(presented['date'])}" if presented else ""
        text = f"Срок действия сертификата сервера истек{when}."
    elif "not yet valid" in reason:
        when = f" с {ru_date(presented['date'])}" if presented else " позже"
        text = f"Сертификат сервера начнет действовать{when}: проверьте дату и время на этом компьютере."
    elif "issuer" in reason or "self-signed" in reason or "self signed" in reason:
        issuer = f" («{presented['issuer']}»)" if presented else ""
        text = f"Сертификат сервера выдан неизвестным центром сертификации{issuer}: подлинность сервера не подтверждена."
    else:
        text = f"Сертификат сервера {name} не прошел проверку: {trusted['reason']}."
    return f"{text} {NOTHING_SENT}"


def _reply(detail: str) -> str:
    match = _REPLIED.search(detail)
    return match["reply"] if match else detail


def _greeting_failed(step: StepResult) -> str:
    return f"Сервер не принял соединение: {_reply(step.detail)}"


def _ehlo_failed(step: StepResult) -> str:
    return f"Сервер не ответил на приветствие: {_reply(step.detail)}"


def _starttls_failed(step: StepResult) -> str:
    detail = step.detail
    if "does not offer STARTTLS" in detail:
        return ("Сервер не предлагает STARTTLS (переход на защищенное соединение), поэтому пароль и письма"
                " ему не передавались. Отметьте «Использовать защищенную версию протокола» и установите"
                " стандартные порты, или проверьте порт.")
    if "STLS refused" in detail:
        return (f"Сервер не поддерживает STLS (переход на защищенное соединение): {detail.split('STLS refused: ', 1)[1]}."
                f" {NOTHING_SENT} Отметьте «Использовать защищенную версию протокола POP3».")
    return f"Сервер не перешел на защищенное соединение: {_reply(detail)}. {NOTHING_SENT}"


def _auth_failed(step: StepResult) -> str:
    detail = step.detail
    if "does not offer AUTH" in detail:
        return "Сервер не предлагает вход по паролю (AUTH): отправлять через него нельзя."
    refused = _REFUSED_LOGIN.match(detail)
    if refused is None:
        return f"Вход не выполнен: сервер ответил {_reply(detail)}"
    reply = refused["reply"].strip()
    if step.reply_code is not None and step.reply_code < 500:
        return f"Сервер временно не принял вход, попробуйте позже: сервер ответил {reply}"
    return (f"Неверный пароль: сервер ответил {reply}. Проверьте пользователя ({refused['login']}) и пароль;"
            " Яндекс, mail.ru и Gmail требуют пароль приложения, а не пароль от почтового ящика.")


def _stat_failed(step: StepResult) -> str:
    return f"Почтовый ящик недоступен: {_reply(step.detail)}"


_EXPLAIN_FAILED = {
    Step.CONNECT: _connect_failed,
    Step.TLS: _tls_failed,
    Step.GREETING: _greeting_failed,
    Step.EHLO: _ehlo_failed,
    Step.STARTTLS: _starttls_failed,
    Step.AUTH: _auth_failed,
    Step.STAT: _stat_failed,
}
