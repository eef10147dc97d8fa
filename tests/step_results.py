"""One step result for every reason, with the facts its detection site gives it.

Both renderers are tested over these: tests/daemon/provider/test_step_text.py (English)
and tests/panel/test_check_report.py (Russian).
"""
import datetime as dt

from daemon.provider.steps import Attempt, Facts, Reason, Reply, Step, StepResult
from tls.inspect import Certificate, CertificateProblem, Validity

UTC = dt.timezone.utc
YANDEX = Certificate(
    subject="smtp.yandex.ru",
    issuer="GlobalSign GCC R3 DV TLS CA 2020",
    names=("smtp.yandex.ru", "*.smtp.yandex.ru"),
    not_before=dt.datetime(2026, 3, 1, tzinfo=UTC),
    not_after=dt.datetime(2027, 3, 1, 12, tzinfo=UTC),
    validity=Validity.VALID,
)
OTHER_HOST = Certificate(
    subject="mail.other-provider.test",
    issuer="epd-relay test CA",
    names=("mail.other-provider.test",),
    not_before=dt.datetime(2026, 1, 1, tzinfo=UTC),
    not_after=dt.datetime(2028, 1, 1, tzinfo=UTC),
    validity=Validity.VALID,
)
EXPIRED = Certificate(
    subject="smtp.example.ru", issuer="Example CA", names=("smtp.example.ru",),
    not_before=dt.datetime(2023, 1, 1, tzinfo=UTC), not_after=dt.datetime(2024, 1, 31, tzinfo=UTC),
    validity=Validity.EXPIRED,
)
NOT_YET_VALID = Certificate(
    subject="smtp.example.ru", issuer="Example CA", names=(),
    not_before=dt.datetime(2030, 5, 2, tzinfo=UTC), not_after=dt.datetime(2031, 5, 2, tzinfo=UTC),
    validity=Validity.NOT_YET_VALID,
)
SELF_SIGNED = Certificate(
    subject="localhost", issuer="localhost", names=("localhost", "127.0.0.1"),
    not_before=dt.datetime(2026, 1, 1, tzinfo=UTC), not_after=dt.datetime(2028, 4, 5, tzinfo=UTC),
    validity=Validity.VALID,
)
REFUSED_AT = "Connect call failed ('127.0.0.1', 2525)"


def failed(step: Step, reason: Reason, **facts) -> StepResult:
    return StepResult(step, False, reason, Facts(**facts))


def passed(step: Step, reason: Reason, **facts) -> StepResult:
    return StepResult(step, True, reason, Facts(**facts))


def untrusted(problem: CertificateProblem, message: str, presented: Certificate | None) -> StepResult:
    return failed(Step.TLS, Reason.CERTIFICATE_UNTRUSTED, server_name="smtp.example.ru",
                  certificate_problem=problem, verify_message=message, certificate=presented)


