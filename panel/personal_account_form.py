"""The personal account card: what was typed -> values to store, or a Russian message per field.

Stored forms follow the import (panel/imports/values.py): areas as plain decimal strings
with at least two places ("70.00"), the share as given ("1.00000"), counts as integers or
None, dates ISO.
"""
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from panel import validation
from panel.personal_accounts_store import DELIVERY_LABELS, FIELDS, DeliveryMethod
from panel.validation import CENT, Invalid

MAX_LENGTH = 500
MAX_NUMBER = 30
_SPACES = re.compile(r"\s+")

CATEGORIES = ("Собственники", "Наниматели", "Арендаторы")
HOUSING_FUNDS = ("Приватизированный", "Муниципальный", "Государственный", "Частный", "Ведомственный")

EMAIL_NEEDED = (
    "Для способа доставки «По электронной почте» укажите электронную почту: "
    "без нее платежный документ отправить некуда"
)
TEXT_FIELDS = (
    "number", "code", "payer", "payer_on_document", "owner", "premises", "building",
    "postal_address", "category", "housing_fund", "email", "phone", "capital_repair_number",
)


def blank() -> dict[str, str]:
    return {name: "" for name in FIELDS} | {"delivery_method": DeliveryMethod.POST.value}


def _text(form: Mapping, name: str) -> str:
    value = form.get(name, "")
    return _SPACES.sub(" ", value).strip() if isinstance(value, str) else ""


def _area(text: str, label: str) -> str:
    number = validation.decimal_value(text, label)
    if number < 0:
        raise Invalid(f"{label}: площадь не может быть отрицательной")
    if number.as_tuple().exponent > -2:
        number = number.quantize(CENT)
    return f"{number:f}"


def _share(text: str) -> str:
    number = validation.decimal_value(text, "Доля собственности")
    if not 0 < number <= 1:
        raise Invalid("Доля собственности должна быть больше 0 и не больше 1, например 1 или 0,5")
    return f"{number:f}"


def check(form: Mapping, organisation_ids: Sequence[int]) -> tuple[dict, dict[str, str]]:
    """(typed, errors) when errors is non-empty, else (values to store, {})."""
    names = (*TEXT_FIELDS, "organisation_id", "total_area", "living_area", "registered", "residents",
             "ownership_share", "opened", "closed", "delivery_method")
    typed = {name: _text(form, name) for name in names}
    values: dict = dict(typed)
    errors: dict[str, str] = {}

    def checked(name: str, checker) -> None:
        if not typed[name]:
            values[name] = None if name in ("registered", "residents", "organisation_id") else ""
            return
        try:
            values[name] = checker(typed[name])
        except Invalid as error:
            errors[name] = str(error)

    for name in TEXT_FIELDS:
        if len(typed[name]) > MAX_LENGTH:
            errors[name] = f"Не более {MAX_LENGTH} символов"
    if not typed["number"]:
        errors["number"] = "Укажите номер лицевого счета"
    elif " " in typed["number"]:
        errors["number"] = "Номер лицевого счета пишется без пробелов"
    elif len(typed["number"]) > MAX_NUMBER:
        errors["number"] = f"Номер лицевого счета: не более {MAX_NUMBER} символов"
    if not typed["payer"]:
        errors["payer"] = "Укажите плательщика (контрагента)"

    def organisation(text: str) -> int:
        if not text.isascii() or not text.isdigit() or int(text) not in organisation_ids:
            raise Invalid("Выберите организацию из списка")
        return int(text)

    checked("organisation_id", organisation)
    checked("total_area", lambda text: _area(text, "Общая площадь"))
    checked("living_area", lambda text: _area(text, "Жилая площадь"))
    checked("registered", lambda text: validation.whole_number(text, "Зарегистрировано"))
    checked("residents", lambda text: validation.whole_number(text, "Проживает"))
    checked("ownership_share", _share)
    checked("opened", validation.date_value)
    checked("closed", validation.date_value)
    if values["total_area"] and values["living_area"] and "total_area" not in errors \
            and "living_area" not in errors and Decimal(values["living_area"]) > Decimal(values["total_area"]):
        errors["living_area"] = "Жилая площадь не может быть больше общей"
    if values["opened"] and values["closed"] and "opened" not in errors and "closed" not in errors \
            and values["closed"] < values["opened"]:
        errors["closed"] = "Дата закрытия раньше даты открытия"

    try:
        method = DeliveryMethod(typed["delivery_method"])
    except ValueError:
        errors["delivery_method"] = "Выберите способ доставки: " + ", ".join(
            f"«{label}»" for label in DELIVERY_LABELS.values())
        method = None
    if typed["email"]:
        try:
            values["email"] = validation.email(typed["email"])
        except Invalid as error:
            errors["email"] = str(error)
            if method is DeliveryMethod.EMAIL:
                errors["email"] += "; по такому адресу платежный документ не отправить"
    elif method is DeliveryMethod.EMAIL:
        errors["email"] = EMAIL_NEEDED

    if errors:
        return typed, errors
    values["delivery_method"] = method.value
    return {name: values[name] for name in FIELDS}, {}


def shown(stored: Mapping) -> dict[str, str]:
    """A stored account as the card's inputs show it: decimals with a comma, None as empty."""
    values = {}
    for name in FIELDS:
        value = stored.get(name)
        if value is None:
            values[name] = ""
        elif name in ("total_area", "living_area", "ownership_share"):
            values[name] = str(value).replace(".", ",")
        else:
            values[name] = str(value)
    return values
