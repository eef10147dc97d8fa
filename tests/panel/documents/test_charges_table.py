"""The charges table's cells: what each of the 19 columns prints, and that it fits its cell."""
import dataclasses
from decimal import Decimal

import pytest

from panel.documents import charges_table, render
from panel.documents.fonts import fonts
from tests.seed_document import seed_document


@pytest.fixture(scope="module")
def table():
    return charges_table.geometry(render.MARGIN, render.PAGE_WIDTH - 2 * render.MARGIN, fonts())


def test_a_communal_line_prints_its_figures_with_the_basis_marks_and_blanks():
    hot_water = seed_document().lines[2]
    assert charges_table.line_cells(hot_water) == (
        "Горячее водоснабжение", "м3", "5,7 (1)", "0,49 (4)", "77,21", "440,10", "37,83", "477,93", "", "",
        "477,93", "440,10", "37,83", "5,7", "0,12", "", "174", "22,1", "2,9")


def test_other_lines_print_x_where_volumes_splits_and_reference_figures_do_not_apply():
    upkeep = seed_document().lines[0]
    assert charges_table.line_cells(upkeep) == (
        "Содержание и ремонт общего имущества", "м2", "x", "x", "15,90", "1 113,00", "", "1 113,00", "", "",
        "1 113,00", "x", "x", "x", "x", "x", "x", "x", "x")


def test_negative_and_zero_amounts():
    line = dataclasses.replace(seed_document().lines[1], recalculation=Decimal("-123.45"), benefits=Decimal("0"))
    cells = charges_table.line_cells(line)
    assert (cells[8], cells[9]) == ("-123,45", "0,00")


def test_every_cell_fits_its_column(table):
    face = fonts().regular
    line = dataclasses.replace(
        seed_document().lines[1], service="Холодное водоснабжение на общедомовые нужды " * 5,
        unit="куб. метров", volume_common=Decimal("123456.78901"), volume_common_basis="1а",
        total=Decimal("-123456789.99"), house_volume_common=Decimal("1234567.891"))
    row = charges_table.service_row(line, table, fonts())
    for index, lines in enumerate(row.lines):
        inner = table.edges[index + 1] - table.edges[index] - 2 * charges_table.PADDING
        for text in lines:
            assert face.width(text, row.sizes[index]) <= inner + 1e-6, (index, text)
    assert len(row.lines[0]) > 3 and row.height >= len(row.lines[0]) * charges_table.BODY_LEADING


def test_the_header_fits_its_cells(table):
    face = fonts().bold
    for cell in table.header:
        height = len(cell.lines) * charges_table.HEADER_LEADING + 2 * charges_table.PADDING
        assert height <= cell.bottom - cell.top + 1e-6, cell.lines
        for text in cell.lines:
            assert face.width(text, charges_table.HEADER_SIZE) <= cell.right - cell.left - 2 * charges_table.PADDING
    assert len(table.edges) == charges_table.COLUMNS + 1


def test_section_rows_come_where_the_section_changes(table):
    document = seed_document()
    rows = charges_table.table_rows(document.lines, document.total_for_period, table, fonts())
    kinds = [type(row).__name__ for row in rows]
    assert kinds == ["ServiceRow", "SectionRow"] + ["ServiceRow"] * 6 + ["SectionRow", "ServiceRow", "TotalRow"]
    assert [row.lines for row in rows if isinstance(row, charges_table.SectionRow)] == [
        ("Коммунальные услуги",), ("Прочие",)]
    assert rows[-1].amount == "2 447,90"