SAMPLES: dict[str, StepResult] = {
    "connected": passed(Step.CONNECT, Reason.CONNECTED, ip="77.88.21.158", port=465),
    "cannot_resolve": failed(Step.CONNECT, Reason.CANNOT_RESOLVE, host="smtp.yandex.ru", port=465,
                             error="[Errno -2] Name or service not known"),
    "resolve_timed_out": failed(Step.CONNECT, Reason.CANNOT_RESOLVE, host="smtp.yandex.ru", port=465),
    "connection_refused": failed(Step.CONNECT, Reason.CONNECTION_REFUSED, host="127.0.0.1", port=2525, attempts=(
        Attempt("127.0.0.1", Reason.CONNECTION_REFUSED, REFUSED_AT),)),
    "timed_out": failed(Step.CONNECT, Reason.TIMED_OUT, host="smtp.yandex.ru", port=465, attempts=(
        Attempt("77.88.21.158", Reason.TIMED_OUT, ""), Attempt("2a02:6b8::1", Reason.CANNOT_CONNECT,
                                                               "[Errno 101] Network is unreachable"))),
    "cannot_connect": failed(Step.CONNECT, Reason.CANNOT_CONNECT, host="smtp.yandex.ru", port=465, attempts=(
        Attempt("2a02:6b8::1", Reason.CANNOT_CONNECT, "[Errno 101] Network is unreachable"),)),
    "secured": passed(Step.TLS, Reason.SECURED, tls_version="TLSv1.3", certificate=YANDEX),
    "secured_without_certificate": passed(Step.TLS, Reason.SECURED, tls_version="TLSv1.3"),
    "hostname_mismatch": untrusted(
        CertificateProblem.HOSTNAME_MISMATCH,
        "Hostname mismatch, certificate is not valid for 'smtp.example.ru'.", OTHER_HOST),
    "hostname_mismatch_unread": untrusted(
        CertificateProblem.HOSTNAME_MISMATCH,
        "Hostname mismatch, certificate is not valid for 'smtp.example.ru'.", None),
    "expired": untrusted(CertificateProblem.EXPIRED, "certificate has expired", EXPIRED),
    "expired_unread": untrusted(CertificateProblem.EXPIRED, "certificate has expired", None),
    "not_yet_valid": untrusted(CertificateProblem.NOT_YET_VALID, "certificate is not yet valid", NOT_YET_VALID),
    "not_yet_valid_unread": untrusted(CertificateProblem.NOT_YET_VALID, "certificate is not yet valid", None),
    "unknown_issuer": untrusted(CertificateProblem.UNKNOWN_ISSUER, "self-signed certificate", SELF_SIGNED),
    "unknown_issuer_unread": untrusted(
        CertificateProblem.UNKNOWN_ISSUER, "unable to get local issuer certificate", None),
    "other_problem": untrusted(CertificateProblem.OTHER, "certificate revoked", None),
    "handshake_failed": failed(Step.TLS, Reason.HANDSHAKE_FAILED, server_name="smtp.example.ru",
                               error="[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"),
    "handshake_timed_out": failed(Step.TLS, Reason.HANDSHAKE_FAILED, server_name="smtp.example.ru"),
    "not_encrypted": failed(Step.TLS, Reason.NOT_ENCRYPTED),
    "greeted": passed(Step.GREETING, Reason.GREETED, reply=Reply(220, "smtp.yandex.ru ESMTP")),
    "pop3_greeted": passed(Step.GREETING, Reason.GREETED, reply=Reply(None, "+OK Dovecot ready.")),
    "greeting_refused": failed(Step.GREETING, Reason.REPLIED, reply=Reply(554, "5.7.1 no service for you")),
    "ehlo_refused": failed(Step.EHLO, Reason.REPLIED, reply=Reply(501, "5.5.4 bad name")),
    "user_refused": failed(Step.AUTH, Reason.REPLIED, reply=Reply(None, "-ERR [AUTH] plaintext logins disabled")),
    "stat_refused": failed(Step.STAT, Reason.REPLIED, reply=Reply(None, "-ERR [IN-USE] mailbox locked")),
    "starttls_refused_reply": failed(Step.STARTTLS, Reason.REPLIED, reply=Reply(454, "4.7.0 TLS not available")),
    "extensions_offered": passed(Step.EHLO, Reason.EXTENSIONS_OFFERED, reply=Reply(250, "smtp.yandex.ru"),
                                 extensions=("8BITMIME", "AUTH", "PIPELINING", "SIZE")),
    "no_extensions": passed(Step.EHLO, Reason.EXTENSIONS_OFFERED, reply=Reply(250, "smtp.yandex.ru")),
    "starttls_accepted": passed(Step.STARTTLS, Reason.STARTTLS_ACCEPTED),
    "no_starttls": failed(Step.STARTTLS, Reason.NO_STARTTLS),
    "starttls_refused": failed(Step.STARTTLS, Reason.STARTTLS_REFUSED, command="STARTTLS",
                               reply=Reply(454, "4.7.0 TLS not available")),
    "stls_refused": failed(Step.STARTTLS, Reason.STARTTLS_REFUSED, command="STLS",
                           reply=Reply(None, "-ERR STLS not supported")),
    "logged_in": passed(Step.AUTH, Reason.LOGGED_IN, login="uk-okean@yandex.ru",
                        reply=Reply(235, "2.7.0 Authentication successful")),
    "pop3_logged_in": passed(Step.AUTH, Reason.LOGGED_IN, login="uk-okean@yandex.ru",
                             reply=Reply(None, "+OK Logged in.")),
    "no_auth_offered": failed(Step.AUTH, Reason.NO_AUTH_OFFERED),
    "login_refused": failed(Step.AUTH, Reason.LOGIN_REFUSED, login="uk-okean@yandex.ru",
                            reply=Reply(535, "5.7.8 Error: authentication failed")),
    "pop3_login_refused": failed(Step.AUTH, Reason.LOGIN_REFUSED, login="uk-okean@yandex.ru",
                                 reply=Reply(None, "-ERR [AUTH] Authentication failed.")),
    "login_temporarily_refused": failed(Step.AUTH, Reason.LOGIN_TEMPORARILY_REFUSED, login="uk-okean@yandex.ru",
                                        reply=Reply(454, "4.7.0 Temporary authentication failure")),
    "pop3_mailbox_in_use": failed(Step.AUTH, Reason.LOGIN_TEMPORARILY_REFUSED, login="uk-okean@yandex.ru",
                                  reply=Reply(None, "-ERR [IN-USE] Mailbox is locked by another POP3 session")),
    "mailbox_open": passed(Step.STAT, Reason.MAILBOX_OPEN, reply=Reply(None, "+OK 2 320"), messages=2),
    "mailbox_open_uncounted": passed(Step.STAT, Reason.MAILBOX_OPEN, reply=Reply(None, "+OK mailbox ready")),
    "connection_closed": failed(Step.GREETING, Reason.CONNECTION_CLOSED),
    "connection_lost": failed(Step.STAT, Reason.CONNECTION_LOST, error="[Errno 104] Connection reset by peer"),
    "connection_lost_timed_out": failed(Step.AUTH, Reason.CONNECTION_LOST),
    "line_too_long": failed(Step.STARTTLS, Reason.LINE_TOO_LONG),
    "failed": failed(Step.AUTH, Reason.FAILED, error="No suitable authentication method found."),
}
