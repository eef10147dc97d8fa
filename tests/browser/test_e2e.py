"""The seed manual's path through the panel, in a real browser, as office staff walk it.

Log in as the first admin, set up «Системная учетная запись» from a preset and check it
against a TLS provider made in the test, import the seed's accounts and charges, see the
organisation and write its «Текст письма жильцам», open the account's card and see
«Способ доставки платежного документа», form the «Платежный документ» report, open a
document as PDF and print the period («На принтер»).
Every page visited is saved under test-output/screenshots/<test name>/.
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.browser.conftest import REPO, Screenshots, ServedRelay
from tests.conftest import PASSWORD, SENDER
from tests.fake_upstream import FakeUpstream

SEED = json.loads((REPO / "tests" / "fixtures" / "seed_july_2013.json").read_text(encoding="utf-8"))
EXAMPLES = REPO / "examples"


@dataclass
class Walk:
    page: Any                # playwright.async_api.Page
    expect: Any              # playwright.async_api.expect
    relay: ServedRelay
    upstream: FakeUpstream
    shots: Screenshots

    async def look(self, name: str) -> None:
        """The page has settled: keep a picture of it."""
        await self.page.wait_for_load_state("load")
        await self.shots.take(self.page, name)

    async def go_to(self, link: str, path: str) -> None:
        """Follow a link of the menu at the top, as a person would."""
        await self.page.get_by_role("navigation").get_by_role("link", name=link).click()
        await self.page.wait_for_url(path)


async def log_in_as_first_admin(walk: Walk) -> None:
    page, expect = walk.page, walk.expect
    await page.goto("/")
    await expect(page.get_by_role("heading", name="Вход в epd-relay")).to_be_visible()
    await walk.look("login")

    await page.get_by_label("Пользователь").fill("admin")
    await page.get_by_label("Пароль").fill(walk.relay.admin_password)
    await page.get_by_role("button", name="Войти").click()

    await page.wait_for_url("/")
    await expect(page.get_by_text("admin (администратор)")).to_be_visible()
    await expect(page.get_by_role("heading", name="Лицевые счета")).to_be_visible()
    await walk.look("home")


async def set_up_mail_account_from_preset(walk: Walk) -> None:
    """«Учетные записи электронной почты»: the Yandex preset, then the test's provider; the check."""
    page, expect = walk.page, walk.expect
    await walk.go_to("Учетные записи электронной почты", "/mail-account")
    await walk.look("mail-account")

    await page.get_by_role("button", name="Яндекс").click()
    filled = page.get_by_role("status").filter(has_text="Заполнено")
    await expect(filled).to_contain_text("Яндекс")
    await expect(filled).to_contain_text("паролем приложения")
    await expect(page.get_by_label("Сервер исходящей почты (SMTP)")).to_have_value("smtp.yandex.ru")
    await expect(page.get_by_label("Использовать защищенную версию протокола SMTP")).to_be_checked()
    await walk.look("mail-account-yandex")

    await page.get_by_role("group", name="Сведения о пользователе").get_by_label("Почтовый адрес").fill(SENDER)
    authentication = page.get_by_role("group", name="Аутентификация")
    await authentication.get_by_label("Пользователь").fill(SENDER)
    await authentication.get_by_label(re.compile("^Пароль")).fill(PASSWORD)
    await authentication.get_by_label("Запомнить пароль").check()
    # The provider is the test's: on 127.0.0.1 like config.toml's [upstream.smtp], whose
    # ca_file and server_name "localhost" then verify its certificate.
    await page.get_by_label("Сервер исходящей почты (SMTP)").fill("127.0.0.1")
    await page.get_by_text("Дополнительные настройки сервера почты").click()
    await page.get_by_label("Порт сервера исходящей почты (SMTP)").fill(str(walk.upstream.port))
    await expect(page.get_by_label("Использовать для отправки")).to_be_checked()
    await page.get_by_label("Использовать для получения").uncheck()
    await walk.look("mail-account-filled")
    await page.get_by_role("button", name="Записать").first.click()
    await expect(page.get_by_role("status").filter(has_text="Учетная запись записана")).to_be_visible()
    await walk.look("mail-account-saved")

    await page.get_by_role("button", name="Проверить учетную запись").click()
    await expect(page.get_by_role("heading", name="Проверка учетной записи")).to_be_visible()
    steps = page.get_by_role("listitem")
    await expect(steps.filter(has_text="Соединение:")).to_contain_text("Соединение установлено (адрес 127.0.0.1")
    await expect(steps.filter(has_text="Защищенное соединение (TLS):")).to_contain_text("действителен до")
    await expect(steps.filter(has_text="Вход в учетную запись:")).to_be_visible()
    await expect(page.get_by_role("status").filter(has_text="Проверка учетной записи")).to_have_text(
        "Проверка учетной записи завершена успешно."
    )
    assert SENDER in walk.upstream.auth_attempts  # the check really logged in at the provider
    await walk.look("mail-account-checked")


