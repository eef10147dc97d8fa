"""The optional password on the e-mailed PDF: a real PDF, encrypted, opened with pypdf."""
import io

import pytest
from pypdf import PdfReader, PasswordType
from reportlab.pdfgen.canvas import Canvas

from panel.documents.protection import NoPassword, PasswordRule, email_notice, password, protect

NUMBER = "000000001001"


def a_pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.mark.parametrize("rule, right", [(PasswordRule.LAST_4_DIGITS, "1001"), (PasswordRule.LAST_6_DIGITS, "001001")])
def test_an_encrypted_pdf_opens_only_with_the_right_password(rule, right):
    original = a_pdf(f"Personal account {NUMBER}, July 2013: 2447.90")
    encrypted = protect(original, rule, NUMBER)
    assert encrypted != original and b"2447.90" not in encrypted

    reader = PdfReader(io.BytesIO(encrypted))
    assert reader.is_encrypted
    encryption = reader.trailer["/Encrypt"]
    assert (encryption["/V"], encryption["/R"], encryption["/CF"]["/StdCF"]["/CFM"]) == (5, 6, "/AESV3")  # AES-256
    for wrong in ("", "1000", "0001001", NUMBER, right[:-1]):
        assert reader.decrypt(wrong) == PasswordType.NOT_DECRYPTED, wrong

    reader = PdfReader(io.BytesIO(encrypted))
    assert reader.decrypt(right) == PasswordType.USER_PASSWORD
    assert reader.pages[0].extract_text().strip() == f"Personal account {NUMBER}, July 2013: 2447.90"


def test_with_the_rule_off_the_bytes_are_unchanged():
    original = a_pdf("Personal account 1")
    assert protect(original, PasswordRule.OFF, NUMBER) is original
    assert email_notice(PasswordRule.OFF) == ""


def test_only_ascii_digits_of_the_number_count():
    assert password(PasswordRule.LAST_4_DIGITS, "ЛС 12-34/5") == "2345"
    assert password(PasswordRule.OFF, "") is None
    with pytest.raises(NoPassword) as short:
        password(PasswordRule.LAST_6_DIGITS, "ЛС-12345")
    assert str(short.value) == (
        "В номере лицевого счета «ЛС-12345» меньше 6 цифр: пароль по правилу"
        " «Последние 6 цифр номера лицевого счета» не составить")


def test_the_email_names_the_rule_not_the_password():
    assert email_notice(PasswordRule.LAST_4_DIGITS) == (
        "Файл платежного документа защищен паролем: последние 4 цифры номера лицевого счета.")
    assert "1001" not in email_notice(PasswordRule.LAST_4_DIGITS)
