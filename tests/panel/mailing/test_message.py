"""The letter with a resident's payment document: parsed back as a mail client would, and
submitted through the relay to a provider unchanged."""
import datetime as dt
import email
import email.header
import email.policy
import email.utils
import io
import pickle
import re
from decimal import Decimal

import pytest
from pypdf import PasswordType, PdfReader

from daemon.queue import messages
from panel.documents.protection import NoPassword, PasswordRule
from panel.documents.render import render_pdf
from panel.mailing.message import Letter, compose, new_message_id, organisation_title
from panel.validation import Invalid
from tests.conftest import PASSWORD, SENDER, send
from tests.seed_document import seed_document

MOSCOW = dt.timezone(dt.timedelta(hours=3))
DATE = dt.datetime(2013, 8, 1, 10, 30, tzinfo=MOSCOW)
MESSAGE_ID = "<epd.2013-07.000000001001.0123456789abcdef0123@example.test>"
ASCII_NAME = "EPD_000000001001_2013-07.pdf"
RUSSIAN_NAME = "Платежный документ 000000001001 Июль 2013.pdf"
OWN_TEXT = ("Вопросы по начислениям: +7 495 000-00-00, пн–пт 9:00–18:00.\n\n"
            "Оплатить можно в любом банке, по QR-коду в документе.")


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(seed_document())


def seed_letter(pdf: bytes, **changes) -> Letter:
    document = seed_document()
    values = dict(
        sender_name="Бухгалтерия УК «Тихий океан»", sender_address=SENDER,
        recipient_address="resident@example.ru", account_number=document.account_number,
        period=document.period, organisation_name=document.recipient.name,
        organisation_kind=document.recipient.kind, total_for_period=document.total_for_period,
        amount_due=document.amount_due, organisation_text=OWN_TEXT, pdf=pdf,
    )
    return Letter(**values | changes)


def parsed(content: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.default)


def text_of(message) -> str:
    part = message.get_body(("plain",))
    assert part.get_content_type() == "text/plain" and part.get_content_charset() == "utf-8"
    assert part["Content-Transfer-Encoding"] in ("base64", "quoted-printable")
    return part.get_content().replace("\r\n", "\n")  # text is sent with CRLF line ends (RFC 2046)


def attachment_of(message):
    [attachment] = message.iter_attachments()
    return attachment


def sender_of(content: bytes) -> tuple[str, str]:
    """(name, address) as RFC 2047 6.2 has them read: the space between two encoded words is
    no part of the text. (Python's own address parser kept it until gh-128110.)"""
    raw = email.message_from_bytes(content, policy=email.policy.compat32)["From"]
    name, _, address = str(email.header.make_header(email.header.decode_header(raw))).rpartition(" <")
    return name, address.removesuffix(">")


def test_the_headers_name_the_sender_the_resident_the_account_and_the_period(pdf):
    content = compose(seed_letter(pdf), MESSAGE_ID, DATE)
    message = parsed(content)
    assert sender_of(content) == ("Бухгалтерия УК «Тихий океан»", SENDER)
    assert message["To"] == "resident@example.ru"
    assert message["Subject"] == (
        'Платежный документ за Июль 2013 г., лицевой счет 000000001001 — УК "Тихий океан"')
    assert message["Date"] == "Thu, 01 Aug 2013 10:30:00 +0300"
    assert message["Date"].datetime == DATE
    assert message["Message-ID"] == MESSAGE_ID
    assert message["MIME-Version"] == "1.0"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert message["Precedence"] is None
    assert message.get_content_type() == "multipart/mixed"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "application/pdf"]
    assert not message.defects and not any(part.defects for part in message.walk())


def test_the_text_names_the_account_the_period_the_organisation_and_the_amounts(pdf):
    body = text_of(parsed(compose(seed_letter(pdf), MESSAGE_ID, DATE)))
    assert body == (
        "Здравствуйте!\n\n"
        'УК "Тихий океан" направляет платежный документ за Июль 2013 г.\n\n'
        "Лицевой счет: 000000001001\n"
        "Расчетный период: Июль 2013\n"
        "Итого к оплате за расчетный период: 2 447,90 руб.\n"
        "Итого к оплате с учетом аванса: 0,00 руб. — оплачивать ничего не нужно.\n\n"
        f"Платежный документ приложен к письму: файл PDF «{ASCII_NAME}».\n\n"
        f"{OWN_TEXT}\n\n"
        'УК "Тихий океан"\n'
        "Письмо отправлено автоматически.\n"
    )


