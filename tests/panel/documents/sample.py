"""A few organisations' accounts and their July 2013 charges, imported the way staff import them."""
import csv
import io
from decimal import Decimal

from panel.imports import import_file

ACCOUNT_HEADER = ("Номер лицевого счета", "Плательщик", "Организация", "Почтовый адрес",
                  "Способ доставки платежного документа", "Электронная почта")
CHARGE_HEADER = ("Номер лицевого счета", "Период", "Раздел", "Услуга", "Ед. изм.", "Тариф", "Всего начислено",
                 "Итого к оплате", "Аванс")
METHODS = ("По электронной почте", "Почтой", "Лично")


def _csv(header: tuple[str, ...], rows: list[tuple]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def account_number(index: int) -> str:
    return f"{700000000000 + index:012d}"


def due(index: int) -> Decimal:
    """What account `index` has to pay: its two lines less its advance."""
    return Decimal(100 + index) + Decimal("55.50") - advance(index)


def advance(index: int) -> Decimal:
    return Decimal("10.00") if index % 4 == 0 else Decimal("0.00")


async def import_sample(db, count: int, organisations: tuple[str, ...] = ("УК «Север»", "ТСЖ «Юг»")) -> None:
    """`count` accounts spread over the organisations, delivery methods taking turns."""
    accounts, charges = [], []
    for index in range(count):
        method = METHODS[index % 3]
        email = f"resident{index}@example.ru" if method == METHODS[0] else ""
        accounts.append((account_number(index), f"Жилец Номер {index}", organisations[index % len(organisations)],
                         f"Москва, ул. Тестовая, д. {index}", method, email))
        for service, amount in (("Содержание жилья", Decimal(100 + index)), ("Вывоз мусора", Decimal("55.50"))):
            charges.append((account_number(index), "2013-07", "", service, "м2", "1,00", amount, amount,
                            advance(index)))
    for name, data in (("accounts.csv", _csv(ACCOUNT_HEADER, accounts)),
                       ("charges.csv", _csv(CHARGE_HEADER, charges))):
        report = await import_file(db, data, name, 0)
        assert report.applied, report.messages()
