"""The ГОСТ Р 56042-2014 payload of the payment code, and the reasons a document has none."""
import dataclasses
from decimal import Decimal

import pytest

from panel.documents.model import Recipient
from panel.documents.qr import QrUnavailable, kopecks, parse_payload, qr_payload, qr_problems
from tests.panel.documents.documents import COMPLETE, payable_seed, with_requisites
from tests.seed_document import seed_document

MANDATORY = ["Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc"]


def test_payload_has_the_utf8_header_the_mandatory_fields_first_and_the_housing_fields():
    payload = qr_payload(payable_seed())
    assert payload.startswith("ST00012|")
    fields = parse_payload(payload)
    assert [key for key, _ in fields][:5] == MANDATORY
    assert fields == [
        ("Name", 'УК "Тихий океан"'),
        ("PersonalAcc", "40702810138250123017"),
        ("BankName", "ПАО СБЕРБАНК"),
        ("BIC", "044525225"),
        ("CorrespAcc", "30101810400000000225"),
        ("PayeeINN", "7707083893"),
        ("KPP", "773601001"),
        ("Sum", "244790"),
        ("Purpose", "Оплата ЖКУ за Июль 2013 г., л/с 000000001001"),
        ("PersAcc", "000000001001"),
        ("PaymPeriod", "072013"),
    ]


@pytest.mark.parametrize("due", [Decimal("0.00"), Decimal("-15.00")])
def test_nothing_to_pay_leaves_the_sum_out(due):
    # The seed's own case: its advance covers the month, 0,00 to pay.
    document = dataclasses.replace(payable_seed(), total_with_advance=due)
    assert "Sum" not in dict(parse_payload(qr_payload(document)))


def test_sum_is_kopecks_rounded_half_up():
    assert kopecks(Decimal("2447.90")) == 244790
    assert kopecks(Decimal("0.005")) == 1
    assert kopecks(Decimal("1000000")) == 100000000


def test_requisites_are_normalised_and_a_value_is_one_line():
    document = with_requisites(seed_document(), bank_account="40702 810 1 3825 0123017", bic=" 044525225 ",
                               name="УК\n«Тихий  океан»", bank_name="ПАО\tСБЕРБАНК")
    fields = dict(parse_payload(qr_payload(document)))
    assert fields["PersonalAcc"] == "40702810138250123017" and fields["BIC"] == "044525225"
    assert fields["Name"] == "УК «Тихий океан»" and fields["BankName"] == "ПАО СБЕРБАНК"


def test_an_individual_entrepreneur_has_no_kpp():
    document = with_requisites(seed_document(), inn="500100732259", kpp="")
    assert qr_problems(document.recipient) == []
    assert "KPP" not in dict(parse_payload(qr_payload(document)))


def test_the_seeds_organisation_has_no_requisites_and_every_one_is_named():
    problems = qr_problems(seed_document().recipient)
    assert problems == [
        "не указан расчетный счет",
        "не указано наименование банка",
        "не указан БИК",
        "не указан корреспондентский счет",
        "не указан ИНН",
    ]


def test_an_organisation_without_anything():
    assert qr_problems(Recipient(name=""))[0] == "не указано наименование получателя"


@pytest.mark.parametrize("changes, reason", [
    ({"bic": "12345"}, "неверный БИК «12345»: БИК должен состоять из 9 цифр и начинаться с 04"),
    ({"bank_account": "40702810138250123018"},
     "неверный расчетный счет «40702810138250123018»: неверный контрольный ключ расчетного счета для БИК 044525225"),
    ({"corr_account": "30101810400000000226"},
     "неверный корреспондентский счет «30101810400000000226»: корреспондентский счет должен оканчиваться"
     " последними тремя цифрами БИК 044525225"),
    ({"inn": "7707083894"}, "неверный ИНН «7707083894»: неверное контрольное число ИНН"),
    ({"kpp": ""}, "не указан КПП"),
    ({"kpp": "77360"}, "неверный КПП «77360»: КПП должен состоять из 9 символов: 4 цифры, 2 цифры или латинские"
                       " буквы, 3 цифры"),
    ({"name": "УК | Тихий океан"}, "наименование получателя содержит знак «|», недопустимый в QR-коде"),
    ({"bank_name": "ПАО|СБЕРБАНК"}, "наименование банка содержит знак «|», недопустимый в QR-коде"),
    ({"bank_name": "Б" * 46}, "наименование банка длиннее 45 знаков (ГОСТ Р 56042-2014)"),
    ({"name": "У" * 161}, "наименование получателя длиннее 160 знаков (ГОСТ Р 56042-2014)"),
])
def test_each_wrong_requisite_is_named_in_russian(changes, reason):
    recipient = dataclasses.replace(Recipient(name="УК", **COMPLETE), **changes)
    assert qr_problems(recipient) == [reason]


def test_with_a_wrong_bic_the_accounts_are_still_checked_for_twenty_digits():
    recipient = Recipient(name="УК", **{**COMPLETE, "bic": "", "bank_account": "4070281013825"})
    assert qr_problems(recipient) == ["неверный расчетный счет «4070281013825»: должен состоять из 20 цифр",
                                      "не указан БИК"]


def test_no_payload_without_requisites_and_the_reasons_travel_with_the_refusal():
    with pytest.raises(QrUnavailable) as refusal:
        qr_payload(seed_document())
    assert "не указан БИК" in refusal.value.problems


@pytest.mark.parametrize("number, reason", [
    ("", "не указан номер лицевого счета"),
    ("0001|2", "номер лицевого счета содержит знак «|», недопустимый в QR-коде"),
])
def test_the_personal_account_number_is_checked_too(number, reason):
    document = dataclasses.replace(payable_seed(), account_number=number)
    with pytest.raises(QrUnavailable) as refusal:
        qr_payload(document)
    assert refusal.value.problems == (reason,)


def test_no_value_contains_the_separator():
    payload = qr_payload(payable_seed())
    assert all("|" not in value for _, value in parse_payload(payload))
    assert len(payload.split("|")) == 12
