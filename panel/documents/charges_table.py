"""The charges table «Расчет размера платы за содержание и ремонт жилого помещения и коммунальные услуги».

Nineteen columns as in the seed's figure 6: 1–13 and the «Справочная информация» 1–6, under
two header rows (three levels for the reference part) and a row of column numbers. Rows
are measured first (service names wrap; a figure too wide for its cell is set smaller)
so the page flow can split the table and repeat the header; then drawn.

What a cell prints: blanks stay blank; lines outside «Коммунальные услуги» print `x` where
a volume, the split of the total or reference figures do not apply; volumes carry their
basis mark, "5,55 (1)".
"""
import functools
from dataclasses import dataclass

from panel.documents.fonts import Fonts
from panel.documents.model import ChargeLine
from panel.documents.pdf_page import PageWriter
from panel.documents.text_fit import fitting_size, one_line, wrap
from panel.validation import format_decimal, format_money, format_rate

TITLE = "Расчет размера платы за содержание и ремонт жилого помещения и коммунальные услуги"
TOTAL_LABEL = "Итого к оплате за расчетный период"
NOT_APPLICABLE = "x"
BODY_SIZE, HEADER_SIZE = 7.0, 6.0
BODY_LEADING, HEADER_LEADING = 8.2, 6.9
PADDING = 2.0  # inside a cell, each side
NUMBER_ROW_HEIGHT = 9.0
COLUMNS = 19
# Relative widths: service, unit, the 11 figures of 3–13, the 6 reference columns.
_WEIGHTS = (106, 26, 44, 46, 38, 42, 40, 41, 42, 34, 45, 42, 40, 34, 34, 34, 34, 34, 34)
# (first column, last column, first level, last level, text); levels 0–2 above the numbers row.
_HEADER_CELLS = (
    (0, 0, 0, 2, "Виды услуг"),
    (1, 1, 0, 2, "Ед. изм."),
    (2, 3, 0, 0, "Объем коммун. услуг*"),
    (2, 2, 1, 2, "Индив. потребл."),
    (3, 3, 1, 2, "Общедом. нужды"),
    (4, 4, 0, 2, "Тариф руб./ед. изм. Размер платы на кв.м. руб."),
    (5, 6, 0, 0, "Размер платы за ком.услуги, руб."),
    (5, 5, 1, 2, "Индив. потребл."),
    (6, 6, 1, 2, "Общедом. нужды"),
    (7, 7, 0, 2, "Всего начислено за расчетный период, руб."),
    (8, 8, 0, 2, "Перерасчеты всего, руб."),
    (9, 9, 0, 2, "Льготы субсидии, руб."),
    (10, 12, 0, 0, "Итого к оплате за расчетный период, руб."),
    (10, 10, 1, 2, "Всего"),
    (11, 11, 1, 2, "Индив. потребл."),
    (12, 12, 1, 2, "Общедом. нужды"),
    (13, 18, 0, 0, "Справочная информация"),
    (13, 14, 1, 1, "Норматив потребления коммунальных услуг"),
    (15, 16, 1, 1, "Текущие показания приборов учета коммунальных услуг"),
    (17, 18, 1, 1, "Суммарный объем коммунальных услуг в доме"),
    (13, 13, 2, 2, "индив. потребл."),
    (14, 14, 2, 2, "общедом. нужды"),
    (15, 15, 2, 2, "индив."),
    (16, 16, 2, 2, "общедом."),
    (17, 17, 2, 2, "в помещ. дома"),
    (18, 18, 2, 2, "на общедом. нужды"),
)
_NUMBERS = tuple(str(number) for number in range(1, 14)) + tuple(str(number) for number in range(1, 7))
MAX_LINES = 12  # of a service's name or unit; beyond, cut with "…"


@dataclass(frozen=True)
class HeaderCell:
    left: float
    right: float
    top: float      # offsets below the header's top
    bottom: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Geometry:
    edges: tuple[float, ...]  # the 20 x positions of the column rules
    header: tuple[HeaderCell, ...]
    header_height: float      # without the numbers row
    header_texts: tuple[tuple[float, float, str], ...]  # x, baseline below the header's top, text (bold)
    number_texts: tuple[tuple[float, str], ...]         # x, text of the numbers row
    outer_edges: tuple[float, float]                    # a section row's rules
    total_edges: tuple[float, ...]                      # the total row's rules

    @property
    def left(self) -> float:
        return self.edges[0]

    @property
    def right(self) -> float:
        return self.edges[-1]


