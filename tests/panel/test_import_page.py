"""The «Загрузка данных» page over real HTTP: upload, the report, bad rows, CSRF."""
import re

import aiohttp

from tests.panel.seed_tables import EXAMPLES, account_table, csv_bytes, xlsx_bytes


def upload(data: bytes, filename: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=filename, content_type="application/octet-stream")
    return form


def error_rows(html: str) -> list[tuple[str, str]]:
    table = html.split('<table class="import-errors">')[1].split("</table>")[0]
    return re.findall(r'<td class="num">(.*?)</td>\s*<td>(.*?)</td>', table)


async def count(panel, table: str) -> int:
    return (await panel.relay.panel.db.fetchone(f"SELECT COUNT(*) FROM {table}"))[0]


async def test_the_page_has_an_upload_form(operator):
    page = await operator.get("/import")
    assert page.status == 200
    assert '<form class="import-upload" method="post" action="/import" enctype="multipart/form-data">' in page.text
    assert '<script src="/static/import.js" defer></script>' in page.text
    script = await operator.http.get("/static/import.js")
    async with script:
        assert script.status == 200 and "import-progress" in await script.text()
    assert '<input type="file" name="file"' in page.text
    assert page.csrf_token
    assert "Номер лицевого счета" in page.text and "Итого к оплате за расчетный период" in page.text
    assert 'href="/import" class="current"' in page.text


async def test_upload_the_examples(panel, operator):
    page = await operator.submit("/import", upload((EXAMPLES / "accounts.csv").read_bytes(), "accounts.csv"))
    assert page.status == 200, page.text
    assert "Файл «accounts.csv» загружен." in page.text
    assert "Создано лицевых счетов: 1" in page.text and "Обновлено лицевых счетов: 0" in page.text
    assert "Созданы организации: УК &#34;Тихий океан&#34;" in page.text

    data = (EXAMPLES / "charges-2013-07.xlsx").read_bytes()
    page = await operator.submit("/import", upload(data, "Начисления за июль 2013.xlsx"))
    assert page.status == 200, page.text
    assert "Файл «Начисления за июль 2013.xlsx» загружен." in page.text
    assert "Строк начислений в файле: 8" in page.text
    assert "Создано платежных документов: 1" in page.text
    page = await operator.submit("/import", upload((EXAMPLES / "charges-2013-07.csv").read_bytes(), "charges.csv"))
    assert "Создано платежных документов: 0" in page.text and "Обновлено платежных документов: 1" in page.text
    assert (await count(panel, "payment_documents"), await count(panel, "charge_lines")) == (1, 8)


async def test_a_malformed_csv_shows_every_bad_line(panel, operator):
    table = account_table()
    table.append(["2", "", "Иванов Иван Иванович"] + [""] * 6 + ["много"] + [""] * 11)
    table.append(["3", "", ""] + [""] * 15 + ["По электронной почте", "", ""])
    table.append(["2", "", "Петров"] + [""] * 18)
    page = await operator.submit("/import", upload(csv_bytes(table, ";", "cp1251"), "accounts.csv"))
    assert page.status == 400
    assert "Файл «accounts.csv» не загружен: ничего не изменено." in page.text
    assert error_rows(page.text) == [
        ("3", "«Общая площадь»: неверное число «много»"),
        ("4", "Не заполнен обязательный столбец «Плательщик»"),
        ("5", "Номер лицевого счета «2» уже встречается в строке 3"),
    ]
    assert await count(panel, "personal_accounts") == 0


async def test_a_malformed_xlsx_shows_its_row_numbers(panel, operator):
    table = account_table()
    table.append(["4", "", "Сидоров"] + [""] * 15 + ["По электронной почте", "sidorov@mail", ""])
    page = await operator.submit("/import", upload(xlsx_bytes(table), "accounts.xlsx"))
    assert page.status == 400
    assert error_rows(page.text) == [("3", "Неверный адрес электронной почты: sidorov@mail")]
    page = await operator.submit("/import", upload(b"PK\x03\x04broken", "accounts.xlsx"))
    assert error_rows(page.text) == [("весь файл", "Файл «accounts.xlsx» не удалось прочитать как книгу Excel (XLSX)")]
    assert await count(panel, "personal_accounts") == 0


async def test_names_from_the_file_are_shown_escaped(operator):
    table = [["Номер лицевого счета", "Плательщик", "<script>alert(1)</script>"], ["1", "x", "y"]]
    page = await operator.submit("/import", upload(csv_bytes(table), "<img src=x>.csv"))
    assert page.status == 400
    assert "<script>alert(1)</script>" not in page.text and "<img src=x>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "«&lt;img src=x&gt;.csv»" in page.text


async def test_a_windows_path_is_cut_to_the_file_name(operator):
    data = (EXAMPLES / "accounts.csv").read_bytes()
    page = await operator.submit("/import", upload(data, "C:\\Users\\buh\\Desktop\\accounts.csv"))
    assert "Файл «accounts.csv» загружен." in page.text


async def test_no_file_chosen(operator):
    page = await operator.submit("/import", upload(b"", ""))
    assert page.status == 400
    assert "Выберите файл CSV или XLSX для загрузки." in page.text


async def test_wrong_csrf_token_is_refused(panel, operator):
    data = (EXAMPLES / "accounts.csv").read_bytes()
    page = await operator.post("/import", upload(data, "accounts.csv"), "not-the-token")
    assert page.status == 403
    assert "Форма устарела" in page.text
    page = await operator.post("/import", upload(data, "accounts.csv"), None)
    assert page.status == 403
    assert await count(panel, "personal_accounts") == 0


async def test_the_page_needs_a_login(panel):
    client = await panel.client()
    page = await client.get("/import")
    assert page.path == "/login?next=/import"
