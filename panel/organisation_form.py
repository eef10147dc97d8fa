"""The organisation form: what was typed -> values to store, or a Russian message per field."""
import re
from collections.abc import Mapping

from panel import validation
from panel.documents.protection import PasswordRule
from panel.organisations_store import FIELDS
from panel.validation import Invalid

KINDS = {"УК": "Управляющая компания (УК)", "ТСЖ": "Товарищество собственников жилья (ТСЖ)"}
MAX_LENGTH = 500
# «Текст письма жильцам»: several lines (contacts, how to pay) in every letter with a document.
EMAIL_TEXT = "email_text"
MAX_EMAIL_TEXT = 2000
_SPACES = re.compile(r"\s+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n{3,}")
_TWENTY_DIGITS = re.compile(r"^\d{20}$")

# What the payment document prints; missing ones are named on the page, not refused.
PRINTED = {
    "inn": "ИНН", "kpp": "КПП", "bank_account": "расчетный счет", "bank_name": "банк",
    "bic": "БИК", "corr_account": "корреспондентский счет", "address": "адрес",
}


def blank() -> dict[str, str]:
    return {name: "" for name in FIELDS} | {"kind": "УК", "pdf_password_rule": PasswordRule.OFF.value}


def _text(form: Mapping, name: str) -> str:
    value = form.get(name, "")
    return _SPACES.sub(" ", value).strip() if isinstance(value, str) else ""


def _lines(form: Mapping, name: str) -> str:
    """Text of several lines: line breaks kept (as \\n), trailing spaces, control characters
    and runs of more than one blank line dropped."""
    value = form.get(name, "")
    if not isinstance(value, str):
        return ""
    lines = (_CONTROLS.sub(" ", line).rstrip() for line in value.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def check(form: Mapping) -> tuple[dict[str, str], dict[str, str]]:
    """(typed, errors) when errors is non-empty, else (normalised values, {})."""
    typed = {name: _lines(form, name) if name == EMAIL_TEXT else _text(form, name) for name in FIELDS}
    values = dict(typed)
    errors: dict[str, str] = {}

    def checked(name: str, checker) -> None:
        if not typed[name]:
            return
        try:
            values[name] = checker(typed[name])
        except Invalid as error:
            errors[name] = str(error)

    if not typed["name"]:
        errors["name"] = "Укажите наименование организации"
    if typed["kind"] not in KINDS:
        errors["kind"] = "Выберите вид организации: УК или ТСЖ"
    if not typed["pdf_password_rule"]:      # a form from before the setting: no password
        values["pdf_password_rule"] = PasswordRule.OFF.value
    elif typed["pdf_password_rule"] not in set(PasswordRule):
        errors["pdf_password_rule"] = "Выберите защиту паролем из списка"
    for name in FIELDS:
        limit = MAX_EMAIL_TEXT if name == EMAIL_TEXT else MAX_LENGTH
        if len(typed[name]) > limit and name not in errors:
            errors[name] = f"Не более {limit} символов"

    checked("inn", validation.inn)
    checked("kpp", validation.kpp)
    checked("bic", validation.bic)
    checked("email", validation.email)
    if "inn" not in errors and "kpp" not in errors:
        if len(values["inn"]) == 10 and not values["kpp"]:
            errors["kpp"] = "Для организации (ИНН из 10 цифр) укажите КПП"
        elif len(values["inn"]) == 12 and values["kpp"]:
            errors["kpp"] = "У индивидуального предпринимателя (ИНН из 12 цифр) КПП нет; оставьте поле пустым"

    for name, checker, label in (
        ("bank_account", validation.bank_account, "Расчетный счет"),
        ("corr_account", validation.corr_account, "Корреспондентский счет"),
    ):
        account = typed[name].replace(" ", "")
        if not account:
            continue
        if not _TWENTY_DIGITS.match(account):
            errors[name] = f"{label} должен состоять из 20 цифр"
        elif not typed["bic"]:
            errors[name] = f"Укажите БИК банка: по нему проверяется {label.lower()}"
        elif "bic" not in errors:  # with a wrong БИК, its own message says what to fix
            try:
                values[name] = checker(account, values["bic"])
            except Invalid as error:
                errors[name] = str(error)

    if errors:
        return typed, errors
    return values, {}


def missing_printed(values: Mapping[str, str]) -> list[str]:
    """Requisites the payment document needs that are still empty."""
    return [label for name, label in PRINTED.items() if not values.get(name)]
