"""An optional password on the e-mailed PDF: AES-256, under a rule the organisation chooses.

Residents are told the rule in advance, and each e-mail repeats it, never the password:

    pdf = protect(pdf, PasswordRule.LAST_4_DIGITS, "000000001001")   # opens with "1001"
    notice = email_notice(PasswordRule.LAST_4_DIGITS)

Encrypting is CPU work: call it off the event loop (asyncio.to_thread).
"""
import io
import secrets
from enum import StrEnum

ASCII_DIGITS = "0123456789"


class PasswordRule(StrEnum):
    """How the password follows from the personal account number (organisations.pdf_password_rule)."""
    OFF = "off"
    LAST_4_DIGITS = "last_4_digits"
    LAST_6_DIGITS = "last_6_digits"

    @property
    def digits(self) -> int:
        return _DIGITS[self]

    @property
    def label(self) -> str:
        """The rule in Russian, as the organisation form offers it."""
        return RULE_LABELS[self]


_DIGITS = {PasswordRule.OFF: 0, PasswordRule.LAST_4_DIGITS: 4, PasswordRule.LAST_6_DIGITS: 6}

RULE_LABELS = {
    PasswordRule.OFF: "Без пароля",
    PasswordRule.LAST_4_DIGITS: "Последние 4 цифры номера лицевого счета",
    PasswordRule.LAST_6_DIGITS: "Последние 6 цифр номера лицевого счета",
}


class NoPassword(ValueError):
    """The account number has fewer digits than the rule takes; str() is the Russian reason."""


def password(rule: PasswordRule, account_number: str) -> str | None:
    """The password for one account, or None when the rule is off; raises NoPassword."""
    if rule is PasswordRule.OFF:
        return None
    digits = "".join(char for char in account_number if char in ASCII_DIGITS)
    if len(digits) < rule.digits:
        raise NoPassword(
            f"В номере лицевого счета «{account_number}» меньше {rule.digits} цифр:"
            f" пароль по правилу «{rule.label}» не составить")
    return digits[-rule.digits:]


def protect(pdf: bytes, rule: PasswordRule, account_number: str) -> bytes:
    """The PDF encrypted with AES-256 under the account's password; the same bytes when off.

    The owner password is random and thrown away: the resident's password opens the file
    with every permission (print, copy), nothing else opens it.
    """
    user_password = password(rule, account_number)
    if user_password is None:
        return pdf
    # Imported here: the organisation form needs the rules, and pypdf would add 0.1 s to
    # every start of the relay for a setting that is off by default.
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password, owner_password=secrets.token_urlsafe(32), algorithm="AES-256")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    return encrypted.getvalue()


def email_notice(rule: PasswordRule) -> str:
    """The sentence the e-mail text carries about the password ("" when off); never the password."""
    if rule is PasswordRule.OFF:
        return ""
    return f"Файл платежного документа защищен паролем: {rule.label[0].lower()}{rule.label[1:]}."
