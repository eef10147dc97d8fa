"""Step results in English: the log, `epd-relay check`, and the reason in our clients' replies.

Worded here from each result's reason and facts, and nowhere else; the panel words the
same results in Russian (panel/check_report.py) without reading these texts.
"""
from collections.abc import Callable

from daemon.config import Address
from daemon.provider.steps import Facts, Reason, StepResult
from tls.inspect import Certificate, Validity


def _error(error: str) -> str:
    return error or "timed out"


def _names(certificate: Certificate) -> str:
    return ", ".join(certificate.names) or certificate.subject


def _validity(certificate: Certificate) -> str:
    match certificate.validity:
        case Validity.EXPIRED:
            return f"expired {certificate.not_after:%Y-%m-%d}"
        case Validity.NOT_YET_VALID:
            return f"not valid before {certificate.not_before:%Y-%m-%d}"
    return f"valid until {certificate.not_after:%Y-%m-%d}"


def _cannot_connect(facts: Facts) -> str:
    tried = "; ".join(f"{attempt.ip}: {_error(attempt.error)}" for attempt in facts.attempts)
    return f"cannot connect to {facts.host} port {facts.port}: {tried}"


def _secured(facts: Facts) -> str:
    certificate = facts.certificate
    if certificate is None:
        return facts.tls_version
    return (
        f"{facts.tls_version}, certificate for {_names(certificate)}"
        f" issued by {certificate.issuer}, valid until {certificate.not_after:%Y-%m-%d}"
    )


def _untrusted(facts: Facts) -> str:
    text = f"certificate of {facts.server_name} not trusted: {facts.verify_message}"
    presented = facts.certificate
    if presented is not None:
        text += (
            f"; the server presented a certificate for {_names(presented)}"
            f" issued by {presented.issuer}, {_validity(presented)}"
        )
    return text


def _logged_in(facts: Facts) -> str:
    code = facts.reply.code if facts.reply else None
    return f"logged in as {facts.login}" + (f": {code}" if code is not None else "")


def _extensions(facts: Facts) -> str:
    code = facts.reply.code if facts.reply else ""
    return f"{code}, extensions: {' '.join(facts.extensions)}"


_TEXTS: dict[Reason, Callable[[Facts], str]] = {
    Reason.CONNECTED: lambda f: f"connected to {f.ip} port {f.port}",
    Reason.CANNOT_RESOLVE: lambda f: f"cannot resolve {f.host}: {_error(f.error)}",
    Reason.CONNECTION_REFUSED: _cannot_connect,
    Reason.TIMED_OUT: _cannot_connect,
    Reason.CANNOT_CONNECT: _cannot_connect,
    Reason.SECURED: _secured,
    Reason.CERTIFICATE_UNTRUSTED: _untrusted,
    Reason.HANDSHAKE_FAILED: lambda f: f"TLS handshake with {f.server_name} failed: {_error(f.error)}",
    Reason.NOT_ENCRYPTED: lambda f: "connection is not encrypted",
    Reason.GREETED: lambda f: str(f.reply),
    Reason.REPLIED: lambda f: f"server replied {f.reply}",
    Reason.EXTENSIONS_OFFERED: _extensions,
    Reason.STARTTLS_ACCEPTED: lambda f: "server agreed to start TLS",
    Reason.NO_STARTTLS: lambda f: (
        "server does not offer STARTTLS; refusing to send credentials or mail in plaintext"
    ),
    Reason.STARTTLS_REFUSED: lambda f: f"{f.command} refused: {f.reply}",
    Reason.LOGGED_IN: _logged_in,
    Reason.NO_AUTH_OFFERED: lambda f: "server does not offer AUTH",
    Reason.LOGIN_REFUSED: lambda f: f"server refused the login {f.login}: {f.reply}",
    Reason.LOGIN_TEMPORARILY_REFUSED: lambda f: f"server refused the login {f.login}: {f.reply}",
    Reason.MAILBOX_OPEN: lambda f: str(f.reply),
    Reason.CONNECTION_CLOSED: lambda f: "the server closed the connection",
    Reason.CONNECTION_LOST: lambda f: f"connection failed: {_error(f.error)}",
    Reason.LINE_TOO_LONG: lambda f: "the server sent an overlong line",
    Reason.FAILED: lambda f: f.error,
}


def describe(result: StepResult) -> str:
    """The English line for the log and `epd-relay check`."""
    return _TEXTS[result.reason](result.facts)


def for_client(result: StepResult) -> str:
    """The shorter reason our client's reply carries (-ERR, 421, * BYE): no certificate details."""
    facts = result.facts
    match result.reason:
        case Reason.CANNOT_RESOLVE | Reason.CONNECTION_REFUSED | Reason.TIMED_OUT | Reason.CANNOT_CONNECT:
            return f"cannot connect to {Address(facts.host, facts.port or 0)}"
        case Reason.CERTIFICATE_UNTRUSTED:
            return f"certificate of {facts.server_name} not trusted: {facts.verify_message}"
        case Reason.HANDSHAKE_FAILED:
            return "TLS handshake failed"
    return describe(result)
