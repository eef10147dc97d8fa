"""The named steps of a session with a provider, and what each ended with, as data.

Every step result carries a reason code and the facts behind it, decided where the
outcome is detected. Words come only from the renderers: step_text.py in English (the
log, `epd-relay check`, replies to our clients) and panel/check_report.py in Russian.
What the provider said (its replies) and what the system said (an error's own text) are
facts, shown as they are.
"""
import enum
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from tls.inspect import Certificate, CertificateProblem, certificate_problem, peer_certificate


class Step(enum.StrEnum):
    CONNECT = "connect"
    TLS = "tls"
    GREETING = "greeting"
    EHLO = "ehlo"
    STARTTLS = "starttls"  # STARTTLS in SMTP and IMAP, STLS in POP3
    AUTH = "auth"
    STAT = "stat"


class Reason(enum.StrEnum):
    """How a step ended; the comment names the facts it comes with."""

    # connect
    CONNECTED = "connected"                    # ip, port
    CANNOT_RESOLVE = "cannot_resolve"          # host, port, error
    CONNECTION_REFUSED = "connection_refused"  # host, port, attempts (one was refused)
    TIMED_OUT = "timed_out"                    # host, port, attempts (one timed out)
    CANNOT_CONNECT = "cannot_connect"          # host, port, attempts (other network errors)
    # TLS
    SECURED = "secured"                        # tls_version, certificate (when it has one)
    # server_name, certificate_problem, verify_message, certificate (as presented, when read)
    CERTIFICATE_UNTRUSTED = "certificate_untrusted"
    HANDSHAKE_FAILED = "handshake_failed"      # server_name, error
    NOT_ENCRYPTED = "not_encrypted"
    # the dialogue
    GREETED = "greeted"                        # reply: the server's greeting
    REPLIED = "replied"                        # reply: a refusal, shown as it is
    EXTENSIONS_OFFERED = "extensions_offered"  # reply, extensions (EHLO)
    STARTTLS_ACCEPTED = "starttls_accepted"
    NO_STARTTLS = "no_starttls"
    STARTTLS_REFUSED = "starttls_refused"      # command (STARTTLS or STLS), reply
    LOGGED_IN = "logged_in"                    # login, reply
    NO_AUTH_OFFERED = "no_auth_offered"
    LOGIN_REFUSED = "login_refused"            # login, reply
    LOGIN_TEMPORARILY_REFUSED = "login_temporarily_refused"  # login, reply (4xx)
    MAILBOX_OPEN = "mailbox_open"              # reply, messages (when the reply says)
    CONNECTION_CLOSED = "connection_closed"    # the server hung up mid-dialogue
    CONNECTION_LOST = "connection_lost"        # error: the network failed or timed out mid-dialogue
    LINE_TOO_LONG = "line_too_long"
    FAILED = "failed"                          # error: anything else, in its own words


@dataclass(frozen=True)
class Reply:
    """A server's reply as it came: SMTP's code and text, or a POP3 line (no code)."""

    code: int | None
    text: str

    def __str__(self) -> str:
        return self.text if self.code is None else f"{self.code} {self.text}"


# RFC 2449/3206 response codes of a POP3 refusal that is not about the password: the
# mailbox is open in another session (the 1C program collecting mail), or the server
# wants logins less often, or is itself in trouble.
_POP3_NOT_THE_PASSWORD = re.compile(r"\[(?:SYS/TEMP|IN-USE|LOGIN-DELAY)\b", re.I)
_POP3_IN_USE = re.compile(r"\[IN-USE\b", re.I)


def pop3_mailbox_in_use(reply: Reply) -> bool:
    """The POP3 mailbox is locked by another session (RFC 2449 [IN-USE])."""
    return reply.code is None and bool(_POP3_IN_USE.search(reply.text))


def pop3_login_refusal(reply: Reply) -> Reason:
    """How a POP3 server's -ERR to PASS ended the login."""
    if _POP3_NOT_THE_PASSWORD.search(reply.text):
        return Reason.LOGIN_TEMPORARILY_REFUSED
    return Reason.LOGIN_REFUSED


@dataclass(frozen=True)
class Attempt:
    """One address of a host tried: refused, timed out, or another error."""

    ip: str
    reason: Reason  # CONNECTION_REFUSED, TIMED_OUT or CANNOT_CONNECT
    error: str      # the system's words; empty when it timed out


@dataclass(frozen=True, kw_only=True)
class Facts:
    host: str = ""
    port: int | None = None
    ip: str = ""
    attempts: tuple[Attempt, ...] = ()
    server_name: str = ""  # the name the certificate must carry
    tls_version: str = ""
    certificate: Certificate | None = None
    certificate_problem: CertificateProblem | None = None
    verify_message: str = ""  # OpenSSL's words for the problem
    reply: Reply | None = None
    extensions: tuple[str, ...] = ()
    command: str = ""
    login: str = ""
    messages: int | None = None
    error: str = ""  # an error's own words; empty when it timed out


@dataclass(frozen=True)
class StepResult:
    step: Step
    ok: bool
    reason: Reason
    facts: Facts = Facts()

    @property
    def reply_code(self) -> int | None:
        return self.facts.reply.code if self.facts.reply else None


Reporter = Callable[[StepResult], None]


def ignore(_: StepResult) -> None:
    pass


# --- TLS: the same results for SMTP sessions, POP3 and tunnels -------------------------------

def secured(ssl_object: ssl.SSLObject) -> StepResult:
    facts = Facts(tls_version=ssl_object.version() or "TLS", certificate=peer_certificate(ssl_object))
    return StepResult(Step.TLS, True, Reason.SECURED, facts)


def untrusted(
    error: ssl.SSLCertVerificationError, server_name: str, presented: Certificate | None
) -> StepResult:
    facts = Facts(
        server_name=server_name,
        certificate_problem=certificate_problem(error),
        verify_message=error.verify_message or error.reason or "certificate verify failed",
        certificate=presented,
    )
    return StepResult(Step.TLS, False, Reason.CERTIFICATE_UNTRUSTED, facts)


def handshake_failed(error: BaseException, server_name: str) -> StepResult:
    return StepResult(Step.TLS, False, Reason.HANDSHAKE_FAILED, Facts(server_name=server_name, error=str(error)))
