"""Checking and normalising what people type or import: requisites, e-mail, numbers, dates.

Every checker is a pure function that returns the normalised value or raises `Invalid`
with a message in Russian that can be shown to the person as it is.
"""
import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

MONTHS = (
    "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
    "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
)
_MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)
_MONTH_NUMBERS = {
    name.casefold(): number
    for names in (MONTHS, _MONTHS_GENITIVE)
    for number, name in enumerate(names, start=1)
}
FIRST_YEAR, LAST_YEAR = 1990, 2099

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = (7, 1, 3)

_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
# An optional sign, digits (optionally grouped by threes with spaces), an optional fraction.
_NUMBER = re.compile(r"^([+-]?)([0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:[.,]([0-9]+))?$")
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_RUSSIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class Invalid(ValueError):
    """A value that cannot be accepted; str() is the Russian message for the person."""


# --- Requisites -------------------------------------------------------------------------------

def _control_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(digit) * weight for digit, weight in zip(digits, weights)) % 11 % 10


def inn(text: str) -> str:
    """ИНН: 10 digits (organisation) or 12 (individual) with valid control digits."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) not in (10, 12):
        raise Invalid("ИНН должен состоять из 10 или 12 цифр")
    if len(value) == 10:
        valid = _control_digit(value, _INN10_WEIGHTS) == int(value[9])
    else:
        valid = (_control_digit(value, _INN12_WEIGHTS_11) == int(value[10])
                 and _control_digit(value, _INN12_WEIGHTS_12) == int(value[11]))
    if not valid:
        raise Invalid("Неверное контрольное число ИНН")
    return value


def kpp(text: str) -> str:
    value = text.strip().upper()
    if not _KPP.match(value):
        raise Invalid("КПП должен состоять из 9 символов: 4 цифры, 2 цифры или латинские буквы, 3 цифры")
    return value


def bic(text: str) -> str:
    """БИК of a Russian bank: 9 digits starting with 04."""
    value = _SPACES.sub("", text)
    if not value.isascii() or not value.isdigit() or len(value) != 9 or not value.startswith("04"):
        raise Invalid("БИК должен состоять из 9 цифр и начинаться с 04")
    return value


def _settlement_prefix(bank: str) -> str:
    """The three digits before a bank account: the BIC's last three, or for a settlement
    centre of the Bank of Russia (BIC ending 000, 001 or 002) "0" and the BIC's 5th-6th digits."""
    return "0" + bank[4:6] if bank[-3:] in ("000", "001", "002") else bank[-3:]


def _account_key_valid(prefix: str, account: str) -> bool:
    """The Bank of Russia rule: weights 7,1,3 over the 23 digits; the sum ends in 0."""
    digits = prefix + account
    total = sum(int(digit) * _ACCOUNT_WEIGHTS[index % 3] for index, digit in enumerate(digits))
    return total % 10 == 0


def _twenty_digits(text: str, field: str) -> str:
    value = _SPACES.sub("", text)
    if not value.isascii() or not value.isdigit() or len(value) != 20:
        raise Invalid(f"{field} должен состоять из 20 цифр")
    return value


def bank_account(account: str, bic_text: str) -> str:
    """Расчетный счет: 20 digits whose key matches the bank's БИК."""
    value = _twenty_digits(account, "Расчетный счет")
    bank = bic(bic_text)
    if not _account_key_valid(_settlement_prefix(bank), value):
        raise Invalid(f"Неверный контрольный ключ расчетного счета для БИК {bank}")
    return value


def corr_account(account: str, bic_text: str) -> str:
    """Корреспондентский счет: 20 digits, 30101...<the BIC's last three>, key checked against the БИК."""
    value = _twenty_digits(account, "Корреспондентский счет")
    bank = bic(bic_text)
    if not value.startswith("30101"):
        raise Invalid("Корреспондентский счет должен начинаться с 30101")
    if value[-3:] != bank[-3:]:
        raise Invalid(f"Корреспондентский счет должен оканчиваться последними тремя цифрами БИК {bank}")
    if not _account_key_valid("0" + bank[4:6], value):
        raise Invalid(f"Неверный контрольный ключ корреспондентского счета для БИК {bank}")
    return value


# --- E-mail -----------------------------------------------------------------------------------

def _domain_valid(domain: str, single_label: bool = False) -> bool:
    labels = domain.split(".")
    if len(labels) < 2 and not single_label:
        return False
    for label in labels:
        if not 1 <= len(label) <= 63 or label.startswith("-") or label.endswith("-"):
            return False
        if not all(char.isalnum() or char == "-" for char in label):
            return False
    top = labels[-1]
    if len(labels) > 1 and not (top.isalpha() and len(top) >= 2) and not top.startswith("xn--"):
        return False
    try:
        ascii_form = domain.encode("idna")
    except UnicodeError:
        return False
    return len(ascii_form) <= 253


def email(text: str, *, single_label_domain: bool = False) -> str:
    """A practical address check: local@domain.tld; IDN domains such as почта.рф allowed.

    The local part is limited to ASCII: a non-ASCII mailbox name needs SMTPUTF8 all the way,
    which the providers of our users do not promise. ``single_label_domain`` also takes a
    domain without a dot, as the relay's own login for local capture has (relay@localhost).
    """
    value = text.strip()
    problem = Invalid(f"Неверный адрес электронной почты: {value or '(пусто)'}")
    if value.count("@") != 1 or _SPACES.search(value) or len(value) > 254:
        raise problem
    local, domain = value.split("@")
    if not 1 <= len(local) <= 64 or not _LOCAL_PART.match(local):
        raise problem
    domain = domain.lower()
    if not _domain_valid(domain, single_label_domain):
        raise problem
    return f"{local}@{domain}"


