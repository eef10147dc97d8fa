"""Different payment documents for the renderer benchmark, made directly (no database).

Names, addresses (some long), 5 to 40 lines in the seed's sections, negative
recalculations with reasons, zero amounts, instalments, debt and пени on some, and five
organisations: three with complete requisites (a QR code), one without a БИК and one
without any requisites (no code). Deterministic for a seed.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from panel import validation
from panel.documents.model import COMMUNAL_SECTION, ChargeLine, HouseFacts, PaymentDocument, Recipient, SettlementCentre

SURNAMES = ("Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Васильев", "Соколов", "Михайлов",
            "Новиков", "Федоров", "Морозов", "Волков", "Лебедев", "Семенов", "Егоров", "Лермонтов", "Перматов")
NAMES = ("Михаил", "Иван", "Петр", "Алексей", "Сергей", "Андрей", "Дмитрий", "Николай", "Ольга", "Анна", "Ёлка")
PATRONYMICS = ("Николаевич", "Иванович", "Петрович", "Сергеевич", "Андреевич", "Михайлович")
STREETS = ("Братиславская", "Люблинская", "Марьинский бульвар", "Перерва", "Верхние поля",
           "Новочеркасский бульвар", "Подольская", "Краснодонская")
COMMUNAL = (("Холодное водоснабжение", "м3", "13.50"), ("Горячее водоснабжение", "м3", "77.21"),
            ("Водоотведение", "м3", "9.88"), ("Электроэнергия", "кВтч", "2.88"), ("Отопление", "Гкал", "1834.12"),
            ("Газоснабжение", "м3", "6.4170"))
OTHER = (("Содержание и ремонт общего имущества", "м2", "15.90"), ("Вывоз ТКО", "чел.", "112.40"),
         ("Домофон", "кв.", "45.00"), ("Целевой сбор", "", "100.00"), ("Взнос на капитальный ремонт", "м2", "15.00"))
REASONS = ("Отсутствие потребителя более 5 дней (ПП № 354 п. 86)", "Ненадлежащее качество услуги",
           "Корректировка по показаниям ОДПУ за прошлый год", "Перерыв в предоставлении услуги")
CENT = Decimal("0.01")


def _with_key(head: str, tail: str, bic: str) -> str:
    """A 20-digit account whose control key matches the БИК (validation checks it)."""
    for key in "0123456789":
        account = head + key + tail
        try:
            return validation.bank_account(account, bic)
        except validation.Invalid:
            continue
    raise AssertionError("no control key fits")


def organisations() -> list[Recipient]:
    bic, corr = "044525225", "30101810400000000225"
    complete = [
        Recipient(name=name, kind=kind, inn="7707083893", kpp="773601001", bank_account=_with_key(head, tail, bic),
                  bank_name="ПАО СБЕРБАНК", bic=bic, corr_account=corr, address=address, work_hours="пн–пт 9:00–18:00",
                  phone="+7 495 123-45-67", email="uk@example.ru")
        for name, kind, head, tail, address in (
            ('УК "Тихий океан"', "УК", "40702810", "38250123017", "109451, Москва, ул. Братиславская, д. 1"),
            ("ТСЖ «Ёлочка»", "ТСЖ", "40703810", "00000000417", "109390, Москва, ул. Люблинская, д. 27, пом. 3"),
            ("ООО «Управляющая компания жилищно-коммунального хозяйства района Марьино»", "УК", "40702810",
             "12345678901", "109469, Москва, Марьинский бульвар, д. 5, корп. 2, этаж 1, комната 14"),
        )
    ]
    no_bic = Recipient(name="ТСЖ «Перерва 10»", kind="ТСЖ", inn="7707083893", kpp="773601001",
                       bank_account="40703810000000000418", bank_name="ПАО СБЕРБАНК", corr_account=corr)
    return complete + [no_bic, Recipient(name='УК "Без реквизитов"')]


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _line(rng: random.Random, communal: bool, section: str) -> ChargeLine:
    service, unit, tariff_text = rng.choice(COMMUNAL if communal else OTHER)
    tariff = Decimal(tariff_text)
    if communal:
        individual = Decimal(rng.randrange(0, 30000)) / 100
        common = Decimal(rng.randrange(0, 50000)) / 10000
        amount_individual, amount_common = _money(individual * tariff), _money(common * tariff)
    else:
        individual = common = None
        amount_individual, amount_common = _money(Decimal(rng.randrange(1, 90)) * tariff), None
    if rng.random() < 0.06:
        amount_individual = Decimal("0.00")  # a service with nothing to charge this month
    charged = amount_individual + (amount_common or 0)
    recalculation = reason = None
    if rng.random() < 0.12:
        recalculation = -_money(charged * Decimal(rng.randrange(5, 60)) / 100)
        reason = rng.choice(REASONS)
    total = charged + (recalculation or 0)
    instalment = rng.random() < 0.04
    return ChargeLine(
        service=service, section=section, unit=unit,
        volume_individual=individual, volume_individual_basis=rng.choice(("1", "1а", "2", "3")) if communal else "",
        volume_common=common, volume_common_basis="4" if communal else "",
        tariff=tariff, amount_individual=amount_individual, amount_common=amount_common, charged=charged,
        recalculation=recalculation, total=total,
        total_individual=amount_individual if communal else None, total_common=amount_common if communal else None,
        norm_individual=Decimal("5.55") if communal else None, norm_common=Decimal("0.15") if communal else None,
        meter_common=Decimal(rng.randrange(100, 9000)) if communal and rng.random() < 0.5 else None,
        house_volume_individual=Decimal(rng.randrange(1000, 90000)) / 10 if communal else None,
        house_volume_common=Decimal(rng.randrange(100, 9000)) / 100 if communal else None,
        recalculation_reason=reason or "",
        instalment_payment=Decimal("250.00") if instalment else None,
        instalment_interest=Decimal("3.17") if instalment else None,
    )


def _lines(rng: random.Random, count: int) -> tuple[ChargeLine, ...]:
    other_before = 1
    other_after = max(1, count // 8)
    communal = count - other_before - other_after
    return tuple([_line(rng, False, "")] + [_line(rng, True, COMMUNAL_SECTION) for _ in range(communal)]
                 + [_line(rng, False, "Прочие") for _ in range(other_after)])


def make_document(index: int, organisations_: list[Recipient], seed: int = 2013) -> PaymentDocument:
    rng = random.Random(seed * 1_000_003 + index)
    surname = rng.choice(SURNAMES)
    female = rng.random() < 0.5
    payer = f"{surname}{'а' if female else ''} {rng.choice(NAMES)} {rng.choice(PATRONYMICS)}{'а' if female else ''}"
    if rng.random() < 0.05:
        payer = f"{payer} <b>& Co</b> " + "Наследники по завещанию " * 6
    street = rng.choice(STREETS)
    address = f"1094{rng.randrange(10, 99)}, Москва, ул. {street}, дом № {rng.randrange(1, 40)}, кв. {rng.randrange(1, 300)}"
    if rng.random() < 0.05:
        address += ", вход со двора через арку возле аптеки, код домофона у консьержа, " * 2
    lines = _lines(rng, rng.randrange(5, 41))
    total = sum((line.total for line in lines), Decimal("0.00"))
    advance = _money(Decimal(rng.randrange(0, 300000)) / 100) if rng.random() < 0.4 else None
    year, month = rng.choice((2013, 2024, 2025)), rng.randrange(1, 13)
    return PaymentDocument(
        period=f"{year:04d}-{month:02d}", account_number=f"{index + 1:012d}", payer=payer, address=address,
        recipient=organisations_[index % len(organisations_)],
        centre=SettlementCentre("ЕИРЦ района", "Москва, ул. Перерва, д. 10", "пн–сб 8:00–20:00")
        if rng.random() < 0.3 else SettlementCentre(),
        total_area=Decimal(rng.randrange(2500, 15000)) / 100, residents=rng.randrange(1, 7), advance=advance,
        last_payment_date=dt.date(year, month, 1) - dt.timedelta(days=rng.randrange(1, 60)),
        last_payment_amount=_money(Decimal(rng.randrange(100, 1000000)) / 100),
        payments_counted_until=dt.date(year, month, 25),
        total_for_period=total, total_with_advance=max(Decimal("0.00"), total - (advance or 0)),
        debt_previous=_money(Decimal(rng.randrange(-50000, 500000)) / 100) if rng.random() < 0.2 else None,
        penalties=_money(Decimal(rng.randrange(1, 50000)) / 100) if rng.random() < 0.1 else None,
        capital_repair_number=f"77{index:010d}" if rng.random() < 0.3 else "",
        lines=lines,
        house=HouseFacts(Decimal("105"), rng.randrange(4, 400), Decimal("414"), Decimal(rng.randrange(500, 20000))),
    )


def make_documents(count: int, seed: int = 2013) -> list[PaymentDocument]:
    recipients = organisations()
    return [make_document(index, recipients, seed) for index in range(count)]
