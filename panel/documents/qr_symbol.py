"""A QR symbol for a payload, drawn as a few filled rectangles in a PDF page.

The payload is encoded as UTF-8 in one byte-mode segment at error correction level M
(qr_encoder): an encoder that switches Cyrillic to Kanji or numeric segments makes codes
that banking apps read as garbage. Dark modules are merged into rectangles (runs along a
row, then equal runs of the rows below) and written as one path of `re` operators in
module units under one transformation, instead of one drawing call per module.
"""
import re
from dataclasses import dataclass

from panel.documents import qr_encoder

QUIET_ZONE = 4  # modules of white around the symbol that nothing else may be drawn in


@dataclass(frozen=True)
class QrSymbol:
    modules: int  # per side, without the quiet zone
    version: int
    mask: int
    rectangles: tuple[tuple[int, int, int, int], ...]  # x, y from the top, width, height; in modules


_DARK_RUN = re.compile(rb"\x01+")


def encode(payload: str) -> QrSymbol:
    symbol = qr_encoder.encode(payload.encode("utf-8"))
    return QrSymbol(len(symbol.rows), symbol.version, symbol.mask, _rectangles(symbol.rows))


def _rectangles(matrix: tuple[bytes, ...]) -> tuple[tuple[int, int, int, int], ...]:
    done: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}  # run -> the row it started in
    for y, row in enumerate(matrix):
        runs = {match.span() for match in _DARK_RUN.finditer(row)}
        for run in [run for run in open_runs if run not in runs]:
            top = open_runs.pop(run)
            done.append((run[0], top, run[1] - run[0], y - top))
        for run in runs:
            open_runs.setdefault(run, y)
    for run, top in open_runs.items():
        done.append((run[0], top, run[1] - run[0], len(matrix) - top))
    return tuple(sorted(done, key=lambda rect: (rect[1], rect[0])))


def pdf_operators(symbol: QrSymbol, left: float, top: float, side: float) -> str:
    """PDF content that fills the dark modules in black, the symbol `side` points wide with its
    top-left corner at (left, top) in page coordinates (y up). The quiet zone is outside."""
    module = side / symbol.modules
    body = "\n".join(f"{x} {y} {width} {height} re" for x, y, width, height in symbol.rectangles)
    return f"q 0 g {module:.5f} 0 0 {-module:.5f} {left:.3f} {top:.3f} cm\n{body}\nf Q"
