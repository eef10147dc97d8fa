"""The columns an import file may have: canonical names, Russian aliases, value kinds.

A file is either a list of personal accounts or a month's charges; which one is told by its
header row. Header cells are matched without regard to case, spaces and underscores, so
"total_area", "Total Area" and «общая площадь» all name the same column.
"""
import re
from dataclasses import dataclass
from enum import StrEnum


class TableKind(StrEnum):
    ACCOUNTS = "accounts"
    CHARGES = "charges"


class ValueKind(StrEnum):
    TEXT = "text"
    MONEY = "money"          # roubles: exactly two places, rounded half-up
    RATE = "rate"            # a tariff: at least two places, more kept as given
    AREA = "area"            # square metres: at least two places
    NUMBER = "number"        # volumes, norms, readings, shares: kept as given
    COUNT = "count"          # people: a non-negative whole number
    DATE = "date"
    PERIOD = "period"
    BASIS = "basis"          # how a volume was determined: 1, 1а, 2, 3, 4
    DELIVERY = "delivery"
    EMAIL = "email"


class Level(StrEnum):
    """Where a charges column belongs: the line, the whole document or the house."""
    LINE = "line"
    DOCUMENT = "document"
    HOUSE = "house"


@dataclass(frozen=True)
class Column:
    name: str                      # the canonical name: the database column
    label: str                     # the Russian name shown in messages and the README
    kind: ValueKind = ValueKind.TEXT
    aliases: tuple[str, ...] = ()  # further Russian names accepted in the header
    required: bool = False         # the column must be present and its cells filled
    level: Level = Level.LINE


C, K, L = Column, ValueKind, Level

ACCOUNT_COLUMNS = (
    C("number", "Номер лицевого счета", aliases=("Лицевой счет", "Номер ЛС", "№ л/с", "№ л/сч"), required=True),
    C("code", "Код"),
    C("payer", "Плательщик", aliases=("Контрагент", "Наименование"), required=True),
    C("payer_on_document", "Плательщик в платежном документе", aliases=("Плательщик в документе",)),
    C("owner", "Ответственный собственник", aliases=("Собственник",)),
    C("organisation", "Организация", aliases=("Управляющая организация",)),
    C("premises", "Помещение"),
    C("building", "Здание", aliases=("Дом",)),
    C("postal_address", "Почтовый адрес", aliases=("Адрес",)),
    C("total_area", "Общая площадь", K.AREA),
    C("living_area", "Жилая площадь", K.AREA),
    C("registered", "Зарегистрировано", K.COUNT),
    C("residents", "Проживает", K.COUNT, aliases=("Количество проживающих",)),
    C("category", "Категория лицевого счета", aliases=("Категория",)),
    C("ownership_share", "Доля собственности", K.NUMBER),
    C("housing_fund", "Вид жилого фонда"),
    C("opened", "Открыт", K.DATE, aliases=("Дата открытия",)),
    C("closed", "Закрыт", K.DATE, aliases=("Дата закрытия",)),
    C("delivery_method", "Способ доставки платежного документа", K.DELIVERY, aliases=("Способ доставки",)),
    C("email", "Электронная почта", K.EMAIL, aliases=("E-mail", "Адрес электронной почты")),
    C("phone", "Телефон"),
    C("capital_repair_number", "Номер лицевого счета для взносов на кап. ремонт",
      aliases=("Номер лицевого счета для взносов на капитальный ремонт", "Лицевой счет для взносов на кап. ремонт")),
)

