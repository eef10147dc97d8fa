"""«Отправить по email» in a real browser: from the «Платежный документ» report to the journal's CSV.

The seed's account and two more of its УК (one by e-mail, one by post) with their July 2013
documents; the mail account set up from the Yandex preset against the test's TLS provider,
as the manual's walk does. Then: «Сформировать», «Отправить по email», a wrong password
(the provider's refusal, in Russian, on the form), the right one and its confirmation,
«Продолжить», the run's page refreshing itself until every letter is handed over and
delivered, «Журнал отправки», and «Сохранить» as CSV. Every step is a screenshot under
test-output/screenshots/<test name>/.
"""
import csv
import io
import re
from pathlib import Path
from types import ModuleType

from tests.browser.conftest import Screenshots, ServedRelay
from tests.browser.test_e2e import SEED, Walk, import_seed, log_in_as_first_admin, set_up_mail_account_from_preset
from tests.conftest import PASSWORD
from tests.fake_upstream import FakeUpstream

SEED_CHARGES = Path(__file__).resolve().parents[2] / "examples" / "charges-2013-07.csv"
BY_EMAIL = ("000000001002", "kapitanova_ab@example.ru")
BY_POST = "000000001003"
BUILDING = "Москва, Братиславская, д. 1"  # the seed account's, which the July lines describe
RUN_TIMEOUT_MS = 60_000  # the page refreshes every 3 s; the relay's outcomes are read every 2 s


def more_accounts(directory: Path) -> tuple[Path, Path]:
    """Two more accounts of the seed's УК and their documents: the seed's own July lines."""
    accounts = directory / "accounts-more.csv"
    with open(accounts, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(("Номер лицевого счета", "Плательщик", "Организация", "Помещение",
                         "Здание", "Способ доставки платежного документа", "Электронная почта"))
        writer.writerow((BY_EMAIL[0], "Капитанова Анна Борисовна", SEED["organization"]["name"],
                         "Братиславская, д. 1, кв. 2", BUILDING, "По электронной почте", BY_EMAIL[1]))
        writer.writerow((BY_POST, "Почтовый Петр Петрович", SEED["organization"]["name"],
                         "Братиславская, д. 1, кв. 3", BUILDING, "Почтой", ""))
    rows = list(csv.reader(io.StringIO(SEED_CHARGES.read_bytes().decode("cp1251")), delimiter=";"))
    charges = directory / "charges-more.csv"
    with open(charges, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(rows[0])
        for number in (BY_EMAIL[0], BY_POST):
            writer.writerows([number, *row[1:]] for row in rows[1:] if row)
    return accounts, charges


async def import_more_accounts(walk: Walk, directory: Path) -> None:
    page, expect = walk.page, walk.expect
    for path, result in zip(more_accounts(directory), ("Создано лицевых счетов: 2", "Создано платежных документов: 2")):
        await walk.go_to("Загрузка данных", "/import")
        await page.get_by_label("Файл CSV или XLSX").set_input_files(path)
        await page.get_by_role("button", name="Загрузить").click()
        await expect(page.get_by_role("status")).to_contain_text(result)
        await walk.look(f"imported-{path.name}")


async def open_the_send_form(walk: Walk) -> None:
    """«Платежный документ» → «Сформировать» → «Отправить по email»: what the run will do."""
    page, expect = walk.page, walk.expect
    await walk.go_to("Платежный документ", "/documents")
    await page.get_by_role("button", name="Сформировать").click()
    await expect(page.get_by_role("status")).to_contain_text("Документов: 3")
    await walk.look("documents-formed")
    await page.get_by_role("link", name="Отправить по email").click()
    await page.wait_for_url(re.compile(r"/documents/send\?period=2013-07"))
    await expect(page.get_by_role("heading", name="Отправить по email")).to_be_visible()
    await expect(page.get_by_text("Писем будет отправлено: 2")).to_be_visible()
    await expect(page.get_by_text("Лицевых счетов пропущено: 1")).to_be_visible()
    await walk.look("send-form")


async def type_passwords(walk: Walk, password: str) -> None:
    page = walk.page
    await page.get_by_label("Пароль", exact=True).fill(password)
    await page.get_by_label("Подтверждение пароля").fill(password)


async def a_wrong_password_is_refused_on_the_form(walk: Walk) -> None:
    page, expect = walk.page, walk.expect
    await type_passwords(walk, "wrong-password")
    await walk.look("send-form-wrong-password")
    await page.get_by_role("button", name="Продолжить").click()
    await expect(page.get_by_role("alert")).to_contain_text("Пароль не подошел: почтовый сервер ответил «535")
    await expect(page.get_by_role("heading", name="Отправить по email")).to_be_visible()
    await walk.look("send-form-refused")
    assert walk.upstream.received == []


async def send_and_watch_the_run(walk: Walk) -> None:
    """The right password twice, «Продолжить», then the run's page until it is all done."""
    page, expect = walk.page, walk.expect
    await type_passwords(walk, PASSWORD)
    await page.get_by_role("button", name="Продолжить").click()
    await page.wait_for_url(re.compile(r"/mailing/runs/\d+$"))
    await walk.look("run-started")
    state = page.get_by_role("status").filter(has_text="Состояние:")
    await expect(state).to_contain_text("все письма переданы", timeout=RUN_TIMEOUT_MS)
    delivered = page.get_by_role("row").filter(has_text="Доставлено провайдеру")
    await expect(delivered).to_contain_text("2", timeout=RUN_TIMEOUT_MS)
    await expect(page.get_by_role("row").filter(has_text="Пропущено")).to_contain_text("1")
    await walk.look("run-done")
    received = await walk.upstream.wait_for(2)
    assert sorted(r.recipients[0] for r in received) == sorted([SEED["account"]["email"], BY_EMAIL[1]])


async def read_the_journal_and_save_it(walk: Walk) -> None:
    """«Журнал отправки»: each account's entry; «Сохранить» CSV names them too."""
    page, expect = walk.page, walk.expect
    await walk.go_to("Журнал отправки", "/mailing")
    for number, status in ((SEED["account"]["number"], "доставлено"), (BY_EMAIL[0], "доставлено"),
                           (BY_POST, "пропущен")):
        await expect(page.get_by_role("row").filter(has_text=number)).to_contain_text(status)
    await expect(page.get_by_role("row").filter(has_text=BY_POST)).to_contain_text("Способ доставки: почтой")
    await walk.look("journal")

    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="CSV", exact=True).click()
    download = await downloading.value
    assert re.fullmatch(r"EPD_journal_\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    text = Path(await download.path()).read_bytes().decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text), delimiter=";")
    assert header[2:5] == ["Лицевой счет", "Адрес", "Статус"]
    assert sorted((row[2], row[4]) for row in rows) == [
        (SEED["account"]["number"], "доставлено"), (BY_EMAIL[0], "доставлено"), (BY_POST, "пропущен"),
    ]


async def test_staff_send_the_documents_by_email_and_save_the_journal(
    page, playwright_api: ModuleType, served_relay: ServedRelay, upstream: FakeUpstream,
    screenshots: Screenshots, tmp_path: Path,
):
    walk = Walk(page, playwright_api.expect, served_relay, upstream, screenshots)
    await log_in_as_first_admin(walk)
    await set_up_mail_account_from_preset(walk)
    await import_seed(walk)
    await import_more_accounts(walk, tmp_path)
    await open_the_send_form(walk)
    await a_wrong_password_is_refused_on_the_form(walk)
    await send_and_watch_the_run(walk)
    await read_the_journal_and_save_it(walk)
