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
_CODES_KEPT = 20_000  # texts per face and process whose codes are remembered


class TextCodes:
    """The document's side of the font subsets: seeded at the start, then text -> codes."""

    def __init__(self, canvas: Canvas, faces: Fonts):
        self._doc = canvas._doc
        for face in (faces.regular, faces.bold):
            face.font.splitString(face.alphabet, self._doc)  # before any text: the same codes every time

    def encode(self, face: Face, text: str) -> list[tuple[str, str]]:
        """(subset font name, hex codes) runs: one run unless the face's subset overflowed 256 codes."""
        runs = face.codes.get(text)
        if runs is None:
            runs = tuple((subset, codes.hex()) for subset, codes in face.font.splitString(text, self._doc))
            if set(text).issubset(face.alphabet):
                if len(face.codes) >= _CODES_KEPT:
                    face.codes.clear()
                face.codes[text] = runs
        font, doc = face.font, self._doc
        return [(font.getSubsetInternalName(subset, doc), codes) for subset, codes in runs]


def _merged(segments: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for low, high in sorted(segments):
        if merged and low <= merged[-1][1] + 0.01:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


class PageWriter:
    def __init__(self, canvas: Canvas, codes: TextCodes):
        self._canvas = canvas
        self._codes = codes
        self._text: list[str] = []
        self._at = (0.0, 0.0)  # the text line's start, as written (rounded)
        self._font: tuple[str, float] | None = None
        self._vertical: defaultdict[float, list[tuple[float, float]]] = defaultdict(list)
        self._horizontal: defaultdict[float, list[tuple[float, float]]] = defaultdict(list)
        self._fills: list[str] = []

    def text(self, x: float, y: float, text: str, face: Face, size: float) -> None:
        """`text` with its baseline starting at (x, y)."""
        if not text:
            return
        out = self._text
        at_x, at_y = self._at
        dx, dy = round(x - at_x, 2), round(y - at_y, 2)  # relative moves, with no rounding drift
        self._at = (at_x + dx, at_y + dy)
        out.append(f"{dx:.2f} {dy:.2f} Td")
        for font_name, codes in self._codes.encode(face, text):
            if self._font != (font_name, size):
                out.append(f"{font_name} {size:.2f} Tf")
                self._font = (font_name, size)
            out.append(f"<{codes}> Tj")

    def text_right(self, right: float, y: float, text: str, face: Face, size: float) -> None:
        self.text(right - face.width(text, size), y, text, face, size)

    def text_centred(self, centre: float, y: float, text: str, face: Face, size: float) -> None:
        self.text(centre - face.width(text, size) / 2, y, text, face, size)

    def rule(self, x1: float, y1: float, x2: float, y2: float) -> None:
        """A horizontal or vertical rule."""
        if x1 == x2:
            self._vertical[round(x1, 2)].append((min(y1, y2), max(y1, y2)))
        elif y1 == y2:
            self._horizontal[round(y1, 2)].append((min(x1, x2), max(x1, x2)))
        else:
            raise ValueError("rules are horizontal or vertical")

    def frame(self, left: float, bottom: float, width: float, height: float) -> None:
        right, top = left + width, bottom + height
        self.rule(left, bottom, right, bottom)
        self.rule(left, top, right, top)
        self.rule(left, bottom, left, top)
        self.rule(right, bottom, right, top)

    def shade(self, left: float, bottom: float, width: float, height: float) -> None:
        """A light grey background (header rows), drawn under everything else."""
        self._fills.append(f"{left:.2f} {bottom:.2f} {width:.2f} {height:.2f} re")

    def literal(self, operators: str) -> None:
        """Ready PDF content (the QR code's path)."""
        self._canvas.addLiteral(operators)

    def _rules(self) -> list[str]:
        path = [f"{x:.2f} {low:.2f} m {x:.2f} {high:.2f} l"
                for x, segments in self._vertical.items() for low, high in _merged(segments)]
        path += [f"{low:.2f} {y:.2f} m {high:.2f} {y:.2f} l"
                 for y, segments in self._horizontal.items() for low, high in _merged(segments)]
        return path

    def finish(self) -> None:
        """Writes what was collected into the page and ends it."""
        canvas = self._canvas
        if self._fills:
            canvas.addLiteral("q 0.92 g\n" + "\n".join(self._fills) + "\nf Q")
        if rules := self._rules():
            canvas.addLiteral(f"q {LINE_WIDTH} w 0 G\n" + "\n".join(rules) + "\nS Q")
        if self._text:
            canvas.addLiteral("BT 0 g\n" + "\n".join(self._text) + "\nET")
        canvas.showPage()
