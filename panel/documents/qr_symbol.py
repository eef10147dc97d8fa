"""A QR symbol for a payload, drawn as filled rectangles in a PDF page.

The payload is encoded as UTF-8 in one byte-mode segment at error correction level M
(qr_encoder): an encoder that switches Cyrillic to Kanji or numeric segments makes codes
that banking apps read as garbage. Each run of dark modules in a row is one rectangle,
and all of them are one path of `re` operators in module units under one transformation,
instead of one drawing call per module. (Merging equal runs of the rows below as well
saved a tenth of the rectangles and cost more time than it saved in compression.)
"""
import re
from collections.abc import Iterator
from dataclasses import dataclass

from panel.documents import qr_encoder

QUIET_ZONE = 4  # modules of white around the symbol that nothing else may be drawn in
_DARK_RUN = re.compile(rb"\x01+")


@dataclass(frozen=True)
class QrSymbol:
    modules: int  # per side, without the quiet zone
    version: int
    mask: int
    rows: tuple[bytes, ...]  # 1 = dark, top row first


def encode(payload: str) -> QrSymbol:
    symbol = qr_encoder.encode(payload.encode("utf-8"))
    return QrSymbol(len(symbol.rows), symbol.version, symbol.mask, symbol.rows)


def dark_runs(symbol: QrSymbol) -> Iterator[tuple[int, int, int]]:
    """(x, y from the top, width) of each run of dark modules in a row, in modules."""
    for y, row in enumerate(symbol.rows):
        for run in _DARK_RUN.finditer(row):
            start, end = run.span()
            yield start, y, end - start


def pdf_operators(symbol: QrSymbol, left: float, top: float, side: float) -> str:
    """PDF content that fills the dark modules in black, the symbol `side` points wide with its
    top-left corner at (left, top) in page coordinates (y up). The quiet zone is outside."""
    module = side / symbol.modules
    body = "\n".join(f"{x} {y} {width} 1 re" for x, y, width in dark_runs(symbol))
    return f"q 0 g {module:.5f} 0 0 {-module:.5f} {left:.3f} {top:.3f} cm\n{body}\nf Q"
