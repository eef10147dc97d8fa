"""The QR symbol as rectangles: exactly the dark modules, each once, a rectangle per run."""
import re

from panel.documents import qr_encoder
from panel.documents.qr_symbol import dark_runs, encode, pdf_operators
from tests.panel.documents.test_qr_encoder import PAYLOAD


def test_runs_cover_the_dark_modules_exactly_once():
    symbol = encode(PAYLOAD)
    assert symbol.rows == qr_encoder.encode(PAYLOAD.encode("utf-8")).rows
    painted = [[0] * symbol.modules for _ in range(symbol.modules)]
    runs = list(dark_runs(symbol))
    for x, y, width in runs:
        for column in range(x, x + width):
            painted[y][column] += 1
    assert [bytes(row) for row in painted] == list(symbol.rows)
    assert len(runs) < 0.6 * sum(map(sum, symbol.rows))  # runs, not one per module


def test_operators_fill_one_path_in_module_units():
    symbol = encode(PAYLOAD)
    operators = pdf_operators(symbol, left=100.0, top=500.0, side=113.386)
    assert operators.startswith("q 0 g ") and operators.endswith("\nf Q")
    assert operators.count(" re") == len(list(dark_runs(symbol)))
    scale = re.match(r"q 0 g ([\d.]+) 0 0 -([\d.]+) 100\.000 500\.000 cm", operators)
    assert scale and abs(float(scale[1]) * symbol.modules - 113.386) < 0.01
