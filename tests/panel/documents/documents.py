"""Payment documents for the renderer's tests: the seed's, with real requisites, and stress cases."""
import dataclasses
import subprocess
from decimal import Decimal
from pathlib import Path

from panel.documents.model import COMMUNAL_SECTION, ChargeLine, PaymentDocument, Recipient
from tests.require import require_tool
from tests.seed_document import seed_document

# Sberbank's real requisites (as in tests/panel/test_validation.py) and an account with a valid key.
COMPLETE = {
    "inn": "7707083893", "kpp": "773601001", "bank_account": "40702810138250123017",
    "bank_name": "ПАО СБЕРБАНК", "bic": "044525225", "corr_account": "30101810400000000225",
}
LONG_NAME = ("<b>Лермонтов & Сыновья</b> " + "Михаил Николаевич-Перматов ") * 8
LONG_NAME = LONG_NAME[:200]
LONG_ADDRESS = ("109451, г. Москва, ул. Братиславская, дом № 1, корпус 2, строение 3, подъезд 4, "
                "этаж 5, кв. 1, вход со двора через арку возле аптеки «Здоровье» ") * 2


def with_requisites(document: PaymentDocument, **changes) -> PaymentDocument:
    recipient = dataclasses.replace(document.recipient, **{**COMPLETE, **changes})
    return dataclasses.replace(document, recipient=recipient)


def payable_seed() -> PaymentDocument:
    """The seed's document with requisites and something to pay (the seed's advance covers it all)."""
    document = with_requisites(seed_document())
    return dataclasses.replace(document, total_with_advance=Decimal("2447.90"))


def many_lines(count: int) -> tuple[ChargeLine, ...]:
    seed_lines = seed_document().lines
    communal = [line for line in seed_lines if line.is_communal]
    lines = []
    for index in range(count):
        line = communal[index % len(communal)]
        lines.append(dataclasses.replace(line, service=f"{line.service} (строка {index + 1})",
                                         section=COMMUNAL_SECTION))
    return tuple(lines)


def stress_document() -> PaymentDocument:
    """Everything at once: a 200-character name with markup characters, a long address, 40
    lines, a negative recalculation with its reason, zero amounts, every 43/пр field."""
    document = with_requisites(seed_document())
    lines = list(many_lines(40))
    lines[0] = dataclasses.replace(lines[0], recalculation=Decimal("-123.45"),
                                   recalculation_reason="Отсутствие потребителя более 5 дней (ПП № 354 п. 86)")
    lines[1] = dataclasses.replace(lines[1], amount_individual=Decimal("0.00"), charged=Decimal("0.00"),
                                   total=Decimal("0.00"))
    lines[2] = dataclasses.replace(lines[2], instalment_payment=Decimal("250.00"),
                                   instalment_interest=Decimal("3.17"))
    return dataclasses.replace(
        document, payer=LONG_NAME, address=LONG_ADDRESS, lines=tuple(lines),
        debt_previous=Decimal("1520.35"), penalties=Decimal("12.07"), capital_repair_number="770000000123",
        total_with_advance=Decimal("3980.42"),
    )


def without_requisites(document: PaymentDocument) -> PaymentDocument:
    return dataclasses.replace(document, recipient=Recipient(name=document.recipient.name))


def pdf_text(pdf: bytes, tmp_path: Path, layout: bool = False) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    command = [require_tool("pdftotext"), *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def decoded_qr(pdf: bytes, tmp_path: Path) -> list[str]:
    """The QR codes zbarimg reads in the first page drawn at 300 dpi."""
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf)
    subprocess.run([require_tool("pdftoppm"), "-r", "300", "-f", "1", "-l", "1", "-png", str(path),
                    str(tmp_path / "page")], check=True, capture_output=True)
    [image] = tmp_path.glob("page*.png")
    result = subprocess.run(
        [require_tool("zbarimg"), "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", "-Sbinary", str(image)],
        capture_output=True)
    assert result.returncode in (0, 4), result.stderr  # 4: no symbol found
    return [line.decode("utf-8") for line in result.stdout.splitlines() if line]
