"""Step results in English, for every reason: what the log and `epd-relay check` print."""
import pytest

from daemon.provider.step_text import describe, for_client
from daemon.provider.steps import Reason
from tests.step_results import SAMPLES

ENGLISH = {
    "connected": "connected to 77.88.21.158 port 465",
    "cannot_resolve": "cannot resolve smtp.yandex.ru: [Errno -2] Name or service not known",
    "resolve_timed_out": "cannot resolve smtp.yandex.ru: timed out",
    "connection_refused": "cannot connect to 127.0.0.1 port 2525: 127.0.0.1: Connect call failed ('127.0.0.1', 2525)",
    "timed_out": "cannot connect to smtp.yandex.ru port 465: 77.88.21.158: timed out;"
                 " 2a02:6b8::1: [Errno 101] Network is unreachable",
    "cannot_connect": "cannot connect to smtp.yandex.ru port 465: 2a02:6b8::1: [Errno 101] Network is unreachable",
    "secured": "TLSv1.3, certificate for smtp.yandex.ru, *.smtp.yandex.ru issued by GlobalSign GCC R3 DV TLS CA 2020,"
               " valid until 2027-03-01",
    "secured_without_certificate": "TLSv1.3",
    "hostname_mismatch": "certificate of smtp.example.ru not trusted: Hostname mismatch, certificate is not valid"
                         " for 'smtp.example.ru'.; the server presented a certificate for mail.other-provider.test"
                         " issued by epd-relay test CA, valid until 2028-01-01",
    "hostname_mismatch_unread": "certificate of smtp.example.ru not trusted: Hostname mismatch, certificate is not"
                                " valid for 'smtp.example.ru'.",
    "expired": "certificate of smtp.example.ru not trusted: certificate has expired; the server presented a"
               " certificate for smtp.example.ru issued by Example CA, expired 2024-01-31",
    "expired_unread": "certificate of smtp.example.ru not trusted: certificate has expired",
    "not_yet_valid": "certificate of smtp.example.ru not trusted: certificate is not yet valid; the server presented"
                     " a certificate for smtp.example.ru issued by Example CA, not valid before 2030-05-02",
    "not_yet_valid_unread": "certificate of smtp.example.ru not trusted: certificate is not yet valid",
    "unknown_issuer": "certificate of smtp.example.ru not trusted: self-signed certificate; the server presented a"
                      " certificate for localhost, 127.0.0.1 issued by localhost, valid until 2028-04-05",
    "unknown_issuer_unread": "certificate of smtp.example.ru not trusted: unable to get local issuer certificate",
    "other_problem": "certificate of smtp.example.ru not trusted: certificate revoked",
    "handshake_failed": "TLS handshake with smtp.example.ru failed: [SSL: WRONG_VERSION_NUMBER] wrong version number"
                        " (_ssl.c:1006)",
    "handshake_timed_out": "TLS handshake with smtp.example.ru failed: timed out",
    "not_encrypted": "connection is not encrypted",
    "greeted": "220 smtp.yandex.ru ESMTP",
    "pop3_greeted": "+OK Dovecot ready.",
    "greeting_refused": "server replied 554 5.7.1 no service for you",
    "ehlo_refused": "server replied 501 5.5.4 bad name",
    "user_refused": "server replied -ERR [AUTH] plaintext logins disabled",
    "stat_refused": "server replied -ERR [IN-USE] mailbox locked",
    "starttls_refused_reply": "server replied 454 4.7.0 TLS not available",
    "extensions_offered": "250, extensions: 8BITMIME AUTH PIPELINING SIZE",
    "no_extensions": "250, extensions: ",
    "starttls_accepted": "server agreed to start TLS",
    "no_starttls": "server does not offer STARTTLS; refusing to send credentials or mail in plaintext",
    "starttls_refused": "STARTTLS refused: 454 4.7.0 TLS not available",
    "stls_refused": "STLS refused: -ERR STLS not supported",
    "logged_in": "logged in as uk-okean@yandex.ru: 235",
    "pop3_logged_in": "logged in as uk-okean@yandex.ru",
    "no_auth_offered": "server does not offer AUTH",
    "login_refused": "server refused the login uk-okean@yandex.ru: 535 5.7.8 Error: authentication failed",
    "pop3_login_refused": "server refused the login uk-okean@yandex.ru: -ERR [AUTH] Authentication failed.",
    "login_temporarily_refused": "server refused the login uk-okean@yandex.ru: 454 4.7.0 Temporary authentication"
                                 " failure",
    "pop3_mailbox_in_use": "server refused the login uk-okean@yandex.ru: -ERR [IN-USE] Mailbox is locked by another"
                           " POP3 session",
    "mailbox_open": "+OK 2 320",
    "mailbox_open_uncounted": "+OK mailbox ready",
    "connection_closed": "the server closed the connection",
    "connection_lost": "connection failed: [Errno 104] Connection reset by peer",
    "connection_lost_timed_out": "connection failed: timed out",
    "line_too_long": "the server sent an overlong line",
    "failed": "No suitable authentication method found.",
}


def test_every_reason_has_a_sample_and_every_sample_a_text():
    assert {result.reason for result in SAMPLES.values()} == set(Reason)
    assert ENGLISH.keys() == SAMPLES.keys()


@pytest.mark.parametrize("name", SAMPLES)
def test_english(name):
    assert describe(SAMPLES[name]) == ENGLISH[name]


@pytest.mark.parametrize("name, short", [
    ("cannot_resolve", "cannot connect to smtp.yandex.ru:465"),
    ("connection_refused", "cannot connect to 127.0.0.1:2525"),
    ("timed_out", "cannot connect to smtp.yandex.ru:465"),
    ("cannot_connect", "cannot connect to smtp.yandex.ru:465"),
    ("hostname_mismatch", "certificate of smtp.example.ru not trusted: Hostname mismatch, certificate is not valid"
                          " for 'smtp.example.ru'."),
    ("expired", "certificate of smtp.example.ru not trusted: certificate has expired"),
    ("handshake_failed", "TLS handshake failed"),
])
def test_a_client_is_told_less_than_the_log(name, short):
    assert for_client(SAMPLES[name]) == short


@pytest.mark.parametrize("name", ["no_starttls", "stls_refused", "greeting_refused", "connection_closed"])
def test_other_reasons_reach_a_client_as_the_log_has_them(name):
    assert for_client(SAMPLES[name]) == ENGLISH[name]
