"""Step results in Russian, for every reason: what «Проверить учетную запись» shows."""
import pytest

from daemon.provider import step_text
from daemon.provider.steps import Reason, Step
from panel.check_report import TITLES, explain, explain_all
from tests.step_results import SAMPLES

RUSSIAN = {
    "connected": "Соединение установлено (адрес 77.88.21.158, порт 465)",
    "cannot_resolve": (
        "Сервер не найден: такого имени нет или нет доступа к DNS (smtp.yandex.ru: [Errno -2] "
        "Name or service not known). Проверьте имя сервера."
    ),
    "resolve_timed_out": (
        "Сервер не найден: такого имени нет или нет доступа к DNS (smtp.yandex.ru: время ожидания "
        "истекло). Проверьте имя сервера."
    ),
    "connection_refused": (
        "Сервер отказал в соединении: на этом порту почтовый сервер не работает. Проверьте имя "
        "сервера и порт (127.0.0.1, порт 2525: 127.0.0.1: в соединении отказано)"
    ),
    "timed_out": (
        "Сервер не отвечает: время ожидания истекло. Проверьте порт и доступ в интернет "
        "(smtp.yandex.ru, порт 465: 77.88.21.158: время ожидания истекло; 2a02:6b8::1: [Errno "
        "101] Network is unreachable)"
    ),
    "cannot_connect": (
        "Не удалось установить соединение: smtp.yandex.ru, порт 465: 2a02:6b8::1: [Errno 101] "
        "Network is unreachable"
    ),
    "secured": (
        "Защищенное соединение установлено (TLSv1.3). Сертификат сервера выдан для "
        "smtp.yandex.ru, *.smtp.yandex.ru центром «GlobalSign GCC R3 DV TLS CA 2020», "
        "действителен до 01.03.2027"
    ),
    "secured_without_certificate": "Защищенное соединение установлено",
    "hostname_mismatch": (
        "Сертификат сервера выдан для другого имени: mail.other-provider.test, а не для "
        "smtp.example.ru. Проверьте имя сервера: возможно, это не тот сервер. Пароль и письма на "
        "этот сервер не передавались."
    ),
    "hostname_mismatch_unread": (
        "Сертификат сервера выдан для другого имени, а не для smtp.example.ru. Проверьте имя "
        "сервера: возможно, это не тот сервер. Пароль и письма на этот сервер не передавались."
    ),
    "expired": (
        "Срок действия сертификата сервера истек 31.01.2024. Пароль и письма на этот сервер не "
        "передавались."
    ),
    "expired_unread": "Срок действия сертификата сервера истек. Пароль и письма на этот сервер не передавались.",
    "not_yet_valid": (
        "Сертификат сервера начнет действовать с 02.05.2030: проверьте дату и время на этом "
        "компьютере. Пароль и письма на этот сервер не передавались."
    ),
    "not_yet_valid_unread": (
        "Сертификат сервера начнет действовать позже: проверьте дату и время на этом компьютере. "
        "Пароль и письма на этот сервер не передавались."
    ),
    "unknown_issuer": (
        "Сертификат сервера выдан неизвестным центром сертификации («localhost»): подлинность "
        "сервера не подтверждена. Пароль и письма на этот сервер не передавались."
    ),
    "unknown_issuer_unread": (
        "Сертификат сервера выдан неизвестным центром сертификации: подлинность сервера не "
        "подтверждена. Пароль и письма на этот сервер не передавались."
    ),
    "other_problem": (
        "Сертификат сервера smtp.example.ru не прошел проверку: certificate revoked. Пароль и "
        "письма на этот сервер не передавались."
    ),
    "handshake_failed": (
        "Не удалось установить защищенное соединение: [SSL: WRONG_VERSION_NUMBER] wrong version "
        "number (_ssl.c:1006). Пароль и письма на этот сервер не передавались."
    ),
    "handshake_timed_out": (
        "Не удалось установить защищенное соединение: время ожидания истекло. Пароль и письма на "
        "этот сервер не передавались."
    ),
    "not_encrypted": (
        "Не удалось установить защищенное соединение: соединение не зашифровано. Пароль и письма "
        "на этот сервер не передавались."
    ),
    "greeted": "Сервер ответил: 220 smtp.yandex.ru ESMTP",
    "pop3_greeted": "Сервер ответил: +OK Dovecot ready.",
    "greeting_refused": "Сервер не принял соединение: 554 5.7.1 no service for you",
    "ehlo_refused": "Сервер не ответил на приветствие: 501 5.5.4 bad name",
    "user_refused": "Вход не выполнен: сервер ответил -ERR [AUTH] plaintext logins disabled",
    "stat_refused": "Почтовый ящик недоступен: -ERR [IN-USE] mailbox locked",
    "starttls_refused_reply": (
        "Сервер не перешел на защищенное соединение: 454 4.7.0 TLS not available. Пароль и письма "
        "на этот сервер не передавались."
    ),
    "extensions_offered": "Сервер сообщил свои возможности: 8BITMIME AUTH PIPELINING SIZE",
    "no_extensions": "Сервер ответил на приветствие",
    "starttls_accepted": "Сервер согласился перейти на защищенное соединение",
    "no_starttls": (
        "Сервер не предлагает STARTTLS (переход на защищенное соединение), поэтому пароль и "
        "письма ему не передавались. Отметьте «Использовать защищенную версию протокола» и "
        "установите стандартные порты, или проверьте порт."
    ),
    "starttls_refused": (
        "Сервер не перешел на защищенное соединение: 454 4.7.0 TLS not available. Пароль и письма "
        "на этот сервер не передавались."
    ),
    "stls_refused": (
        "Сервер не поддерживает STLS (переход на защищенное соединение): -ERR STLS not supported. "
        "Пароль и письма на этот сервер не передавались. Отметьте «Использовать защищенную версию "
        "протокола POP3»."
    ),
    "logged_in": "Вход выполнен: сервер принял пользователя uk-okean@yandex.ru и пароль",
    "pop3_logged_in": "Вход выполнен: сервер принял пользователя uk-okean@yandex.ru и пароль",
    "no_auth_offered": "Сервер не предлагает вход по паролю (AUTH): отправлять через него нельзя.",
    "login_refused": (
        "Неверный пароль: сервер ответил 535 5.7.8 Error: authentication failed. Проверьте "
        "пользователя (uk-okean@yandex.ru) и пароль; Яндекс, mail.ru и Gmail требуют пароль "
        "приложения, а не пароль от почтового ящика."
    ),
    "pop3_login_refused": (
        "Неверный пароль: сервер ответил -ERR [AUTH] Authentication failed.. Проверьте "
        "пользователя (uk-okean@yandex.ru) и пароль; Яндекс, mail.ru и Gmail требуют пароль "
        "приложения, а не пароль от почтового ящика."
    ),
    "login_temporarily_refused": (
        "Сервер временно не принял вход, попробуйте позже: сервер ответил 454 4.7.0 Temporary "
        "authentication failure"
    ),
    "pop3_mailbox_in_use": (
        "Почтовый ящик сейчас открыт другим сеансом (например, программа 1С забирает почту), и сервер"
        " не дал войти: -ERR [IN-USE] Mailbox is locked by another POP3 session. Дело не в пароле:"
        " проверьте еще раз, когда тот сеанс закончится."
    ),
    "mailbox_open": "Почтовый ящик доступен, писем в нем: 2",
    "mailbox_open_uncounted": "Почтовый ящик доступен: +OK mailbox ready",
    "connection_closed": "Сервер не принял соединение: сервер закрыл соединение",
    "connection_lost": (
        "Почтовый ящик недоступен: связь с сервером прервалась ([Errno 104] Connection reset by "
        "peer)"
    ),
    "connection_lost_timed_out": "Вход не выполнен: связь с сервером прервалась, время ожидания истекло",
    "line_too_long": (
        "Сервер не перешел на защищенное соединение: сервер прислал слишком длинную строку. "
        "Пароль и письма на этот сервер не передавались."
    ),
    "failed": "Вход не выполнен: No suitable authentication method found.",
}


def test_every_reason_has_a_sample_and_every_sample_a_text():
    assert {result.reason for result in SAMPLES.values()} == set(Reason)
    assert RUSSIAN.keys() == SAMPLES.keys()


@pytest.mark.parametrize("name", SAMPLES)
def test_russian(name):
    shown = explain(SAMPLES[name])
    assert shown.text == RUSSIAN[name]
    assert shown.ok == SAMPLES[name].ok


def test_every_step_has_a_russian_title():
    assert set(TITLES) == set(Step)
    assert explain(SAMPLES["login_refused"]).title == "Вход в учетную запись"


def test_rewording_the_english_changes_nothing_staff_read(monkeypatch):
    results = list(SAMPLES.values())
    before = explain_all(results)
    for reason in Reason:
        monkeypatch.setitem(step_text._TEXTS, reason, lambda facts: "reworded for the log")
    assert {step_text.describe(result) for result in results} == {"reworded for the log"}
    assert explain_all(results) == before
