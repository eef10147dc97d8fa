"""The e-mail that carries one resident's payment document, as bytes ready for SMTP.

What the seed's step 5 promises: the resident gets the document as a PDF attachment, and
the letter names the personal account number, the billing period and the УК or ТСЖ.

    letter = Letter(sender_name=..., sender_address=..., ..., pdf=render_pdf(document))
    message_id = new_message_id(letter.sender_domain, period=letter.period,
                                account_number=letter.account_number)   # journal it first
    content = compose(letter, message_id, datetime.now().astimezone())  # may raise NoPassword

compose() is a pure, synchronous function of its inputs (no database, no clock; only the
MIME boundary is random), so job processes can call it; with a password rule on it
encrypts the PDF, which is CPU work. Everything it returns is 7-bit, lines end in CRLF and
none is longer than 998 octets: what the relay accepts.
"""
import base64
import datetime as dt
import email.policy
import email.utils
import functools
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from email.headerregistry import Address
from urllib.parse import quote

from panel import validation
from panel.documents.file_name import file_name
from panel.documents.protection import PasswordRule, email_notice, protect
from panel.validation import format_money, period_label

# The headers' policy: SMTP's CRLF and 78-character folding; "7bit" so that what is not
# ASCII goes in encoded words (the letter needs no 8BITMIME anywhere on its way).
POLICY = email.policy.SMTP.clone(cte_type="7bit")
MAX_LINE = 998  # octets, without the CRLF (RFC 5322 2.1.1)

_KIND_NAMES = {"УК": "управляющая компания", "ТСЖ": "товарищество собственников жилья"}
_MESSAGE_ID = re.compile(r"^<[!-;=?-~]+@[!-;=?-~]+>$")  # printable ASCII, no <, > or spaces
_NOT_IN_ID = re.compile(r"[^0-9A-Za-z-]+")
_NOT_IN_NAME = re.compile(r"[^\w .-]+")  # what is left of a number in the Russian file name


@dataclass(frozen=True)
class Letter:
    """Everything one letter says; picklable, for the job processes."""

    sender_name: str         # «Системная учетная запись»: the name (may be empty)
    sender_address: str      # ... and its address: From
    recipient_address: str   # the personal account's e-mail: To
    account_number: str      # "000000001001"
    period: str              # "2013-07"
    organisation_name: str   # 'УК "Тихий океан"'
    organisation_kind: str   # "УК" or "ТСЖ"
    total_for_period: Decimal  # «Итого к оплате за расч. период», as the document prints it
    amount_due: Decimal      # «Итого к оплате с учетом аванса»: PaymentDocument.amount_due
    organisation_text: str   # organisations.email_text: contacts, how to pay; "" when none
    pdf: bytes               # the rendered document, not yet protected
    password_rule: PasswordRule = PasswordRule.OFF

    def __post_init__(self) -> None:
        for amount in (self.total_for_period, self.amount_due):
            if not isinstance(amount, Decimal):
                raise TypeError(f"money is Decimal, not {type(amount).__name__}")
        period_label(self.period)  # raises for anything but "YYYY-MM"
        object.__setattr__(self, "password_rule", PasswordRule(self.password_rule))

    @property
    def sender_domain(self) -> str:
        """The sender's domain in ASCII (IDNA): what new_message_id() wants."""
        return ascii_address(self.sender_address, sender=True).rpartition("@")[2]


def new_message_id(domain: str, *, period: str = "", account_number: str = "") -> str:
    """<epd.2013-07.000000001001.<20 random hex digits>@domain>: unique (80 random bits).

    Made by the caller before compose() so that the journal can record it before the
    message is submitted. Names nothing personal but the account number.
    """
    parts = [_NOT_IN_ID.sub("_", part) for part in (period, account_number) if part]
    return f"<{'.'.join(['epd', *parts, secrets.token_hex(10)])}@{_ascii_domain(domain)}>"


def compose(letter: Letter, message_id: str, date: dt.datetime) -> bytes:
    """The whole message, CRLF line ends; raises NoPassword when the organisation's password
    rule cannot be applied to this account (the caller skips it with that reason).

    The frame is written here: the email package's generator took 3.8 ms a letter, a third
    of the letter's CPU beside its PDF, for two fixed parts. The headers that need encoded
    words are still folded by its policy; tests/panel/mailing/test_message.py reads the
    result back with the email package.
    """
    if date.utcoffset() is None:
        raise ValueError("the Date needs a time zone: pass e.g. datetime.now().astimezone()")
    if not _MESSAGE_ID.match(message_id):
        raise ValueError(f"not a Message-ID: {message_id!r}")
    pdf = protect(letter.pdf, letter.password_rule, letter.account_number)
    boundary = f"=_epd_{secrets.token_hex(12)}"
    ascii_name = file_name(letter.account_number, letter.period)
    return b"".join([
        _from_header(_one_line(letter.sender_name) or organisation_title(letter), ascii_address(letter.sender_address, sender=True)),
        f"To: {ascii_address(letter.recipient_address)}\r\n".encode(),  # ASCII, at most 254 octets
        _header("Subject", subject(letter)),
        f"Date: {email.utils.format_datetime(date)}\r\nMessage-ID: {message_id}\r\n".encode(),
        b"MIME-Version: 1.0\r\n",
        # RFC 3834: vacation responders and other auto-replies stay quiet.
        b"Auto-Submitted: auto-generated\r\n",
        # Exchange and Outlook ignore Auto-Submitted for their out-of-office replies; this asks
        # them for none (and leaves their delivery reports alone: the bounces are wanted).
        b"X-Auto-Response-Suppress: OOF, AutoReply\r\n",
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode(),
        f"--{boundary}\r\n".encode(),
        b'Content-Type: text/plain; charset="utf-8"\r\n',
        b"Content-Transfer-Encoding: base64\r\n\r\n",
        _base64_lines(body(letter).replace("\n", "\r\n").encode()),
        f"--{boundary}\r\n".encode(),
        f'Content-Type: application/pdf; name="{ascii_name}"\r\n'.encode(),
        b"Content-Transfer-Encoding: base64\r\n",
        _content_disposition(ascii_name, attachment_display_name(letter)),
        b"\r\n",
        _base64_lines(pdf),
        f"--{boundary}--\r\n".encode(),
    ])


