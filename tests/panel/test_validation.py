"""Requisites with their control digits, e-mail, money, periods and dates."""
import datetime
from decimal import Decimal

import pytest

from panel import validation
from panel.validation import Invalid

# Real requisites: Sberbank (ИНН, КПП, БИК, корр. счет), Yandex and Alfa-Bank (ИНН),
# T-Bank (БИК and корр. счет), an individual's 12-digit ИНН.
SBERBANK_BIC = "044525225"
SBERBANK_CORR = "30101810400000000225"
TBANK_BIC = "044525974"
TBANK_CORR = "30101810145250000974"


@pytest.mark.parametrize("number", ["7707083893", "7736207543", "7728168971", "500100732259", " 7707083893 "])
def test_real_inn_is_accepted(number):
    assert validation.inn(number) == number.strip()


@pytest.mark.parametrize("number, message", [
    ("7707083894", "Неверное контрольное число ИНН"),
    ("500100732250", "Неверное контрольное число ИНН"),
    ("500100732269", "Неверное контрольное число ИНН"),
    ("770708389", "ИНН должен состоять из 10 или 12 цифр"),
    ("77070838931", "ИНН должен состоять из 10 или 12 цифр"),
    ("770708389З", "ИНН должен состоять из 10 или 12 цифр"),     # a Cyrillic З
    ("７７０７０８３８９３", "ИНН должен состоять из 10 или 12 цифр"),  # full-width digits
    ("", "ИНН должен состоять из 10 или 12 цифр"),
])
def test_bad_inn_is_refused_in_russian(number, message):
    with pytest.raises(Invalid, match=message):
        validation.inn(number)


@pytest.mark.parametrize("text, value", [("773601001", "773601001"), ("7736AB001", "7736AB001"), ("7736ab001", "7736AB001")])
def test_kpp(text, value):
    assert validation.kpp(text) == value


@pytest.mark.parametrize("text", ["77360100", "7736010011", "77A601001", "7736АБ001", ""])
def test_bad_kpp_is_refused(text):
    with pytest.raises(Invalid, match="КПП должен состоять из 9 символов"):
        validation.kpp(text)


@pytest.mark.parametrize("text", [SBERBANK_BIC, TBANK_BIC, "04 452 5225"])
def test_bic(text):
    assert validation.bic(text) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["04452522", "0445252250", "144525225", "04452522A", ""])
def test_bad_bic_is_refused(text):
    with pytest.raises(Invalid, match="БИК должен состоять из 9 цифр и начинаться с 04"):
        validation.bic(text)


@pytest.mark.parametrize("account, bic", [(SBERBANK_CORR, SBERBANK_BIC), (TBANK_CORR, TBANK_BIC)])
def test_real_correspondent_accounts(account, bic):
    assert validation.corr_account(account, bic) == account


def test_correspondent_account_of_another_bank_is_refused():
    with pytest.raises(Invalid, match=f"оканчиваться последними тремя цифрами БИК {TBANK_BIC}"):
        validation.corr_account(SBERBANK_CORR, TBANK_BIC)


def test_correspondent_account_key_is_checked():
    with pytest.raises(Invalid, match=f"Неверный контрольный ключ корреспондентского счета для БИК {SBERBANK_BIC}"):
        validation.corr_account("30101810500000000225", SBERBANK_BIC)


def test_correspondent_account_must_start_with_30101():
    with pytest.raises(Invalid, match="Корреспондентский счет должен начинаться с 30101"):
        validation.corr_account("40702810138250123017", SBERBANK_BIC)


def test_bank_account_key_is_checked_against_the_bic():
    assert validation.bank_account("40702 810 1 3825 0123017", SBERBANK_BIC) == "40702810138250123017"
    with pytest.raises(Invalid, match=f"Неверный контрольный ключ расчетного счета для БИК {SBERBANK_BIC}"):
        validation.bank_account("40702810138250123018", SBERBANK_BIC)
    with pytest.raises(Invalid, match=f"Неверный контрольный ключ расчетного счета для БИК {TBANK_BIC}"):
        validation.bank_account("40702810138250123017", TBANK_BIC)


def test_account_at_a_bank_of_russia_centre_uses_the_bic_region_digits():
    # БИК 044583001 (ГУ Банка России по ЦФО): the key uses "0" + "83", not "001".
    account = _with_key("40101810", "00000010041", "083")
    assert validation.bank_account(account, "044583001") == account


def _with_key(head: str, tail: str, prefix: str) -> str:
    for key in "0123456789":
        account = head + key + tail
        weights = (7, 1, 3)
        total = sum(int(digit) * weights[index % 3] for index, digit in enumerate(prefix + account))
        if total % 10 == 0:
            return account
    raise AssertionError("no key")


@pytest.mark.parametrize("text", ["12345", "4070281013825012301", "407028101382501230170", "4070281013825012301Х"])
def test_bank_account_needs_twenty_digits(text):
    with pytest.raises(Invalid, match="Расчетный счет должен состоять из 20 цифр"):
        validation.bank_account(text, SBERBANK_BIC)


@pytest.mark.parametrize("text, value", [
    ("lemontov_mn@mail.ru", "lemontov_mn@mail.ru"),
    (" Uk.Okean+epd@Yandex.RU ", "Uk.Okean+epd@yandex.ru"),
    ("info@почта.рф", "info@почта.рф"),
    ("a@xn--80a1acny.xn--p1ai", "a@xn--80a1acny.xn--p1ai"),
])
def test_email(text, value):
    assert validation.email(text) == value