async def import_seed(walk: Walk) -> None:
    """«Загрузка данных»: the example files made from the seed, then the month again as XLSX."""
    page, expect = walk.page, walk.expect
    organisation = SEED["organization"]["name"]
    for path, results in (
        (EXAMPLES / "accounts.csv", ["Создано лицевых счетов: 1", f"Созданы организации: {organisation}"]),
        (EXAMPLES / "charges-2013-07.csv", ["Создано платежных документов: 1"]),   # Windows-1251, «;»
        (EXAMPLES / "charges-2013-07.xlsx", ["Обновлено платежных документов: 1"]),  # same month: in place
    ):
        await walk.go_to("Загрузка данных", "/import")
        await walk.look(f"import-{path.name}")
        await page.get_by_label("Файл CSV или XLSX").set_input_files(path)
        await page.get_by_role("button", name="Загрузить").click()
        report = page.get_by_role("status")
        await expect(report).to_contain_text(f"Файл «{path.name}» загружен.")
        for result in results:
            await expect(report).to_contain_text(result)
        await walk.look(f"imported-{path.name}")


async def see_the_seed_organisation(walk: Walk) -> None:
    """«Организации»: the import created the seed's УК."""
    page, expect = walk.page, walk.expect
    await walk.go_to("Организации", "/organisations")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=SEED["organization"]["name"]))
    await expect(row).to_contain_text(SEED["organization"]["kind"])
    await walk.look("organisations")


async def write_the_letter_text(walk: Walk) -> None:
    """The organisation's card: «Текст письма жильцам» of two lines, kept as written."""
    page, expect = walk.page, walk.expect
    text = "Вопросы по начислениям: +7 495 000-00-00, пн–пт 9:00–18:00\nОплатить можно в любом банке"
    await page.get_by_role("link", name=SEED["organization"]["name"]).click()
    await page.wait_for_url(re.compile(r"/organisations/\d+$"))
    await page.get_by_label("Текст письма жильцам").fill(text)
    await page.get_by_role("button", name="Записать").click()
    await page.wait_for_url(re.compile(r"/organisations/\d+\?saved=1$"))
    await expect(page.get_by_role("status")).to_have_text("Сохранено.")
    await expect(page.get_by_label("Текст письма жильцам")).to_have_value(text)  # sent as CRLF, kept as lines
    await walk.look("organisation-letter-text")


async def open_the_seed_account_card(walk: Walk) -> None:
    """«Лицевые счета»: find the seed's account and see how its document is delivered."""
    page, expect = walk.page, walk.expect
    account = SEED["account"]
    await walk.go_to("Лицевые счета", "/accounts")
    await page.get_by_label("Поиск").fill(account["number"])
    await page.get_by_role("button", name="Найти").click()
    await expect(page.get_by_role("status")).to_contain_text("Найдено: 1")
    await walk.look("accounts-found")

    await page.get_by_role("link", name=account["number"]).click()
    await page.wait_for_url(re.compile(r"/accounts/\d+$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text(account["number"])
    delivery = page.get_by_label("Способ доставки платежного документа")
    await expect(delivery.locator("option:checked")).to_have_text(account["delivery_method_label"])
    await expect(page.get_by_label("Электронная почта")).to_have_value(account["email"])
    await walk.look("account-card")


async def form_the_payment_document_report(walk: Walk) -> None:
    """«Платежный документ»: the period, «Сформировать», a document as PDF, «На принтер»."""
    page, expect = walk.page, walk.expect
    account = SEED["account"]
    await walk.go_to("Платежный документ", "/documents")
    await expect(page.get_by_label("Период").locator("option:checked")).to_have_text(SEED["period_label"])
    await walk.look("documents")
    await page.get_by_role("button", name="Сформировать").click()
    await expect(page.get_by_role("status")).to_contain_text("Документов: 1; к оплате всего: 0,00 руб.")
    row = page.get_by_role("row").filter(has_text=account["number"])
    await expect(row).to_contain_text("2 447,90")
    await expect(row).to_contain_text(account["delivery_method_label"])
    await walk.look("documents-formed")

    async with page.context.expect_page() as opened:
        await row.get_by_role("link", name="PDF").click()
    preview = await opened.value
    response = await preview.request.get(preview.url)
    assert response.headers["content-type"] == "application/pdf"
    assert (await response.body()).startswith(b"%PDF-")
    await preview.close()

    await page.get_by_role("button", name="На принтер").click()
    await page.wait_for_url(re.compile(r"/documents/print/[0-9a-f]{16}$"))
    await expect(page.get_by_role("status")).to_contain_text("Файл готов. Документов: 1")
    await walk.look("print-ready")
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Скачать PDF для печати").click()
    download = await downloading.value
    assert download.suggested_filename == f"EPD_{SEED['period']}_print.pdf"
    assert Path(await download.path()).read_bytes().startswith(b"%PDF-")


async def log_out(walk: Walk) -> None:
    page, expect = walk.page, walk.expect
    await page.get_by_role("button", name="Выйти").click()
    await page.wait_for_url("/login")
    await expect(page.get_by_role("heading", name="Вход в epd-relay")).to_be_visible()
    await walk.look("logged-out")


async def test_staff_walk_through_the_manual(
    page, playwright_api: ModuleType, served_relay: ServedRelay, upstream: FakeUpstream,
    screenshots: Screenshots,
):
    walk = Walk(page, playwright_api.expect, served_relay, upstream, screenshots)
    await log_in_as_first_admin(walk)
    await set_up_mail_account_from_preset(walk)
    await import_seed(walk)
    await see_the_seed_organisation(walk)
    await write_the_letter_text(walk)
    await open_the_seed_account_card(walk)
    await form_the_payment_document_report(walk)
    await log_out(walk)
