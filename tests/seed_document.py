"""The seed's worked example (tests/fixtures/seed_july_2013.json) as a PaymentDocument."""
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from panel.documents.model import ChargeLine, HouseFacts, PaymentDocument, Recipient, SettlementCentre

FIXTURE = Path(__file__).parent / "fixtures" / "seed_july_2013.json"


def seed_fixture() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _decimal(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _line(section: str, line: dict) -> ChargeLine:
    reference = line.get("reference", {})
    figures = {
        name: _decimal(line.get(name)) for name in (
            "volume_individual", "volume_common", "tariff", "amount_individual", "amount_common", "charged",
            "recalculation", "benefits", "total", "total_individual", "total_common",
        )
    }
    figures.update({
        name: _decimal(reference.get(name)) for name in (
            "norm_individual", "norm_common", "meter_individual", "meter_common",
            "house_volume_individual", "house_volume_common",
        )
    })
    return ChargeLine(
        service=line["service"], section=section, unit=line.get("unit") or "",
        volume_individual_basis=line.get("volume_individual_basis") or "",
        volume_common_basis=line.get("volume_common_basis") or "",
        **figures,
    )


def seed_document() -> PaymentDocument:
    """What the seed's figure 6 shows, as the renderer gets it."""
    data = seed_fixture()
    organisation, account, bank = data["organization"], data["account"], data["organization"]["bank"]
    centre = organisation["settlement_center"]
    house = data["house"]
    return PaymentDocument(
        period=data["period"],
        account_number=account["number"],
        payer=account["payer_on_document"],
        address=account["postal_address"],
        recipient=Recipient(
            name=organisation["name"], kind=organisation["kind"], inn=bank["inn"], kpp=bank["kpp"],
            bank_account=bank["account"], bank_name=bank["bank_name"], bic=bank["bic"],
            corr_account=bank["corr_account"], address=organisation["address"],
            work_hours=organisation["work_hours"],
        ),
        centre=SettlementCentre(centre["name"], centre["address"], centre["work_hours"]),
        total_area=_decimal(account["total_area_m2"]),
        residents=account["residents"],
        advance=_decimal(data["advance"]),
        last_payment_date=_date(data["last_payment"]["date"]),
        last_payment_amount=_decimal(data["last_payment"]["amount"]),
        payments_counted_until=_date(data["payments_counted_until"]),
        total_for_period=Decimal(data["total_for_period"]),
        total_with_advance=Decimal(data["total_with_advance"]),
        lines=tuple(_line(section["title"] or "", line) for section in data["sections"] for line in section["lines"]),
        house=HouseFacts(
            common_property_area=_decimal(house["common_property_area_m2"]),
            residents_in_house=house["residents_in_house"],
            premises_area=_decimal(house["premises_area_m2"]),
            total_house_area=_decimal(house["total_house_area_m2"]),
        ),
    )
