"""What follows the charges table: the house's figures, the legend of the volume marks, and
what the model form (Приказ Минстроя России № 43/пр) adds where the data has it: the
reasons of recalculations and the instalments. Nothing is printed for what is absent.
"""
from panel.documents.charges_table import PADDING, first_baseline
from panel.documents.fonts import Fonts
from panel.documents.model import ChargeLine, HouseFacts, PaymentDocument
from panel.documents.page_flow import Item
from panel.documents.pdf_page import PageWriter
from panel.documents.text_fit import fitting_size, one_line, wrap
from panel.validation import format_decimal, format_money

SIZE, LEADING, SMALL, SMALL_LEADING = 7.5, 9.0, 6.5, 7.6
MAX_CELL_LINES = 8
LEGEND = ("* Объем коммунальных услуг определен: (1) - по нормативам, (1а) - по нормативам с повышающим "
          "коэффициентом при отсутствии ПУ, (2) - по показаниям ИПУ, (3) - по среднему, (4) - по показаниям ОПУ")
RECALCULATIONS = "Сведения о перерасчетах (доначисления +, уменьшения -)"
RECALCULATION_COLUMNS = ((0.3, "Вид услуги"), (0.52, "Основание перерасчета"), (0.18, "Сумма, руб."))
INSTALMENTS = "Расчет суммы оплаты с учетом рассрочки платежа"
INSTALMENT_COLUMNS = ((0.4, "Вид услуги"), (0.3, "Оплата рассрочки в расчетном периоде, руб."),
                      (0.3, "Проценты за рассрочку, руб."))


def _text_item(text: str, left: float, width: float, face, keep_with_next: bool = False,
               space_before: float = 0.0) -> Item:
    lines = wrap(text, face, SIZE, width)

    def draw(page: PageWriter, top: float) -> float:
        baseline = top - space_before - LEADING + 2.0
        for line in lines:
            page.text(left, baseline, line, face, SIZE)
            baseline -= LEADING
        return top - space_before - len(lines) * LEADING
    return Item(space_before + len(lines) * LEADING, draw, keep_with_next=keep_with_next)


def _house_lines(house: HouseFacts | None) -> list[str]:
    if house is None:
        return []
    figures = (
        ("Площадь помещений в общей собственности", house.common_property_area, "кв. м"),
        ("Количество проживающих в доме", house.residents_in_house, "чел."),
        ("Площадь помещений (жилых и нежилых)", house.premises_area, "кв. м"),
        ("Общая площадь дома", house.total_house_area, "кв. м"),
    )
    return [f"{label}: {format_decimal(value)} {unit}" for label, value, unit in figures if value is not None]


def _table_items(heading: str, columns: tuple[tuple[float, str], ...], figures: int, rows: list[tuple[str, ...]],
                 left: float, width: float, fonts: Fonts) -> list[Item]:
    """A small table under a heading; its last `figures` columns hold figures, right-aligned."""
    edges = [left]
    for share, _ in columns:
        edges.append(edges[-1] + share * width)
    inner = [edges[index + 1] - edges[index] - 2 * PADDING for index in range(len(columns))]
    first_figure = len(columns) - figures

    def draw_cell(page: PageWriter, index: int, top: float, height: float, lines: list[str], shaded: bool) -> None:
        face, size, leading = (fonts.bold, SMALL, SMALL_LEADING) if shaded else (fonts.regular, SIZE, LEADING)
        baseline = first_baseline(top, height, len(lines), size, leading)
        for line in lines:
            if shaded:
                page.text_centred((edges[index] + edges[index + 1]) / 2, baseline, line, face, size)
            elif index >= first_figure:
                page.text_right(edges[index + 1] - PADDING, baseline, line, face,
                                fitting_size(line, face, size, inner[index]))
            else:
                page.text(edges[index] + PADDING, baseline, line, face, size)
            baseline -= leading

    def row_item(cells: list[list[str]], shaded: bool) -> Item:
        height = max(max(map(len, cells)), 1) * (SMALL_LEADING if shaded else LEADING) + 2 * PADDING

        def draw(page: PageWriter, top: float) -> float:
            if shaded:
                page.shade(left, top - height, width, height)
            page.frame(left, top - height, width, height)
            for index, lines in enumerate(cells):
                if index:
                    page.rule(edges[index], top, edges[index], top - height)
                draw_cell(page, index, top, height, lines, shaded)
            return top - height
        return Item(height, draw, keep_with_next=shaded)

    head = [wrap(text, fonts.bold, SMALL, inner[index]) for index, (_, text) in enumerate(columns)]
    items = [_text_item(heading, left, width, fonts.bold, keep_with_next=True, space_before=4.0),
             row_item(head, shaded=True)]
    for row in rows:
        cells = [([text] if text else []) if index >= first_figure
                 else wrap(text, fonts.regular, SIZE, inner[index], max_lines=MAX_CELL_LINES)
                 for index, text in enumerate(row)]
        items.append(row_item(cells, shaded=False))
    return items


def _money(value) -> str:
    return "" if value is None else format_money(value)


def _recalculations(lines: tuple[ChargeLine, ...]) -> list[tuple[str, ...]]:
    return [(one_line(line.service), one_line(line.recalculation_reason), _money(line.recalculation))
            for line in lines if line.recalculation_reason.strip()]


def _instalments(lines: tuple[ChargeLine, ...]) -> list[tuple[str, ...]]:
    return [(one_line(line.service), _money(line.instalment_payment), _money(line.instalment_interest))
            for line in lines if line.instalment_payment is not None or line.instalment_interest is not None]


def foot_items(document: PaymentDocument, left: float, width: float, fonts: Fonts) -> list[Item]:
    items = [_text_item(text, left, width, fonts.regular, keep_with_next=True,  # together, with the legend
                        space_before=4.0 if index == 0 else 0.0)
             for index, text in enumerate(_house_lines(document.house))]
    items.append(_text_item(LEGEND, left, width, fonts.regular, space_before=4.0))
    table_width = min(width, 480.0)
    if recalculations := _recalculations(document.lines):
        items += _table_items(RECALCULATIONS, RECALCULATION_COLUMNS, 1, recalculations, left, table_width, fonts)
    if instalments := _instalments(document.lines):
        items += _table_items(INSTALMENTS, INSTALMENT_COLUMNS, 2, instalments, left, table_width, fonts)
    return items
