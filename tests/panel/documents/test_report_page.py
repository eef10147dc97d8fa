"""«Платежный документ» in the panel: the period, organisation and «Отбор», «Сформировать», paging."""
import asyncio
import html
import io
import re
from decimal import Decimal

from pypdf import PdfReader

from panel import keys
from panel.validation import format_money
from tests.panel.documents.documents import pdf_text
from tests.panel.documents.sample import account_number, due, import_sample


def numbers(page) -> list[str]:
    return re.findall(r"<td>(\d{12})</td>", page.text)


async def test_without_charges_the_report_says_where_to_load_them(operator):
    page = await operator.get("/documents")
    assert page.status == 200 and "Начислений пока нет" in page.text
    assert 'href="/documents" class="current"' in page.text


async def test_sformirovat_lists_the_chosen_organisations_documents_with_totals(panel, operator):
    await import_sample(panel.relay.panel.db, 9)
    page = await operator.get("/documents")
    assert '<option value="2013-07" selected>Июль 2013</option>' in page.text
    assert "Документов:" not in page.text  # nothing is listed before «Сформировать»
    [(north, _)] = re.findall(r'<option value="(\d+)">(УК «Север»)</option>', html.unescape(page.text))

    page = await operator.get(f"/documents?period=2013-07&organisation={north}&delivery=")
    north_accounts = [index for index in range(9) if index % 2 == 0]
    assert numbers(page) == [account_number(index) for index in north_accounts]
    total = sum(due(index) for index in north_accounts)
    assert f"Документов: {len(north_accounts)}; к оплате всего: {format_money(total)} руб." in html.unescape(page.text)
    assert format_money(due(4)) in page.text and format_money(Decimal(104) + Decimal("55.50")) in page.text


async def test_otbor_by_delivery_method_and_search(panel, operator):
    await import_sample(panel.relay.panel.db, 9)
    page = await operator.get("/documents?period=2013-07&delivery=post")
    assert numbers(page) == [account_number(index) for index in (1, 4, 7)]
    assert "resident" not in page.text  # addresses of accounts not sent by e-mail are not listed
    page = await operator.get("/documents?period=2013-07&q=resident3%40example")
    assert numbers(page) == [account_number(3)]
    page = await operator.get("/documents?period=2013-08")  # an unknown period: the newest instead
    assert len(numbers(page)) == 9


async def test_a_long_report_pages_by_number(panel, operator):
    await import_sample(panel.relay.panel.db, 120)
    page = await operator.get("/documents?period=2013-07")
    first = numbers(page)
    assert len(first) == 50 and 'rel="next"' in page.text
    next_url = html.unescape(re.search(r'<a href="([^"]+)" rel="next">', page.text)[1])
    second = numbers(await operator.get(next_url))
    assert len(second) == 50 and second[0] > first[-1]


async def test_a_document_opens_as_pdf_in_the_browser(panel, operator, tmp_path):
    await import_sample(panel.relay.panel.db, 3)
    page = await operator.get("/documents?period=2013-07")
    [link] = re.findall(r'<a href="(/documents/2013-07/\d+\.pdf)" target="_blank"', page.text)[:1]
    async with operator.http.get(link) as response:
        assert response.status == 200 and response.content_type == "application/pdf"
        assert response.headers["Content-Disposition"] == f'inline; filename="EPD_{account_number(0)}_2013-07.pdf"'
        pdf = await response.read()
    text = pdf_text(pdf, tmp_path)
    assert f"№ л/сч {account_number(0)}" in text and "Жилец Номер 0" in text
    async with operator.http.get("/documents/2013-08/1.pdf") as response:
        assert response.status == 404


async def test_na_printer_builds_one_pdf_of_the_selection_in_the_background(panel, operator, tmp_path):
    await import_sample(panel.relay.panel.db, 130)
    page = await operator.get("/documents?period=2013-07&delivery=post")
    assert "Документов: 43;" in page.text
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">',
                           page.text.split('action="/documents/print"')[1].split("</form>")[0]))
    progress = await operator.post("/documents/print", form, form.pop("csrf_token"))
    assert progress.status == 200 and re.fullmatch(r"/documents/print/[0-9a-f]{16}", progress.path)
    assert "Июль 2013, почтой: документов 43." in html.unescape(progress.text)
    job = panel.relay.panel.web.runner.app[keys.PRINTING].get(progress.path.rsplit("/", 1)[1])
    async with asyncio.timeout(120):
        await asyncio.gather(*job.tasks)
    done = await operator.get(progress.path)
    assert "Файл готов. Документов: 43, размер: " in done.text and 'http-equiv="refresh"' not in done.text
    async with operator.http.get(progress.path + ".pdf") as response:
        assert response.status == 200
        assert response.headers["Content-Disposition"] == 'attachment; filename="EPD_2013-07_print.pdf"'
        pdf = await response.read()
    text = pdf_text(pdf, tmp_path)
    assert [number for number in re.findall(r"№ л/сч (\d{12})", text)] == \
        [account_number(index) for index in range(130) if index % 3 == 1]
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 43


async def test_an_organisation_without_requisites_is_told_why_there_is_no_qr_code(panel, operator):
    await import_sample(panel.relay.panel.db, 3)
    page = await operator.get("/documents")
    north = re.search(r'<option value="(\d+)">УК «Север»</option>', html.unescape(page.text))[1]
    page = await operator.get(f"/documents?period=2013-07&organisation={north}")
    assert "QR-код для оплаты на документах этой организации не печатается" in page.text
    assert "не указан БИК" in page.text
