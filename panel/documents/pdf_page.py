"""Drawing one page: text in the document's faces, and rules, collected and written at once.

Text becomes PDF text operators directly, in one text object per page: reportlab's TTFont
gives each character its code in the document's font subset (`splitString`), and the
operators go into the page as they are. That skips reportlab's text objects, which
measured every string again on every call. Every document's subsets start with the faces'
fixed alphabets (fonts.ALPHABET), so a text within them has the same codes in every
document and is encoded once per process. Rules are merged where they continue one
another (the table's column rules become one line per column) and stroked as one path.
Nothing here reads markup: a payer called `<b>` or `&` prints as typed.
"""
from collections import defaultdict

from reportlab.pdfgen.canvas import Canvas

from panel.documents.fonts import Face, Fonts

LINE_WIDTH = 0.5
_CODES_KEPT = 4096  # texts per face and process whose codes are remembered (about 1 MB)


class TextCodes:
    """The document's side of the font subsets: seeded at the start, then text -> codes."""

    def __init__(self, canvas: Canvas, faces: Fonts):
        self._doc = canvas._doc
        self._runs: dict[tuple[Face, str], list[tuple[str, str]]] = {}  # this document's, font names resolved
        for face in (faces.regular, faces.bold):
            face.font.splitString(face.alphabet, self._doc)  # before any text: the same codes every time

    def encode(self, face: Face, text: str) -> list[tuple[str, str]]:
        """(subset font name, hex codes) runs: one run unless the face's subset overflowed 256 codes."""
        key = (face, text)
        runs = self._runs.get(key)
        if runs is None:
            runs = self._runs[key] = self._encode(face, text)
        return runs

    def _encode(self, face: Face, text: str) -> list[tuple[str, str]]:
        codes = face.codes.get(text)
        if codes is None:
            codes = tuple((subset, part.hex()) for subset, part in face.font.splitString(text, self._doc))
            if face.letters.issuperset(text):
                if len(face.codes) >= _CODES_KEPT:
                    face.codes.clear()
                face.codes[text] = codes
        font, doc = face.font, self._doc
        return [(font.getSubsetInternalName(subset, doc), part) for subset, part in codes]


def _merged(segments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(segments):
        if merged and low <= merged[-1][1] + 1:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


_UNITS = "q 0.01 0 0 0.01 0 0 cm"  # page content below is in hundredths of a point, as integers


class PageWriter:
    def __init__(self, canvas: Canvas, codes: TextCodes):
        self._canvas = canvas
        self._codes = codes
        self._text: list[str] = []
        self._at = (0, 0)  # the text line's start
        self._font: tuple[str, float] | None = None
        self._vertical: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        self._horizontal: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        self._bands: list[list] = []  # [column rules' x, low, high]: rows of a table one under another
        self._fills: list[str] = []

    def text(self, x: float, y: float, text: str, face: Face, size: float) -> None:
        """`text` with its baseline starting at (x, y)."""
        if not text:
            return
        out = self._text
        x, y = round(x * 100), round(y * 100)
        out.append(f"{x - self._at[0]} {y - self._at[1]} Td")
        self._at = (x, y)
        for font_name, codes in self._codes.encode(face, text):
            if self._font != (font_name, size):
                out.append(f"{font_name} {round(size * 100)} Tf")
                self._font = (font_name, size)
            out.append(f"<{codes}> Tj")

    def text_right(self, right: float, y: float, text: str, face: Face, size: float) -> None:
        self.text(right - face.width(text, size), y, text, face, size)

    def text_centred(self, centre: float, y: float, text: str, face: Face, size: float) -> None:
        self.text(centre - face.width(text, size) / 2, y, text, face, size)

    def rule(self, x1: float, y1: float, x2: float, y2: float) -> None:
        """A horizontal or vertical rule."""
        if x1 == x2:
            self._vertical[round(x1 * 100)].append((round(min(y1, y2) * 100), round(max(y1, y2) * 100)))
        elif y1 == y2:
            self._horizontal[round(y1 * 100)].append((round(min(x1, x2) * 100), round(max(x1, x2) * 100)))
        else:
            raise ValueError("rules are horizontal or vertical")

    def column_rules(self, edges: tuple[float, ...], top: float, bottom: float) -> None:
        """Vertical rules at `edges` from `top` to `bottom`: a table row's; the rows of a table
        under one another become one rule per column."""
        band = self._bands[-1] if self._bands else None
        if band is not None and band[0] is edges and abs(band[1] - top) < 0.005:
            band[1] = bottom
        else:
            self._bands.append([edges, bottom, top])

    def frame(self, left: float, bottom: float, width: float, height: float) -> None:
        right, top = left + width, bottom + height
        self.rule(left, bottom, right, bottom)
        self.rule(left, top, right, top)
        self.rule(left, bottom, left, top)
        self.rule(right, bottom, right, top)

    def shade(self, left: float, bottom: float, width: float, height: float) -> None:
        """A light grey background (header rows), drawn under everything else."""
        self._fills.append(f"{round(left * 100)} {round(bottom * 100)} {round(width * 100)} {round(height * 100)} re")

    def literal(self, operators: str) -> None:
        """Ready PDF content in points (the QR code's path)."""
        self._canvas.addLiteral(operators)

    def _rules(self) -> list[str]:
        for edges, low, high in self._bands:
            for x in edges:
                self._vertical[round(x * 100)].append((round(low * 100), round(high * 100)))
        path = [f"{x} {low} m {x} {high} l"
                for x, segments in self._vertical.items() for low, high in _merged(segments)]
        path += [f"{low} {y} m {high} {y} l"
                 for y, segments in self._horizontal.items() for low, high in _merged(segments)]
        return path

    def finish(self) -> None:
        """Writes what was collected into the page and ends it."""
        canvas = self._canvas
        if self._fills:
            canvas.addLiteral(f"{_UNITS} 0.92 g\n" + "\n".join(self._fills) + "\nf Q")
        if rules := self._rules():
            canvas.addLiteral(f"{_UNITS} {round(LINE_WIDTH * 100)} w 0 G\n" + "\n".join(rules) + "\nS Q")
        if self._text:
            canvas.addLiteral(f"{_UNITS} BT 0 g\n" + "\n".join(self._text) + "\nET Q")
        canvas.showPage()
