"""Fitting text from the data into a cell: word wrap, and a smaller size for a figure that is too wide.

Measured with the font's own advance widths (fonts.Face), so what fits here fits on the page.
"""
from panel.documents.fonts import Face


ELLIPSIS = "…"


def wrap(text: str, face: Face, size: float, width: float, first_width: float | None = None,
         max_lines: int | None = None) -> list[str]:
    """Greedy word wrap into lines no wider than `width` (the first line `first_width`, where a
    label precedes it); a word wider than a line is broken between letters. Runs of white
    space (new lines, tabs) become one space; "" gives []. Beyond `max_lines` the text is cut
    and the last line ends with "…"."""
    lines: list[str] = []
    line = ""
    space = face.width(" ", size)
    line_width = 0.0
    limit = width if first_width is None else first_width
    for word in text.split():
        word_width = face.width(word, size)
        if line and line_width + space + word_width <= limit:
            line += " " + word
            line_width += space + word_width
            continue
        if line:
            lines.append(line)
            limit = width
        if word_width <= limit:
            line, line_width = word, word_width
            continue
        pieces = _break_word(word, face, size, limit, width)
        lines.extend(pieces[:-1])
        limit = width
        line = pieces[-1]
        line_width = face.width(line, size)
    if line:
        lines.append(line)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _with_ellipsis(lines[-1], face, size, width if max_lines > 1 or first_width is None
                                   else first_width)
    return lines


def _with_ellipsis(line: str, face: Face, size: float, width: float) -> str:
    while line and face.width(line + ELLIPSIS, size) > width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


def _break_word(word: str, face: Face, size: float, first_width: float, width: float) -> list[str]:
    pieces: list[str] = []
    piece, piece_width = "", 0.0
    limit = first_width
    for char in word:
        char_width = face.width(char, size)
        if piece and piece_width + char_width > limit:
            pieces.append(piece)
            piece, piece_width = "", 0.0
            limit = width
        piece += char
        piece_width += char_width
    pieces.append(piece)
    return pieces


def fitting_size(text: str, face: Face, size: float, width: float) -> float:
    """`size`, or the size at which one line of `text` is exactly `width` wide if it is wider."""
    text_width = face.width(text, size)
    if text_width <= width:
        return size
    return size * width / text_width


def one_line(text: str) -> str:
    """Text from the data for a single-line cell: white space runs (new lines too) as one space."""
    return " ".join(text.split())