@functools.cache
def geometry(left: float, width: float, fonts: Fonts) -> Geometry:
    """Column rules and the laid-out header for a table `width` wide; once per process."""
    scale = width / sum(_WEIGHTS)
    edges = [left]
    for weight in _WEIGHTS:
        edges.append(edges[-1] + weight * scale)
    edges[-1] = left + width
    wrapped = [(first, last, top, bottom, tuple(wrap(text, fonts.bold, HEADER_SIZE,
                                                     edges[last + 1] - edges[first] - 2 * PADDING)))
               for first, last, top, bottom, text in _HEADER_CELLS]
    levels = [0.0, 0.0, 0.0]
    for first, last, top, bottom, lines in sorted(wrapped, key=lambda cell: cell[3] - cell[2]):
        needed = len(lines) * HEADER_LEADING + 2 * PADDING
        have = sum(levels[top:bottom + 1])
        if have < needed:
            levels[bottom] += needed - have
    offsets = [0.0, levels[0], levels[0] + levels[1], sum(levels)]
    header = tuple(HeaderCell(edges[first], edges[last + 1], offsets[top], offsets[bottom + 1], lines)
                   for first, last, top, bottom, lines in wrapped)
    texts = []
    for cell in header:
        baseline = -first_baseline(-cell.top, cell.bottom - cell.top, len(cell.lines), HEADER_SIZE, HEADER_LEADING)
        for line in cell.lines:
            texts.append(((cell.left + cell.right - fonts.bold.width(line, HEADER_SIZE)) / 2, baseline, line))
            baseline += HEADER_LEADING
    numbers = tuple(((edges[index] + edges[index + 1] - fonts.regular.width(number, HEADER_SIZE)) / 2, number)
                    for index, number in enumerate(_NUMBERS))
    return Geometry(tuple(edges), header, sum(levels), tuple(texts), numbers, (edges[0], edges[-1]),
                    (edges[0], *edges[10:]))


def draw_header(page: PageWriter, table: Geometry, fonts: Fonts, top: float) -> float:
    """The header rows and the numbers row from `top` down; returns the y below them."""
    height = table.header_height + NUMBER_ROW_HEIGHT
    page.shade(table.left, top - height, table.right - table.left, height)
    for cell in table.header:
        page.frame(cell.left, top - cell.bottom, cell.right - cell.left, cell.bottom - cell.top)
    for x, below, text in table.header_texts:
        page.text(x, top - below, text, fonts.bold, HEADER_SIZE)
    numbers_top = top - table.header_height
    bottom = numbers_top - NUMBER_ROW_HEIGHT
    page.rule(table.left, bottom, table.right, bottom)
    page.column_rules(table.edges, numbers_top, bottom)
    baseline = bottom + NUMBER_ROW_HEIGHT / 2 - 0.33 * HEADER_SIZE
    for x, number in table.number_texts:
        page.text(x, baseline, number, fonts.regular, HEADER_SIZE)
    return bottom


# --- Rows -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ServiceRow:
    lines: tuple[tuple[str, ...], ...]  # per column
    sizes: tuple[float, ...]
    lefts: tuple[float, ...]            # where a single-line figure starts (right-aligned or centred)
    height: float


@dataclass(frozen=True)
class SectionRow:
    lines: tuple[str, ...]
    height: float


@dataclass(frozen=True)
class TotalRow:
    amount: str
    size: float
    height: float


Row = ServiceRow | SectionRow | TotalRow


def _money(value) -> str:
    return "" if value is None else format_money(value)


def _figure(value) -> str:
    return "" if value is None else format_decimal(value)


def _volume(value, basis: str) -> str:
    if value is None:
        return ""
    mark = one_line(basis)
    return format_decimal(value) + (f" ({mark})" if mark else "")


def line_cells(line: ChargeLine) -> tuple[str, ...]:
    """The 19 texts of one service row, as printed."""
    def where_applies(text: str) -> str:
        return text if text or line.is_communal else NOT_APPLICABLE
    return (
        one_line(line.service), one_line(line.unit),
        where_applies(_volume(line.volume_individual, line.volume_individual_basis)),
        where_applies(_volume(line.volume_common, line.volume_common_basis)),
        "" if line.tariff is None else format_rate(line.tariff),
        _money(line.amount_individual), _money(line.amount_common), _money(line.charged),
        _money(line.recalculation), _money(line.benefits), _money(line.total),
        where_applies(_money(line.total_individual)), where_applies(_money(line.total_common)),
        where_applies(_figure(line.norm_individual)), where_applies(_figure(line.norm_common)),
        where_applies(_figure(line.meter_individual)), where_applies(_figure(line.meter_common)),
        where_applies(_figure(line.house_volume_individual)), where_applies(_figure(line.house_volume_common)),
    )