CHARGE_COLUMNS = (
    C("account_number", "Номер лицевого счета", aliases=("Лицевой счет", "Номер ЛС", "№ л/с", "№ л/сч"), required=True),
    C("period", "Период", K.PERIOD, aliases=("Расчетный период",), required=True),
    C("section", "Раздел", aliases=("Группа услуг",)),
    C("service", "Услуга", aliases=("Вид услуги", "Виды услуг"), required=True),
    C("unit", "Ед. изм.", aliases=("Единица измерения",)),
    C("volume_individual", "Объем индив. потребл.", K.NUMBER, aliases=("Объем индивидуального потребления",)),
    C("volume_individual_basis", "Способ определения объема индив. потребл.", K.BASIS),
    C("volume_common", "Объем общедом. нужды", K.NUMBER, aliases=("Объем общедомовых нужд",)),
    C("volume_common_basis", "Способ определения объема общедом. нужды", K.BASIS),
    C("tariff", "Тариф", K.RATE, aliases=("Тариф руб./ед. изм.",)),
    C("amount_individual", "Размер платы индив. потребл.", K.MONEY),
    C("amount_common", "Размер платы общедом. нужды", K.MONEY),
    C("charged", "Всего начислено", K.MONEY, aliases=("Всего начислено за расчетный период", "Начислено")),
    C("recalculation", "Перерасчеты", K.MONEY, aliases=("Перерасчеты всего", "Перерасчет")),
    C("recalculation_reason", "Основание перерасчета", aliases=("Основания перерасчетов", "Основание перерасчетов")),
    C("benefits", "Льготы, субсидии", K.MONEY, aliases=("Льготы", "Льготы субсидии")),
    C("total", "Итого к оплате", K.MONEY, aliases=("Итого", "Итого по услуге"), required=True),
    C("total_individual", "Итого индив. потребл.", K.MONEY),
    C("total_common", "Итого общедом. нужды", K.MONEY),
    C("instalment_payment", "Рассрочка: платеж за период", K.MONEY,
      aliases=("Рассрочка платеж за период", "Сумма платы с учетом рассрочки платежа")),
    C("instalment_interest", "Рассрочка: проценты", K.MONEY, aliases=("Рассрочка проценты", "Проценты за рассрочку")),
    C("norm_individual", "Норматив индив. потребл.", K.NUMBER),
    C("norm_common", "Норматив общедом. нужды", K.NUMBER),
    C("meter_individual", "Показания ИПУ", K.NUMBER, aliases=("Показания индив. приборов учета",)),
    C("meter_common", "Показания ОПУ", K.NUMBER, aliases=("Показания общедом. приборов учета",)),
    C("house_volume_individual", "Объем в доме индив. потребл.", K.NUMBER),
    C("house_volume_common", "Объем в доме общедом. нужды", K.NUMBER),
    C("advance", "Аванс", K.MONEY, level=L.DOCUMENT),
    C("last_payment_date", "Дата последней оплаты", K.DATE, level=L.DOCUMENT),
    C("last_payment_amount", "Сумма последней оплаты", K.MONEY, aliases=("Последняя оплата",), level=L.DOCUMENT),
    C("payments_counted_until", "Учтены платежи до", K.DATE, aliases=("Платежи учтены до",), level=L.DOCUMENT),
    C("total_for_period", "Итого к оплате за расчетный период", K.MONEY,
      aliases=("Итого к оплате за расч. период", "Итого за период"), level=L.DOCUMENT),
    C("total_with_advance", "Итого к оплате с учетом аванса", K.MONEY, level=L.DOCUMENT),
    C("debt_previous", "Задолженность за предыдущие периоды", K.MONEY,
      aliases=("Задолженность", "Долг за предыдущие периоды"), level=L.DOCUMENT),
    C("penalties", "Пени", K.MONEY, aliases=("Пени за период",), level=L.DOCUMENT),
    C("common_property_area", "Площадь помещений в общей собственности", K.AREA, level=L.HOUSE),
    C("residents_in_house", "Количество проживающих в доме", K.COUNT, aliases=("Проживающих в доме",), level=L.HOUSE),
    C("premises_area", "Площадь помещений (жилых и нежилых)", K.AREA, aliases=("Площадь помещений",), level=L.HOUSE),
    C("total_house_area", "Общая площадь дома", K.AREA, level=L.HOUSE),
)

COLUMNS = {TableKind.ACCOUNTS: ACCOUNT_COLUMNS, TableKind.CHARGES: CHARGE_COLUMNS}

_IGNORED = re.compile(r"[\s_]+")


def header_key(text: str) -> str:
    """What is compared: no case, no spaces or underscores, ё as е, no trailing ':' or '*'."""
    return _IGNORED.sub("", text.casefold().replace("ё", "е")).rstrip(":*")


def column_index(kind: TableKind) -> dict[str, Column]:
    """Every accepted header key of a file kind -> its column."""
    index: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for name in (column.name, column.label, *column.aliases):
            index[header_key(name)] = column
    return index
