"""«Отправить по email» over real HTTP, through the relay to the test's TLS provider."""
import asyncio
import email
import email.policy
import html
import re
import time
from dataclasses import replace

from pypdf import PdfReader

from daemon.provider import mail_account
from panel import keys
from panel.mailing import journal
from panel.mailing.journal import EntryStatus
from tests.conftest import PASSWORD, SENDER
from tests.panel.conftest import OPERATOR
from tests.panel.documents.sample import account_number, import_sample

EMAIL_ACCOUNTS = [index for index in range(9) if index % 3 == 0]  # import_sample: every third by e-mail


async def import_more(sending, count: int) -> None:
    """More accounts, as many by e-mail as by post or in person (import_sample's pattern)."""
    await import_sample(sending.relay.panel.db, count)


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


async def test_an_address_on_a_cyrillic_domain_gets_its_letter(sending):
    """The envelope carries the domain as the To header does, in IDNA: SMTP commands are ASCII."""
    db = sending.relay.panel.db
    await db.execute("UPDATE personal_accounts SET email = 'resident0@почта.рф' WHERE email = 'resident0@example.ru'")
    await start_run(sending)
    await sending.delivered()
    received = {r.recipients[0]: r for r in sending.upstream.received}
    assert sorted(received) == sorted(["resident0@xn--80a1acny.xn--p1ai"]
                                      + [f"resident{index}@example.ru" for index in EMAIL_ACCOUNTS[1:]])
    message = email.message_from_bytes(received["resident0@xn--80a1acny.xn--p1ai"].content, policy=email.policy.default)
    assert message["To"] == "resident0@xn--80a1acny.xn--p1ai"


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


async def test_the_provider_saying_later_defers_then_delivers(sending):
    sending.upstream.behaviour.mail_reply = "451 4.7.1 Greylisted, try again"
    await start_run(sending)
    await sending.delivered()
    deferred = text_of(await sending.client.get("/mailing?status=deferred"))
    assert "Greylisted, try again" in deferred and "следующая попытка" in deferred
    sending.upstream.behaviour.mail_reply = None
    await sending.delivered(later=3600)
    delivered = text_of(await sending.client.get("/mailing?status=delivered"))
    assert all(account_number(index) in delivered for index in EMAIL_ACCOUNTS)


async def test_the_provider_refusing_fails_the_letters_with_its_words_and_stops_the_run(sending):
    """Five letters a minute: the relay delivers the first ones while the run waits for the next minute."""
    await import_more(sending, 30)
    await limit_to_five_a_minute(sending)
    sending.upstream.behaviour.rcpt_replies = {
        f"resident{index}@example.ru": "550 5.7.1 Mailbox blocked for spam" for index in range(100)
    }
    page = await start_run(sending)
    async with asyncio.timeout(30):
        while (await journal.counts(sending.relay.panel.db, 1))[EntryStatus.QUEUED] < 5:
            await asyncio.sleep(0.05)
    await sending.relay.worker.run_once(time.time())
    await sending.mailing.turn()  # the relay's outcomes: five refusals out of five
    await sending.mailing.wait_idle()
    failed = text_of(await sending.client.get("/mailing?status=failed"))
    assert "550 5.7.1 Mailbox blocked for spam" in failed
    run = text_of(await sending.client.get(page.path))
    assert "остановлена" in run and "провайдер отказал в приеме 5 из последних 5 писем" in run
    assert "ожидает отправки" in text_of(await sending.client.get("/mailing?status=pending"))


async def limit_to_five_a_minute(sending) -> None:
    account = replace(mail_account.from_config(sending.relay.settings.current), per_minute=5, per_day=0)
    await mail_account.save(sending.relay.db, account, time.time())


async def test_a_restart_asks_for_the_password_again_then_goes_on(sending, make_config, start_relay):
    sending.upstream.behaviour.hang_greeting = None
    page = await start_run(sending)
    await sending.mailing.pause(int(page.path.rsplit("/", 1)[1]))
    await sending.mailing.wait_idle()
    await sending.relay.stop()
    relay = await start_relay(sending.relay.settings.file, run_worker=False)
    client = sending.client.__class__(relay.panel_url)
    try:
        await client.login(*OPERATOR)
        run_id = page.path.rsplit("/", 1)[1]
        form = await client.get(page.path)
        await client.post(f"/mailing/runs/{run_id}/resume", {}, form.csrf_token)
        mailing = relay.panel.web.runner.app[keys.MAILING]
        await mailing.wait_idle()
        waiting = text_of(await client.get(page.path))
        assert "ждет пароль" in waiting and "Введите пароль учетной записи почты" in waiting
        wrong = await client.post(f"/mailing/runs/{run_id}/password",
                                  {"password": "nope", "password_again": "nope"}, form.csrf_token)
        assert wrong.status == 400 and "Пароль не подошел" in text_of(wrong)
        await client.post(f"/mailing/runs/{run_id}/password",
                          {"password": PASSWORD, "password_again": PASSWORD}, form.csrf_token)
        await mailing.wait_idle()
        await relay.worker.run_once(time.time())
        await mailing.turn()
        assert "все письма переданы" in text_of(await client.get(page.path))
    finally:
        await client.close()