@pytest.mark.parametrize("text", [
    "", "lemontov_mn", "lemontov_mn@", "@mail.ru", "a@@mail.ru", "a@mail", "a@mail.r", "a b@mail.ru",
    "a@mail..ru", "a@-mail.ru", ".a@mail.ru", "a.@mail.ru", "лермонтов@mail.ru", "a@mail.ru,b@mail.ru",
])
def test_bad_email_is_refused_in_russian(text):
    with pytest.raises(Invalid, match="Неверный адрес электронной почты"):
        validation.email(text)


def test_a_domain_without_a_dot_only_where_asked():
    """The relay's own login while mail is captured locally, as a letter's sender."""
    with pytest.raises(Invalid):
        validation.email("relay@localhost")
    assert validation.email("Relay@LocalHost", single_label_domain=True) == "Relay@localhost"
    for bad in ("relay@", "relay@-local", "relay@local..host", "relay@mail.r"):
        with pytest.raises(Invalid):
            validation.email(bad, single_label_domain=True)


@pytest.mark.parametrize("text, value", [
    ("2447.90", "2447.90"), ("2 447,90", "2447.90"), ("2\u00a0447,9", "2447.90"), ("1113", "1113.00"),
    ("0,005", "0.01"), ("0,015", "0.02"), ("2,675", "2.68"), ("-15", "-15.00"), ("\u22123,5", "-3.50"),
    ("-0,001", "0.00"), ("+7", "7.00"), ("1 000 000,00", "1000000.00"),
])
def test_money_is_decimal_rounded_half_up_to_kopecks(text, value):
    amount = validation.money(text, "Итого")
    assert isinstance(amount, Decimal)
    assert str(amount) == value


@pytest.mark.parametrize("text, message", [
    ("", "Итого: значение не указано"),
    ("12,34,56", "Итого: неверное число «12,34,56»"),
    ("1.234,56", "Итого: неверное число «1.234,56»"),
    ("24 47,90", "Итого: неверное число «24 47,90»"),
    ("1e3", "Итого: неверное число «1e3»"),
    ("NaN", "Итого: неверное число «NaN»"),
    ("١٢", "Итого: неверное число «١٢»"),
    ("12 руб.", "Итого: неверное число «12 руб.»"),
])
def test_bad_money_is_refused(text, message):
    with pytest.raises(Invalid, match=message):
        validation.money(text, "Итого")


@pytest.mark.parametrize("value, text", [
    (Decimal("2447.90"), "2 447,90"), (Decimal("0"), "0,00"), (Decimal("-15"), "-15,00"),
    (Decimal("1113"), "1 113,00"), (Decimal("1234567.891"), "1 234 567,89"), (Decimal("0.005"), "0,01"),
    (Decimal("-0.001"), "0,00"), (100, "100,00"), (Decimal("999.995"), "1 000,00"),
])
def test_format_money(value, text):
    assert validation.format_money(value) == text


def test_format_money_refuses_floats():
    with pytest.raises(TypeError):
        validation.format_money(2447.9)


@pytest.mark.parametrize("value, text", [
    (Decimal("15.90"), "15,9"), (Decimal("2.8628"), "2,8628"), (Decimal("1113"), "1 113"),
    (Decimal("1.00000"), "1"), (Decimal("0"), "0"), (Decimal("-0.0"), "0"), (Decimal("-2.5"), "-2,5"),
])
def test_format_decimal(value, text):
    assert validation.format_decimal(value) == text


@pytest.mark.parametrize("value, text", [
    (Decimal("15.9"), "15,90"), (Decimal("13.50"), "13,50"), (Decimal("4.1234"), "4,1234"),
    (Decimal("2.8820"), "2,882"), (Decimal("3"), "3,00"), (Decimal("1234.5"), "1 234,50"), (Decimal("-1.25"), "-1,25"),
])
def test_format_rate_keeps_at_least_kopecks(value, text):
    assert validation.format_rate(value) == text


def test_format_date():
    assert validation.format_date(datetime.date(2013, 5, 10)) == "10.05.2013"


@pytest.mark.parametrize("text", ["2013-07", "07.2013", "7.2013", "Июль 2013", "июль 2013 г.", "июля 2013",
                                  "2013-07-25", "25.07.2013"])
def test_period(text):
    assert validation.period(text) == "2013-07"


@pytest.mark.parametrize("text", ["2013-13", "13.2013", "Июнл 2013", "2013", "1890-07", "", "31.02.2013"])
def test_bad_period_is_refused(text):
    with pytest.raises(Invalid, match="Неверн"):
        validation.period(text)


def test_period_label():
    assert validation.period_label("2013-07") == "Июль 2013"


@pytest.mark.parametrize("text, value", [("10.05.2013", "2013-05-10"), ("2013-05-10", "2013-05-10"), ("1.5.2013", "2013-05-01")])
def test_date(text, value):
    assert validation.date_value(text) == value


@pytest.mark.parametrize("text, message", [
    ("31.02.2013", "Неверная дата: «31.02.2013»"),
    ("10/05/2013", "ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД"),
    ("01.01.1900", "Неверная дата: «01.01.1900»"),
])
def test_bad_date_is_refused(text, message):
    with pytest.raises(Invalid, match=message):
        validation.date_value(text)


def test_whole_number():
    assert validation.whole_number(" 4 ", "Проживает") == 4
    for text in ("-1", "1,5", "два", ""):
        with pytest.raises(Invalid, match="Проживает: ожидается целое неотрицательное число"):
            validation.whole_number(text, "Проживает")
