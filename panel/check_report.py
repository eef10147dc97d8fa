"""The steps of «Проверить учетную запись» in plain Russian.

Worded from each step's reason and facts (daemon/provider/steps.py), never from the
English the log shows: rewording a log line does not change what office staff read.
What the provider said, and an unforeseen error's own text, are shown as they are after
a Russian lead-in, so nothing is lost.
"""
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from daemon.provider.steps import Attempt, Facts, Reason, Step, StepResult, pop3_mailbox_in_use
from tls.inspect import Certificate, CertificateProblem

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
TIMED_OUT = "время ожидания истекло"

# How a failure that the reason alone does not explain begins, by step.
FAILED_AT = {
    Step.CONNECT: "Не удалось установить соединение",
    Step.TLS: "Не удалось установить защищенное соединение",
    Step.GREETING: "Сервер не принял соединение",
    Step.EHLO: "Сервер не ответил на приветствие",
    Step.STARTTLS: "Сервер не перешел на защищенное соединение",
    Step.AUTH: "Вход не выполнен",
    Step.STAT: "Почтовый ящик недоступен",
}
# A failure at these steps stopped the check before TLS: the page says nothing was sent.
SAYS_NOTHING_SENT = {Step.TLS, Step.STARTTLS}


@dataclass(frozen=True)
class ShownStep:
    ok: bool
    title: str
    text: str


def ru_date(when: dt.datetime) -> str:
    return when.strftime("%d.%m.%Y")


def explain(step: StepResult) -> ShownStep:
    return ShownStep(step.ok, TITLES[step.step], _TEXTS[step.reason](step))


def explain_all(steps: list[StepResult]) -> list[ShownStep]:
    return [explain(step) for step in steps]


def _error(error: str) -> str:
    return error or TIMED_OUT


def _failed_at(step: StepResult, what: str) -> str:
    text = f"{FAILED_AT[step.step]}: {what}"
    return f"{text}. {NOTHING_SENT}" if step.step in SAYS_NOTHING_SENT else text


# --- Connecting -------------------------------------------------------------------------------

def _attempts(facts: Facts) -> str:
    def shown(attempt: Attempt) -> str:
        if attempt.reason is Reason.TIMED_OUT:
            return f"{attempt.ip}: {TIMED_OUT}"
        if attempt.reason is Reason.CONNECTION_REFUSED:
            return f"{attempt.ip}: в соединении отказано"
        return f"{attempt.ip}: {attempt.error}"

    tried = "; ".join(map(shown, facts.attempts))
    return f"{facts.host}, порт {facts.port}" + (f": {tried}" if tried else "")


def _connected(step: StepResult) -> str:
    return f"Соединение установлено (адрес {step.facts.ip}, порт {step.facts.port})"


def _cannot_resolve(step: StepResult) -> str:
    facts = step.facts
    return (f"Сервер не найден: такого имени нет или нет доступа к DNS ({facts.host}: {_error(facts.error)})."
            " Проверьте имя сервера.")


def _refused(step: StepResult) -> str:
    return ("Сервер отказал в соединении: на этом порту почтовый сервер не работает."
            f" Проверьте имя сервера и порт ({_attempts(step.facts)})")


def _timed_out(step: StepResult) -> str:
    return f"Сервер не отвечает: время ожидания истекло. Проверьте порт и доступ в интернет ({_attempts(step.facts)})"


def _cannot_connect(step: StepResult) -> str:
    return f"Не удалось установить соединение: {_attempts(step.facts)}"


# --- TLS --------------------------------------------------------------------------------------

def _names(certificate: Certificate) -> str:
    return ", ".join(certificate.names) or certificate.subject


def _secured(step: StepResult) -> str:
    facts = step.facts
    certificate = facts.certificate
    if certificate is None:
        return "Защищенное соединение установлено"
    return (
        f"Защищенное соединение установлено ({facts.tls_version})."
        f" Сертификат сервера выдан для {_names(certificate)}"
        f" центром «{certificate.issuer}», действителен до {ru_date(certificate.not_after)}"
    )


def _untrusted(step: StepResult) -> str:
    facts = step.facts
    presented = facts.certificate
    match facts.certificate_problem:
        case CertificateProblem.HOSTNAME_MISMATCH:
            shown = f": {_names(presented)}" if presented else ""
            text = (f"Сертификат сервера выдан для другого имени{shown}, а не для {facts.server_name}."
                    " Проверьте имя сервера: возможно, это не тот сервер.")
        case CertificateProblem.EXPIRED:
            when = f" {ru_date(presented.not_after)}" if presented else ""
            text = f"Срок действия сертификата сервера истек{when}."
        case CertificateProblem.NOT_YET_VALID:
            when = f" с {ru_date(presented.not_before)}" if presented else " позже"
            text = f"Сертификат сервера начнет действовать{when}: проверьте дату и время на этом компьютере."
        case CertificateProblem.UNKNOWN_ISSUER:
            issuer = f" («{presented.issuer}»)" if presented else ""
            text = f"Сертификат сервера выдан неизвестным центром сертификации{issuer}: подлинность сервера не подтверждена."
        case _:
            text = f"Сертификат сервера {facts.server_name} не прошел проверку: {facts.verify_message}."
    return f"{text} {NOTHING_SENT}"