@pytest.mark.parametrize("total, due, lines", [
    ("2447.90", "2447.90", ["Итого к оплате за расчетный период: 2 447,90 руб."]),
    ("2447.90", "3447.90", ["Итого к оплате за расчетный период: 2 447,90 руб.",
                            "Итого к оплате с учетом аванса: 3 447,90 руб."]),
    ("0.00", "0.00", ["Итого к оплате за расчетный период: 0,00 руб. — оплачивать ничего не нужно."]),
    ("100.00", "-137.68", ["Итого к оплате за расчетный период: 100,00 руб.",
                           "Итого к оплате с учетом аванса: -137,68 руб. — оплачивать ничего не нужно."]),
])
def test_the_amounts_are_the_documents_own(pdf, total, due, lines):
    letter = seed_letter(pdf, total_for_period=Decimal(total), amount_due=Decimal(due))
    body = text_of(parsed(compose(letter, MESSAGE_ID, DATE)))
    found = [line for line in body.splitlines() if line.startswith("Итого")]
    assert found == lines


def test_without_its_own_text_or_a_sender_name_the_letter_says_what_it_must(pdf):
    letter = seed_letter(pdf, organisation_text="", sender_name="  ")
    content = compose(letter, MESSAGE_ID, DATE)
    message = parsed(content)
    assert sender_of(content) == ('УК "Тихий океан"', SENDER)
    body = text_of(message)
    assert OWN_TEXT not in body and "\n\n\n" not in body
    assert body.endswith(f"«{ASCII_NAME}».\n\n" 'УК "Тихий океан"\nПисьмо отправлено автоматически.\n')


def test_the_organisations_text_keeps_its_lines_and_long_ones_are_encoded(pdf):
    own = "Оплата: https://example.ru/pay?" + "account=000000001001&" * 20 + "\r\n\r\nТелефон: 8 800 000-00-00   "
    message = parsed(compose(seed_letter(pdf, organisation_text=own), MESSAGE_ID, DATE))
    assert "\nТелефон: 8 800 000-00-00\n\nУК" in text_of(message)
    encoded = message.get_body(("plain",)).get_payload()
    assert max(len(line) for line in encoded.splitlines()) <= 78


def test_the_attachment_is_the_pdf_with_an_ascii_file_name_and_a_russian_one(pdf):
    content = compose(seed_letter(pdf), MESSAGE_ID, DATE)
    attachment = attachment_of(parsed(content))
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_content() == pdf
    assert attachment.get_param("name") == ASCII_NAME  # Content-Type's name
    # On the wire: the plain filename first (RFC 6266 appendix D), in ASCII; then filename*.
    assert (
        b"Content-Disposition: attachment;\r\n"
        b' filename="EPD_000000001001_2013-07.pdf";\r\n'
        b" filename*=UTF-8''%D0%9F%D0%BB%D0%B0%D1%82%D0%B5%D0%B6%D0%BD%D1%8B%D0%B9%20"
        b"%D0%B4%D0%BE%D0%BA%D1%83%D0%BC%D0%B5%D0%BD%D1%82%20000000001001%20"
        b"%D0%98%D1%8E%D0%BB%D1%8C%202013.pdf\r\n"
    ) in content
    # A reader that takes the first filename (Python's own) gets the ASCII one; one that
    # reads RFC 2231 and prefers it, as RFC 6266 4.3 says, gets the Russian one.
    assert attachment.get_filename() == ASCII_NAME
    [_, raw] = email.message_from_bytes(content, policy=email.policy.compat32).get_payload()
    names = [value for key, value in raw.get_params(header="content-disposition") if key == "filename"]
    assert names[0] == ASCII_NAME
    assert names[1][0] == "UTF-8" and email.utils.collapse_rfc2231_value(names[1]) == RUSSIAN_NAME


def test_with_a_password_rule_the_attachment_opens_only_with_the_password(pdf):
    letter = seed_letter(pdf, password_rule="last_4_digits")  # as the organisations table has it
    message = parsed(compose(letter, MESSAGE_ID, DATE))
    body = text_of(message)
    assert ("Файл платежного документа защищен паролем: последние 4 цифры номера лицевого счета.\n\n"
            + OWN_TEXT) in body
    assert not re.search(r"(?<!\d)1001(?!\d)", body)  # the rule, never the password

    encrypted = attachment_of(message).get_content()
    assert encrypted != pdf
    reader = PdfReader(io.BytesIO(encrypted))
    assert reader.is_encrypted and reader.decrypt("0000") == PasswordType.NOT_DECRYPTED
    reader = PdfReader(io.BytesIO(encrypted))
    assert reader.decrypt("1001") == PasswordType.USER_PASSWORD
    assert "000000001001" in reader.pages[0].extract_text()


def test_an_account_the_rule_gives_no_password_is_refused_with_the_reason(pdf):
    letter = seed_letter(pdf, account_number="А-12", password_rule=PasswordRule.LAST_4_DIGITS)
    with pytest.raises(NoPassword, match="меньше 4 цифр"):
        compose(letter, MESSAGE_ID, DATE)


def test_every_line_ends_in_crlf_is_ascii_and_fits_smtp(pdf):
    for rule in PasswordRule:
        content = compose(seed_letter(pdf, password_rule=rule), MESSAGE_ID, DATE)
        assert content.isascii()
        assert content.endswith(b"\r\n")
        assert b"\r" not in content.replace(b"\r\n", b"") and b"\n" not in content.replace(b"\r\n", b"")
        lines = content.split(b"\r\n")
        assert max(len(line) for line in lines) <= 998
        headers = content.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        assert max(len(line) for line in headers) <= 78  # the top-level headers fold


