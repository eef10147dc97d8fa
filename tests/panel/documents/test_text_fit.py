"""Fitting text from the data into cells, measured with the document's own font."""
import pytest

from panel.documents.fonts import fonts
from panel.documents.text_fit import ELLIPSIS, fitting_size, one_line, wrap

SIZE = 8.0


@pytest.fixture(scope="module")
def face():
    return fonts().regular


def test_words_wrap_within_the_width_and_nothing_is_lost(face):
    text = "109451, Москва, Братиславская, дом № 1, кв. 1, вход со двора через арку"
    lines = wrap(text, face, SIZE, 80.0)
    assert len(lines) > 1
    assert all(face.width(line, SIZE) <= 80.0 for line in lines)
    assert " ".join(lines) == text


def test_a_word_wider_than_the_line_is_broken_between_letters(face):
    word = "Электроэнергияобщедомовыхнужд" * 3
    lines = wrap(word, face, SIZE, 50.0)
    assert "".join(lines) == word
    assert all(face.width(line, SIZE) <= 50.0 for line in lines)


def test_the_first_line_leaves_room_for_a_label(face):
    lines = wrap("Лермонтов Михаил Николаевич " * 4, face, SIZE, 150.0, first_width=60.0)
    assert face.width(lines[0], SIZE) <= 60.0
    assert all(face.width(line, SIZE) <= 150.0 for line in lines[1:])


def test_too_many_lines_end_with_an_ellipsis(face):
    lines = wrap("слово " * 200, face, SIZE, 100.0, max_lines=3)
    assert len(lines) == 3 and lines[-1].endswith(ELLIPSIS)
    assert all(face.width(line, SIZE) <= 100.0 for line in lines)


def test_white_space_of_the_data_is_one_space(face):
    assert wrap("УК\n«Тихий\t\tокеан»", face, SIZE, 500.0) == ["УК «Тихий океан»"]
    assert wrap("   ", face, SIZE, 500.0) == []
    assert one_line(" a\r\nb ") == "a b"


def test_a_figure_too_wide_is_set_smaller(face):
    assert fitting_size("1,00", face, 7.0, 40.0) == 7.0
    size = fitting_size("-123 456 789,99", face, 7.0, 40.0)
    assert size < 7.0 and face.width("-123 456 789,99", size) == pytest.approx(40.0)
