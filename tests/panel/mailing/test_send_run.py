"""«Отправить по email» over real HTTP, through the relay to the test's TLS provider."""
import email
import email.policy
import html
import re

from pypdf import PdfReader

from tests.conftest import PASSWORD, SENDER
from tests.panel.documents.sample import account_number

EMAIL_ACCOUNTS = [index for index in range(9) if index % 3 == 0]  # import_sample: every third by e-mail


def text_of(page) -> str:
    """What a person reads: no tags, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text))).replace(" ,", ",")


async def start_run(sending, password: str = PASSWORD, again: str | None = None, **form) -> object:
    page = await sending.client.get("/documents/send?period=2013-07")
    assert page.status == 200, page.text
    data = {"period": "2013-07", "password": password, "password_again": password if again is None else again, **form}
    return await sending.client.post("/documents/send", data, page.csrf_token)


async def test_the_form_asks_for_the_password_twice_and_says_what_will_happen(sending):
    page = await sending.client.get("/documents/send?period=2013-07")
    text = text_of(page)
    assert "Писем будет отправлено: 3" in text and "Лицевых счетов пропущено: 6" in text
    assert f"<{SENDER}>" in text and "не запомнен" in text
    differ = await start_run(sending, again="something else")
    assert differ.status == 400 and "Пароль и подтверждение не совпадают" in differ.text
    wrong = await start_run(sending, password="wrong-password")
    assert wrong.status == 400 and "Пароль не подошел: почтовый сервер ответил «535" in text_of(wrong)
    assert sending.upstream.received == []


async def test_each_email_account_gets_one_letter_with_its_document(sending, tmp_path):
    page = await start_run(sending)
    assert page.status == 200 and re.fullmatch(r"/mailing/runs/\d+", page.path), page.text
    await sending.delivered()

    received = sending.upstream.received
    assert sorted(r.recipients[0] for r in received) == [f"resident{index}@example.ru" for index in EMAIL_ACCOUNTS]
    for letter in received:
        message = email.message_from_bytes(letter.content, policy=email.policy.default)
        number = account_number(int(letter.recipients[0].removeprefix("resident").split("@")[0]))
        assert number in message["Subject"] and "Июль 2013" in message["Subject"]
        [attachment] = message.iter_attachments()
        pdf = attachment.get_content()
        assert f"№ л/сч {number}" in PdfReader(__import__("io").BytesIO(pdf)).pages[0].extract_text().replace("\n", " ")
        assert letter.login == SENDER

    run_page = text_of(await sending.client.get(page.path))
    assert "все письма переданы" in run_page
    assert "Доставлено провайдеру 3 " in run_page
    journal = text_of(await sending.client.get("/mailing?status=skipped"))
    assert journal.count("Способ доставки: почтой") == 3 and journal.count("Способ доставки: лично") == 3
    delivered = text_of(await sending.client.get("/mailing?status=delivered"))
    assert all(account_number(index) in delivered for index in EMAIL_ACCOUNTS)
    assert "Ответ: 250" in delivered


async def test_a_period_sent_once_is_not_sent_again_unless_confirmed(sending):
    await start_run(sending)
    await sending.delivered()
    page = await sending.client.get("/documents/send?period=2013-07")
    assert "За этот период документы уже отправлялись: 3" in text_of(page)
    again = await start_run(sending)
    assert again.status == 400 and "отправлять некому" in text_of(again)
    resent = await start_run(sending, resend="1")
    assert re.fullmatch(r"/mailing/runs/\d+", resent.path)
    await sending.delivered()
    assert len(sending.upstream.received) == 6
    assert "повторная" in text_of(await sending.client.get("/mailing"))