def test_cyrillic_domains_are_sent_in_their_ascii_form(pdf):
    letter = seed_letter(pdf, sender_address="uk@почта.рф", recipient_address="Resident@Почта.РФ")
    content = compose(letter, new_message_id(letter.sender_domain), DATE)
    message = parsed(content)
    assert sender_of(content)[1] == "uk@xn--80a1acny.xn--p1ai"
    assert message["To"] == "Resident@xn--80a1acny.xn--p1ai"
    assert message["Message-ID"].endswith("@xn--80a1acny.xn--p1ai>")


def test_what_is_no_address_is_refused(pdf):
    with pytest.raises(Invalid, match="Неверный адрес электронной почты"):
        compose(seed_letter(pdf, recipient_address="жилец@example.ru"), MESSAGE_ID, DATE)
    with pytest.raises(Invalid):
        compose(seed_letter(pdf, recipient_address="resident@example.ru\r\nBcc: x@example.ru"), MESSAGE_ID, DATE)


def test_the_date_needs_a_time_zone_and_the_message_id_its_form(pdf):
    with pytest.raises(ValueError, match="time zone"):
        compose(seed_letter(pdf), MESSAGE_ID, dt.datetime(2013, 8, 1, 10, 30))
    for wrong in ("epd.1@example.test", "<epd 1@example.test>", "<epd.1>", "<эпд@example.test>"):
        with pytest.raises(ValueError, match="not a Message-ID"):
            compose(seed_letter(pdf), wrong, DATE)


def test_message_ids_are_unique_and_name_the_period_and_the_account():
    made = {new_message_id("Example.RU", period="2013-07", account_number="000000001001") for _ in range(1000)}
    assert len(made) == 1000
    for message_id in made:
        assert re.fullmatch(r"<epd\.2013-07\.000000001001\.[0-9a-f]{20}@example\.ru>", message_id), message_id
    assert re.fullmatch(r"<epd\.[0-9a-f]{20}@example\.ru>", new_message_id("example.ru"))
    odd = new_message_id("example.ru", period="2013-07", account_number="12/34 кв.5")
    assert re.fullmatch(r"<epd\.2013-07\.12_34_5\.[0-9a-f]{20}@example\.ru>", odd), odd


def test_the_organisation_is_named_with_its_kind_when_its_name_does_not_say_it(pdf):
    def title(name: str, kind: str) -> str:
        return organisation_title(seed_letter(pdf, organisation_name=name, organisation_kind=kind))

    assert title('УК "Тихий океан"', "УК") == 'УК "Тихий океан"'
    assert title("Тихий океан", "УК") == "УК Тихий океан"
    assert title('ООО "УК Жилсервис"', "УК") == 'ООО "УК Жилсервис"'
    assert title("Управляющая компания «Уют»", "УК") == "Управляющая компания «Уют»"
    assert title("Товарищество собственников жилья «Рассвет»", "ТСЖ") == "Товарищество собственников жилья «Рассвет»"
    assert title("Рассвет", "ТСЖ") == "ТСЖ Рассвет"
    assert title("УКРАИНСКАЯ 5", "ТСЖ") == "ТСЖ УКРАИНСКАЯ 5"


def test_a_letter_goes_to_job_processes_and_money_is_decimal(pdf):
    letter = seed_letter(pdf)
    assert pickle.loads(pickle.dumps(letter)) == letter
    assert pickle.loads(pickle.dumps(compose)) is compose
    with pytest.raises(TypeError, match="Decimal"):
        seed_letter(pdf, amount_due=2447.90)
    with pytest.raises(Invalid):
        seed_letter(pdf, period="07.2013")
    with pytest.raises(ValueError):
        seed_letter(pdf, password_rule="birthday")


async def test_the_relay_takes_the_letter_and_the_provider_gets_it_unchanged(pdf, upstream, make_config,
                                                                            start_relay):
    relay = await start_relay(make_config(upstream))
    letter = seed_letter(pdf, password_rule=PasswordRule.LAST_6_DIGITS)
    message_id = new_message_id(letter.sender_domain, period="2013-07", account_number="000000001001")
    content = compose(letter, message_id, DATE)
    code, reply = await send(relay.smtp_port, SENDER, ["resident@example.ru"], content, login=(SENDER, PASSWORD))
    assert code == 250, reply
    [received] = await upstream.wait_for(1)
    assert received.recipients == ["resident@example.ru"]
    assert received.content == content
    # The queue knows the letter by the Message-ID the journal recorded before sending it.
    [record] = (await messages.records_by_message_id(relay.db, [message_id])).values()
    assert record.message_id == message_id and reply.decode().endswith(record.queue_id)