def subject(letter: Letter) -> str:
    """«Платежный документ за Июль 2013 г., лицевой счет 000000001001 — УК "Тихий океан"»."""
    return (f"Платежный документ за {period_label(letter.period)} г.,"
            f" лицевой счет {_one_line(letter.account_number)} — {organisation_title(letter)}")


def body(letter: Letter) -> str:
    """The letter's text: what it is, the figures, the attachment, the organisation's own text."""
    title = organisation_title(letter)
    label = period_label(letter.period)
    paragraphs = [
        "Здравствуйте!",
        f"{title} направляет платежный документ за {label} г.",
        "\n".join([
            f"Лицевой счет: {_one_line(letter.account_number)}",
            f"Расчетный период: {label}",
            *_amount_lines(letter.total_for_period, letter.amount_due),
        ]),
        "\n".join(filter(None, [
            f"Платежный документ приложен к письму: файл PDF"
            f" «{file_name(letter.account_number, letter.period)}».",
            email_notice(letter.password_rule),
        ])),
    ]
    if own := _organisation_text(letter.organisation_text):
        paragraphs.append(own)
    paragraphs.append(f"{title}\nПисьмо отправлено автоматически.")
    return "\n\n".join(paragraphs) + "\n"


def organisation_title(letter: Letter) -> str:
    """The name as it is when it says what the organisation is ('УК "Тихий океан"', «ТСЖ
    "Кленовая аллея"», «Управляющая компания "Уют"»); otherwise with the kind in front."""
    name = _one_line(letter.organisation_name)
    kind = letter.organisation_kind
    says_kind = re.search(rf"(?<!\w){re.escape(kind)}(?!\w)", name) if kind else True
    long_name = _KIND_NAMES.get(kind)
    if says_kind or (long_name and long_name in name.casefold()):
        return name
    return f"{kind} {name}"


def attachment_display_name(letter: Letter) -> str:
    """«Платежный документ 000000001001 Июль 2013.pdf»: what clients that read RFC 2231 show."""
    number = _NOT_IN_NAME.sub("_", _one_line(letter.account_number)).strip("_ ") or "без номера"
    return f"Платежный документ {number} {period_label(letter.period)}.pdf"


def ascii_address(address: str, *, sender: bool = False) -> str:
    """An address checked as the panel checks it, its domain in ASCII: user@xn--80a1acny.xn--p1ai.

    Raises validation.Invalid (its text in Russian) for what is no address; a local part
    beyond ASCII is refused there too (it would need SMTPUTF8 all the way). The ``sender``
    (the mail account's own address, which the relay checks at MAIL FROM) may have a
    domain without a dot: relay@localhost while mail is captured locally.
    """
    local, _, domain = validation.email(address, single_label_domain=sender).rpartition("@")
    return f"{local}@{_ascii_domain(domain)}"


def _ascii_domain(domain: str) -> str:
    name = domain.strip().rstrip(".").lower()
    if not name:
        raise ValueError("no domain")
    return name.encode("idna").decode("ascii")


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _amount_lines(total_for_period: Decimal, amount_due: Decimal) -> list[str]:
    """The document's own totals, in its words; the second only when an advance changes it."""
    nothing_due = " — оплачивать ничего не нужно." if amount_due <= 0 else ""
    if amount_due == total_for_period:
        return [f"Итого к оплате за расчетный период: {format_money(amount_due)} руб.{nothing_due}"]
    return [f"Итого к оплате за расчетный период: {format_money(total_for_period)} руб.",
            f"Итого к оплате с учетом аванса: {format_money(amount_due)} руб.{nothing_due}"]


def _organisation_text(value: str) -> str:
    """The organisation's text with its line breaks, trailing spaces and outer blank lines gone."""
    return "\n".join(line.rstrip() for line in value.splitlines()).strip("\n")


def _header(name: str, value: str) -> bytes:
    """One header, in encoded words where it is not ASCII, folded to 78 characters."""
    return POLICY.fold_binary(name, POLICY.header_factory(name, value))


@functools.lru_cache(maxsize=64)
def _from_header(display_name: str, address: str) -> bytes:
    """The same for every letter of a run: folded once."""
    return _header("From", str(Address(display_name=display_name, addr_spec=address)))


def _base64_lines(data: bytes) -> bytes:
    """Base64 in lines of 76 characters (RFC 2045 6.8), each ending in CRLF."""
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _content_disposition(ascii_name: str, display_name: str) -> bytes:
    """The ASCII file name, and the Russian one for clients that read RFC 2231 (filename*).

    Both are written, the plain one first, as RFC 6266 (appendix D) advises: a reader that
    knows filename* prefers it, and one that does not is not misled by it. (The email package
    keeps only one of the two, taking them for the same parameter.)
    """
    parameters = ["attachment", f'filename="{ascii_name}"']
    extended = f"filename*=UTF-8''{quote(display_name, safe='')}"
    if len(" " + extended) <= MAX_LINE:
        parameters.append(extended)
    return ("Content-Disposition: " + ";\r\n ".join(parameters) + "\r\n").encode()