# --- Numbers ----------------------------------------------------------------------------------

def decimal_value(text: str, field: str, places: int | None = None) -> Decimal:
    """A number written the Russian or the programmer's way: "2 447,90", "2447.90", "-3,5".

    With `places` the value is rounded half-up to that many places (2 for money).
    """
    cleaned = _SPACES.sub(" ", text.strip()).replace("\u2212", "-")
    match = _NUMBER.match(cleaned)
    if not match:
        if not cleaned:
            raise Invalid(f"{field}: значение не указано")
        raise Invalid(f"{field}: неверное число «{text.strip()}»")
    sign, whole, fraction = match.groups()
    literal = sign + whole.replace(" ", "") + ("." + fraction if fraction else "")
    try:
        value = Decimal(literal)
    except InvalidOperation:  # the pattern above admits only plain numbers; kept as a guard
        raise Invalid(f"{field}: неверное число «{text.strip()}»") from None
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if value == 0:
        value = abs(value)  # no "-0"
    return value


def money(text: str, field: str) -> Decimal:
    """Roubles and kopecks: two places, rounded half-up."""
    return decimal_value(text, field, places=2)


def _grouped(whole: str) -> str:
    head = len(whole) % 3 or 3
    groups = [whole[:head]] + [whole[index:index + 3] for index in range(head, len(whole), 3)]
    return " ".join(groups)


def _require_decimal(value: Decimal | int) -> Decimal:
    if isinstance(value, float) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"expected Decimal or int, got {type(value).__name__}")
    return Decimal(value)


def format_money(value: Decimal | int) -> str:
    """Russian money: "2 447,90", "0,00", "-15,00"."""
    amount = _require_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    whole, fraction = f"{abs(amount):f}".split(".")
    return f"{sign}{_grouped(whole)},{fraction}"


def format_decimal(value: Decimal | int) -> str:
    """A volume or reading as printed: "15,9", "2,8628", "1 113" (no trailing zeros)."""
    number = _require_decimal(value)
    sign = "-" if number < 0 else ""
    text = f"{abs(number):f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    if sign and whole.strip("0") == "" and not fraction:
        sign = ""
    return f"{sign}{_grouped(whole)}" + (f",{fraction}" if fraction else "")


def format_rate(value: Decimal | int) -> str:
    """A tariff as printed: kopecks at least, more places where it has them: "15,90", "13,50", "4,1234"."""
    number = _require_decimal(value)
    if number.as_tuple().exponent >= -2:  # whole kopecks (or fewer places): money
        return format_money(number)
    return format_decimal(number)


# --- Periods and dates ------------------------------------------------------------------------

def _checked_period(year: int, month: int, text: str) -> str:
    if not 1 <= month <= 12 or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(f"Неверный период: «{text}»")
    return f"{year:04d}-{month:02d}"


def period(text: str) -> str:
    """A billing month: "2013-07", "07.2013", "Июль 2013" (or a date within it) -> "2013-07"."""
    value = " ".join(text.split())
    if match := re.match(r"^(\d{4})-(\d{1,2})$", value):
        return _checked_period(int(match[1]), int(match[2]), value)
    if match := re.match(r"^(\d{1,2})\.(\d{4})$", value):
        return _checked_period(int(match[2]), int(match[1]), value)
    if match := re.match(r"^([^\W\d_]+) (\d{4})(?: ?г\.?)?$", value, re.IGNORECASE):
        month = _MONTH_NUMBERS.get(match[1].casefold())
        if month is not None:
            return _checked_period(int(match[2]), month, value)
    if _ISO_DATE.match(value) or _RUSSIAN_DATE.match(value):
        return date_value(value)[:7]
    raise Invalid(f"Неверный период: «{value}»; ожидается, например, «Июль 2013», «07.2013» или «2013-07»")


def period_label(value: str) -> str:
    """"2013-07" -> "Июль 2013"."""
    match = re.match(r"^(\d{4})-(\d{2})$", value)
    if not match:
        raise Invalid(f"Неверный период: «{value}»")
    _checked_period(int(match[1]), int(match[2]), value)
    return f"{MONTHS[int(match[2]) - 1]} {match[1]}"


def format_date(value: datetime.date) -> str:
    """The Russian way: "10.05.2013"."""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def date_value(text: str) -> str:
    """A date "2013-05-10" or "10.05.2013" -> "2013-05-10"."""
    value = text.strip()
    if match := _ISO_DATE.match(value):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _RUSSIAN_DATE.match(value):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
    else:
        raise Invalid(f"Неверная дата: «{value}»; ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД")
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        raise Invalid(f"Неверная дата: «{value}»") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(f"Неверная дата: «{value}»")
    return date.isoformat()


def whole_number(text: str, field: str) -> int:
    """A count of people: a non-negative whole number ("1", "4")."""
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise Invalid(f"{field}: ожидается целое неотрицательное число, а не «{value}»")
    return int(value)