def _cell_height(lines: int) -> float:
    return max(lines, 1) * BODY_LEADING + 2 * PADDING


def service_row(line: ChargeLine, table: Geometry, fonts: Fonts) -> ServiceRow:
    texts = line_cells(line)
    face, edges = fonts.regular, table.edges
    lines, sizes, lefts = [], [], []
    for index, text in enumerate(texts):
        left, right = edges[index] + PADDING, edges[index + 1] - PADDING
        if index < 2:  # the service and its unit wrap
            lines.append(tuple(wrap(text, face, BODY_SIZE, right - left, max_lines=MAX_LINES)))
            sizes.append(BODY_SIZE)
            lefts.append(left)
        elif text:
            width = face.width(text, BODY_SIZE)
            size = BODY_SIZE if width <= right - left else BODY_SIZE * (right - left) / width
            width = width * size / BODY_SIZE
            lines.append((text,))
            sizes.append(size)
            lefts.append((left + right - width) / 2 if text == NOT_APPLICABLE else right - width)
        else:
            lines.append(())
            sizes.append(BODY_SIZE)
            lefts.append(left)
    height = _cell_height(max(len(lines[0]), len(lines[1])))
    return ServiceRow(tuple(lines), tuple(sizes), tuple(lefts), height)


def section_row(title: str, table: Geometry, fonts: Fonts) -> SectionRow:
    lines = tuple(wrap(title, fonts.bold, BODY_SIZE, table.right - table.left - 2 * PADDING))
    return SectionRow(lines, _cell_height(len(lines)))


def total_row(amount, table: Geometry, fonts: Fonts) -> TotalRow:
    text = format_money(amount)
    inner = table.edges[11] - table.edges[10] - 2 * PADDING
    return TotalRow(text, fitting_size(text, fonts.bold, BODY_SIZE, inner), _cell_height(1))


def table_rows(lines: tuple[ChargeLine, ...], total, table: Geometry, fonts: Fonts) -> list[Row]:
    """Section rows where the section changes, a row per line, the total row last."""
    rows: list[Row] = []
    section = ""
    for line in lines:
        if line.section and line.section != section:
            rows.append(section_row(one_line(line.section), table, fonts))
        section = line.section
        rows.append(service_row(line, table, fonts))
    rows.append(total_row(total, table, fonts))
    return rows


def first_baseline(top: float, height: float, lines: int, size: float, leading: float = BODY_LEADING) -> float:
    """The baseline of the first of `lines` lines centred in a cell from `top` `height` tall."""
    return top - (height - lines * leading) / 2 - leading / 2 - 0.33 * size


def draw_row(page: PageWriter, row: Row, table: Geometry, fonts: Fonts, top: float) -> float:
    """One row below `top` with its rules; returns its bottom."""
    bottom = top - row.height
    edges = table.edges
    page.rule(edges[0], bottom, edges[-1], bottom)
    if isinstance(row, SectionRow):
        page.column_rules(table.outer_edges, top, bottom)
        baseline = first_baseline(top, row.height, len(row.lines), BODY_SIZE)
        for text in row.lines:
            page.text(edges[0] + PADDING, baseline, text, fonts.bold, BODY_SIZE)
            baseline -= BODY_LEADING
        return bottom
    if isinstance(row, TotalRow):
        page.column_rules(table.total_edges, top, bottom)
        baseline = first_baseline(top, row.height, 1, BODY_SIZE)
        page.text(edges[0] + PADDING, baseline, TOTAL_LABEL, fonts.bold, BODY_SIZE)
        page.text_right(edges[11] - PADDING, baseline, row.amount, fonts.bold, row.size)
        return bottom
    page.column_rules(edges, top, bottom)
    face = fonts.regular
    for index, lines in enumerate(row.lines):
        if not lines:
            continue
        size = row.sizes[index]
        baseline = first_baseline(top, row.height, len(lines), size)
        if index == 1:  # the unit, centred
            for text in lines:
                page.text_centred((edges[1] + edges[2]) / 2, baseline, text, face, size)
                baseline -= BODY_LEADING
            continue
        for text in lines:
            page.text(row.lefts[index], baseline, text, face, size)
            baseline -= BODY_LEADING
    return bottom


def title_lines(account_number: str, fonts: Fonts, width: float) -> list[str]:
    return wrap(f"{TITLE} № л/сч {account_number}", fonts.bold, 8.0, width)
