"""One payment document as the renderer sees it: every figure already read and typed.

Money and the other figures are Decimal, or None where the data has no value (the
document prints a blank there). Volumes, norms and readings keep the places they were
given with (Decimal("2.8628"), Decimal("180")); money has two. Nothing here is recomputed
from anything else: the document prints what was imported.
"""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

COMMUNAL_SECTION = "Коммунальные услуги"


@dataclass(frozen=True)
class Recipient:
    """The УК or ТСЖ: the executor of services and the recipient of the payment."""

    name: str
    kind: str = "УК"
    inn: str = ""
    kpp: str = ""
    bank_account: str = ""   # расчетный счет, 20 digits
    bank_name: str = ""
    bic: str = ""            # 9 digits
    corr_account: str = ""   # корреспондентский счет, 20 digits
    address: str = ""
    phone: str = ""
    email: str = ""
    site: str = ""
    work_hours: str = ""


@dataclass(frozen=True)
class SettlementCentre:
    """«Расчетный центр»; all empty when the organisation has none."""

    name: str = ""
    address: str = ""
    work_hours: str = ""


@dataclass(frozen=True)
class ChargeLine:
    """One service of the charges table: columns 1–13 and the «Справочная информация» 1–6."""

    service: str
    section: str = ""        # "", "Коммунальные услуги", "Прочие", ...: a section row before it
    unit: str = ""
    volume_individual: Decimal | None = None
    volume_individual_basis: str = ""  # "1", "1а", "2", "3", "4": printed as "(1)" after the volume
    volume_common: Decimal | None = None
    volume_common_basis: str = ""
    tariff: Decimal | None = None
    amount_individual: Decimal | None = None
    amount_common: Decimal | None = None
    charged: Decimal | None = None
    recalculation: Decimal | None = None  # may be negative
    benefits: Decimal | None = None
    total: Decimal | None = None
    total_individual: Decimal | None = None
    total_common: Decimal | None = None
    norm_individual: Decimal | None = None
    norm_common: Decimal | None = None
    meter_individual: Decimal | None = None
    meter_common: Decimal | None = None
    house_volume_individual: Decimal | None = None
    house_volume_common: Decimal | None = None
    # What the model form (Приказ Минстроя № 43/пр) adds, where the data has it:
    recalculation_reason: str = ""           # «основания перерасчетов»
    instalment_payment: Decimal | None = None   # рассрочка: the part paid this period
    instalment_interest: Decimal | None = None  # рассрочка: interest charged on it

    @property
    def is_communal(self) -> bool:
        """Communal services have volumes and the reference columns; other lines print x there."""
        return self.section == COMMUNAL_SECTION


@dataclass(frozen=True)
class HouseFacts:
    """The lines under the table, per building and month."""

    common_property_area: Decimal | None = None
    residents_in_house: int | None = None
    premises_area: Decimal | None = None
    total_house_area: Decimal | None = None


@dataclass(frozen=True)
class PaymentDocument:
    period: str                      # "2013-07"
    account_number: str              # номер лицевого счета, e.g. "000000001001"
    payer: str                       # as the document names the payer
    address: str                     # the premises' postal address
    recipient: Recipient
    centre: SettlementCentre = SettlementCentre()
    total_area: Decimal | None = None
    residents: int | None = None
    advance: Decimal | None = None
    last_payment_date: dt.date | None = None
    last_payment_amount: Decimal | None = None
    payments_counted_until: dt.date | None = None
    total_for_period: Decimal = Decimal("0.00")    # «Итого к оплате за расч. период»
    total_with_advance: Decimal = Decimal("0.00")  # «Итого к оплате с учетом аванса»: what is paid
    debt_previous: Decimal | None = None  # задолженность за предыдущие периоды (negative: overpaid)
    penalties: Decimal | None = None      # пени
    capital_repair_number: str = ""       # the account number for capital-repair contributions
    lines: tuple[ChargeLine, ...] = ()
    house: HouseFacts | None = None

    @property
    def amount_due(self) -> Decimal:
        """What the payer is asked to pay now: the QR code's Sum."""
        return self.total_with_advance
