"""«Платежный документ» in the panel: the period, organisation and «Отбор», «Сформировать», paging."""
import html
import re
from decimal import Decimal

from panel.validation import format_money
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