def _handshake_failed(step: StepResult) -> str:
    return _failed_at(step, _error(step.facts.error))


def _not_encrypted(step: StepResult) -> str:
    return _failed_at(step, "соединение не зашифровано")


# --- The dialogue -----------------------------------------------------------------------------

def _greeted(step: StepResult) -> str:
    return f"Сервер ответил: {step.facts.reply}"


def _replied(step: StepResult) -> str:
    said = f"сервер ответил {step.facts.reply}" if step.step is Step.AUTH else str(step.facts.reply)
    return _failed_at(step, said)


def _extensions(step: StepResult) -> str:
    extensions = " ".join(step.facts.extensions)
    return f"Сервер сообщил свои возможности: {extensions}" if extensions else "Сервер ответил на приветствие"


def _starttls_accepted(step: StepResult) -> str:
    return "Сервер согласился перейти на защищенное соединение"


def _no_starttls(step: StepResult) -> str:
    return ("Сервер не предлагает STARTTLS (переход на защищенное соединение), поэтому пароль и письма"
            " ему не передавались. Отметьте «Использовать защищенную версию протокола» и установите"
            " стандартные порты, или проверьте порт.")


def _starttls_refused(step: StepResult) -> str:
    facts = step.facts
    if facts.command == "STLS":
        return (f"Сервер не поддерживает STLS (переход на защищенное соединение): {facts.reply}."
                f" {NOTHING_SENT} Отметьте «Использовать защищенную версию протокола POP3».")
    return _failed_at(step, str(facts.reply))


def _logged_in(step: StepResult) -> str:
    return f"Вход выполнен: сервер принял пользователя {step.facts.login} и пароль"


def _no_auth_offered(step: StepResult) -> str:
    return "Сервер не предлагает вход по паролю (AUTH): отправлять через него нельзя."


def _login_refused(step: StepResult) -> str:
    facts = step.facts
    return (f"Неверный пароль: сервер ответил {facts.reply}. Проверьте пользователя ({facts.login}) и пароль;"
            " Яндекс, mail.ru и Gmail требуют пароль приложения, а не пароль от почтового ящика.")


def _login_temporarily_refused(step: StepResult) -> str:
    reply = step.facts.reply
    if pop3_mailbox_in_use(reply):
        return (f"Почтовый ящик сейчас открыт другим сеансом (например, программа 1С забирает почту), и сервер"
                f" не дал войти: {reply}. Дело не в пароле: проверьте еще раз, когда тот сеанс закончится.")
    return f"Сервер временно не принял вход, попробуйте позже: сервер ответил {reply}"


def _mailbox_open(step: StepResult) -> str:
    facts = step.facts
    if facts.messages is None:
        return f"Почтовый ящик доступен: {facts.reply}"
    return f"Почтовый ящик доступен, писем в нем: {facts.messages}"


def _connection_closed(step: StepResult) -> str:
    return _failed_at(step, "сервер закрыл соединение")


def _connection_lost(step: StepResult) -> str:
    error = step.facts.error
    return _failed_at(step, f"связь с сервером прервалась ({error})" if error else f"связь с сервером прервалась, {TIMED_OUT}")


def _line_too_long(step: StepResult) -> str:
    return _failed_at(step, "сервер прислал слишком длинную строку")


def _failed(step: StepResult) -> str:
    return _failed_at(step, step.facts.error)


_TEXTS: dict[Reason, Callable[[StepResult], str]] = {
    Reason.CONNECTED: _connected,
    Reason.CANNOT_RESOLVE: _cannot_resolve,
    Reason.CONNECTION_REFUSED: _refused,
    Reason.TIMED_OUT: _timed_out,
    Reason.CANNOT_CONNECT: _cannot_connect,
    Reason.SECURED: _secured,
    Reason.CERTIFICATE_UNTRUSTED: _untrusted,
    Reason.HANDSHAKE_FAILED: _handshake_failed,
    Reason.NOT_ENCRYPTED: _not_encrypted,
    Reason.GREETED: _greeted,
    Reason.REPLIED: _replied,
    Reason.EXTENSIONS_OFFERED: _extensions,
    Reason.STARTTLS_ACCEPTED: _starttls_accepted,
    Reason.NO_STARTTLS: _no_starttls,
    Reason.STARTTLS_REFUSED: _starttls_refused,
    Reason.LOGGED_IN: _logged_in,
    Reason.NO_AUTH_OFFERED: _no_auth_offered,
    Reason.LOGIN_REFUSED: _login_refused,
    Reason.LOGIN_TEMPORARILY_REFUSED: _login_temporarily_refused,
    Reason.MAILBOX_OPEN: _mailbox_open,
    Reason.CONNECTION_CLOSED: _connection_closed,
    Reason.CONNECTION_LOST: _connection_lost,
    Reason.LINE_TOO_LONG: _line_too_long,
    Reason.FAILED: _failed,
}