async def test_the_journal_is_saved_as_csv_and_xlsx_with_its_filters(sending, tmp_path):
    await start_run(sending)
    await sending.delivered()
    async with sending.client.http.get("/mailing/journal.csv?status=delivered") as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
        csv_text = (await response.read()).decode("utf-8-sig")
    rows = [line.split(";") for line in csv_text.strip().splitlines()]
    assert rows[0][:5] == ["Рассылка", "Период", "Лицевой счет", "Адрес", "Статус"]
    assert sorted(row[2] for row in rows[1:]) == [account_number(index) for index in EMAIL_ACCOUNTS]
    assert {row[4] for row in rows[1:]} == {"доставлено"}
    async with sending.client.http.get("/mailing/journal.xlsx") as response:
        assert response.status == 200
        (tmp_path / "journal.xlsx").write_bytes(await response.read())
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "journal.xlsx").active
    assert sheet.max_row == 1 + 9 and sheet.cell(1, 3).value == "Лицевой счет"


async def test_povtorit_neotpravlennye_sends_the_failed_letters_again(sending):
    sending.upstream.behaviour.rcpt_replies = {"resident3@example.ru": "550 5.1.1 No such user"}
    page = await start_run(sending)
    await sending.delivered()
    run_id = page.path.rsplit("/", 1)[1]
    run = await sending.client.get(page.path)
    assert "Повторить неотправленные" in run.text
    sending.upstream.behaviour.rcpt_replies = {}
    await sending.client.post(f"/mailing/runs/{run_id}/retry", {}, run.csrf_token)
    await sending.mailing.turn()
    await sending.delivered()
    resent = [r for r in sending.upstream.received if r.recipients == ["resident3@example.ru"]]
    assert len(resent) == 1
    delivered = text_of(await sending.client.get(f"/mailing?run={run_id}&status=delivered"))
    assert f"{account_number(3)}" in delivered and "(повторно)" in delivered


async def use_sender_address(sending, address: str) -> None:
    """As config.toml or an older saved account may have it: the panel's form would refuse it."""
    saved = await mail_account.load(sending.relay.db) or mail_account.from_config(sending.relay.settings.current)
    await mail_account.save(sending.relay.db, replace(saved, address=address), time.time())


async def test_a_sender_address_no_letter_can_go_from_is_named_before_anything_is_sent(sending):
    await use_sender_address(sending, "бухгалтерия@example.ru")
    expected = "Отправитель: Неверный адрес электронной почты: бухгалтерия@example.ru"
    form = text_of(await sending.client.get("/documents/send?period=2013-07"))
    assert expected in form and "Учетные записи электронной почты" in form
    refused = await start_run(sending)
    assert refused.status == 400 and expected in text_of(refused)
    assert await journal.runs_in(sending.relay.panel.db, tuple(journal.RunState)) == []
    assert sending.upstream.received == []


async def test_a_run_whose_sender_address_went_bad_stops_saying_why_and_goes_on_once_mended(sending):
    await import_more(sending, 30)  # 10 letters: the run waits for the next minute after five
    await limit_to_five_a_minute(sending)
    page = await start_run(sending)
    run_id = int(page.path.rsplit("/", 1)[1])
    async with asyncio.timeout(30):
        while (await journal.counts(sending.relay.panel.db, run_id))[EntryStatus.QUEUED] < 5:
            await asyncio.sleep(0.05)
    await sending.mailing.pause(run_id)
    await sending.mailing.wait_idle()
    await use_sender_address(sending, "бухгалтерия@example.ru")
    await sending.mailing.resume(run_id)
    await sending.mailing.turn()
    await sending.mailing.wait_idle()
    stopped = text_of(await sending.client.get(page.path))
    assert "остановлена" in stopped and "Неверный адрес электронной почты: бухгалтерия@example.ru" in stopped
    assert "Учетные записи электронной почты" in stopped and "Внутренняя ошибка" not in stopped
    assert (await journal.counts(sending.relay.panel.db, run_id))[EntryStatus.QUEUED] == 5

    await use_sender_address(sending, SENDER)
    await mail_account.save(sending.relay.db, replace(await mail_account.load(sending.relay.db), per_minute=0),
                            time.time())
    await sending.mailing.resume(run_id)
    await sending.mailing.turn()
    await sending.mailing.wait_idle()
    await sending.delivered()
    assert "все письма переданы" in text_of(await sending.client.get(page.path))
    assert len(sending.upstream.received) == 10
