"""The payment QR code's content per ГОСТ Р 56042-2014, and why a document may have none.

    ST00012|Name=…|PersonalAcc=…|BankName=…|BIC=…|CorrespAcc=…|PayeeINN=…|KPP=…|Sum=…|Purpose=…|PersAcc=…|PaymPeriod=MMYYYY

`ST` + format version `0001` + `2` (UTF-8); the five mandatory fields first and in the
standard's order; Sum in kopecks, left out when there is nothing to pay. A value never
contains the separator `|`. Requisites are checked with panel.validation (control digits
of ИНН, the account keys against the БИК); an organisation whose requisites are missing
or wrong gets no code, and `qr_problems` says why, in Russian, for the panel.
"""
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from panel import validation
from panel.documents.model import PaymentDocument, Recipient
from panel.validation import Invalid

HEADER = "ST00012"
SEPARATOR = "|"
NAME_LIMIT, BANK_NAME_LIMIT, PURPOSE_LIMIT = 160, 45, 210  # the standard's maximum lengths


class QrUnavailable(ValueError):
    """The document gets no QR code; `problems` are the reasons, in Russian."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


def _clean(text: str) -> str:
    """One line: runs of white space (new lines too) as one space."""
    return " ".join(text.split())


def _reason(error: Invalid) -> str:
    """validation's message to follow a colon: "Неверное …" -> "неверное …", "БИК …" stays."""
    text = str(error)
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _text_problems(value: str, missing: str, what: str, limit: int) -> list[str]:
    if not value:
        return [missing]
    problems = []
    if SEPARATOR in value:
        problems.append(f"{what} содержит знак «{SEPARATOR}», недопустимый в QR-коде")
    if len(value) > limit:
        problems.append(f"{what} длиннее {limit} знаков (ГОСТ Р 56042-2014)")
    return problems


def _checked(value: str, missing: str, wrong: str, check: Callable[[str], str]) -> list[str]:
    if not value.strip():
        return [missing]
    try:
        check(value)
    except Invalid as error:
        return [f"{wrong} «{value.strip()}»: {_reason(error)}"]
    return []


def qr_problems(recipient: Recipient) -> list[str]:
    """Why this recipient's documents cannot carry a payment QR code; [] when they can."""
    problems = _text_problems(_clean(recipient.name), "не указано наименование получателя",
                              "наименование получателя", NAME_LIMIT)
    bic_problems = _checked(recipient.bic, "не указан БИК", "неверный БИК", validation.bic)
    if bic_problems:  # the accounts' keys cannot be checked without a БИК; their length still can
        def account_check(value: str) -> str:
            digits = "".join(value.split())
            if not (digits.isascii() and digits.isdigit() and len(digits) == 20):
                raise Invalid("должен состоять из 20 цифр")
            return digits
        bank_account_check = corr_account_check = account_check
    else:
        def bank_account_check(value: str) -> str:
            return validation.bank_account(value, recipient.bic)

        def corr_account_check(value: str) -> str:
            return validation.corr_account(value, recipient.bic)
    problems += _checked(recipient.bank_account, "не указан расчетный счет", "неверный расчетный счет",
                         bank_account_check)
    problems += _text_problems(_clean(recipient.bank_name), "не указано наименование банка",
                               "наименование банка", BANK_NAME_LIMIT)
    problems += bic_problems
    problems += _checked(recipient.corr_account, "не указан корреспондентский счет",
                         "неверный корреспондентский счет", corr_account_check)
    problems += _checked(recipient.inn, "не указан ИНН", "неверный ИНН", validation.inn)
    organisation = len(recipient.inn.strip()) == 10  # an individual entrepreneur (12 digits) has no КПП
    if organisation or recipient.kpp.strip():
        problems += _checked(recipient.kpp, "не указан КПП", "неверный КПП", validation.kpp)
    return problems


def _document_problems(document: PaymentDocument) -> list[str]:
    account = _clean(document.account_number)
    if not account:
        return ["не указан номер лицевого счета"]
    if SEPARATOR in account:
        return [f"номер лицевого счета содержит знак «{SEPARATOR}», недопустимый в QR-коде"]
    return []


def kopecks(amount: Decimal) -> int:
    return int(amount.quantize(validation.CENT, rounding=ROUND_HALF_UP) * 100)


def purpose(document: PaymentDocument) -> str:
    text = (f"Оплата ЖКУ за {validation.period_label(document.period)} г., "
            f"л/с {_clean(document.account_number)}")
    return text[:PURPOSE_LIMIT]


def qr_payload(document: PaymentDocument) -> str:
    """The ГОСТ Р 56042-2014 string for the document, or QrUnavailable with the reasons."""
    problems = qr_problems(document.recipient) + _document_problems(document)
    if problems:
        raise QrUnavailable(problems)
    recipient = document.recipient
    bic = validation.bic(recipient.bic)
    fields = [
        ("Name", _clean(recipient.name)),
        ("PersonalAcc", validation.bank_account(recipient.bank_account, bic)),
        ("BankName", _clean(recipient.bank_name)),
        ("BIC", bic),
        ("CorrespAcc", validation.corr_account(recipient.corr_account, bic)),
        ("PayeeINN", validation.inn(recipient.inn)),
    ]
    if recipient.kpp.strip():
        fields.append(("KPP", validation.kpp(recipient.kpp)))
    due = kopecks(document.amount_due)
    if due > 0:
        fields.append(("Sum", str(due)))
    year, month = document.period.split("-")
    fields += [
        ("Purpose", purpose(document)),
        ("PersAcc", _clean(document.account_number)),
        ("PaymPeriod", f"{month}{year}"),
    ]
    return SEPARATOR.join([HEADER] + [f"{key}={value}" for key, value in fields])


def parse_payload(payload: str) -> list[tuple[str, str]]:
    """The fields of a payload in order (for tests and the panel's preview); the header is checked."""
    header, *pairs = payload.split(SEPARATOR)
    if header != HEADER:
        raise ValueError(f"not a ГОСТ Р 56042-2014 UTF-8 payload: {header!r}")
    return [tuple(pair.split("=", 1)) for pair in pairs]
