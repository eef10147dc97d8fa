"""The demo's July 2013 payment documents: lines whose figures agree, varied on purpose.

A line's «Всего начислено» is its two amounts, each volume (or area) times the tariff,
rounded half-up; its «Итого к оплате» what was charged plus recalculations less benefits;
the period total the sum of the lines; what is paid that total plus the debt and the
penalties, less the advance, never below zero. Rows are keyed by the import's column names.
"""
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from panel.demo.households import Household
from panel.validation import CENT

PERIOD = "Июль 2013"
COMMUNAL = "Коммунальные услуги"
OTHER = "Прочие"
CAPITAL_REPAIR = "Взнос на капитальный ремонт"
CAPITAL_REPAIR_RATE = Decimal("15.00")
ZERO = Decimal("0.00")
MAX_LINES = 40

# Other services: (name, unit, tariff); with the unit м2 the tariff is per square metre.
OTHER_SERVICES = (
    ("Целевой сбор", "", "100.00"),
    ("Запирающее устройство (домофон)", "", "45.00"),
    ("Антенна коллективного пользования", "", "110.00"),
    ("Радиоточка", "", "61.00"),
    ("Вывоз твердых коммунальных отходов", "м2", "3.20"),
    ("Содержание и обслуживание лифтов", "м2", "2.45"),
    ("Услуги консьержа", "", "350.00"),
    ("Охрана придомовой территории", "", "500.00"),
    ("Уборка лестничных клеток", "м2", "1.35"),
    ("Уборка придомовой территории", "м2", "1.80"),
    ("Вывоз снега", "м2", "0.40"),
    ("Обслуживание шлагбаума", "", "150.00"),
    ("Видеонаблюдение", "", "90.00"),
    ("Добровольное страхование жилого помещения", "", "160.00"),
    ("Обслуживание индивидуального теплового пункта", "м2", "0.95"),
    ("Техническое обслуживание внутридомового газового оборудования", "", "0.00"),
    ("Дератизация и дезинсекция", "м2", "0.22"),
    ("Озеленение и благоустройство", "м2", "0.30"),
    ("Обслуживание общедомовых приборов учета", "м2", "0.25"),
    ("Содержание машино-места в подземном паркинге (м/м № 17)", "", "2500.00"),
    ("Абонентское обслуживание системы учета ресурсов", "", "35.00"),
    ("Обслуживание системы пожарной сигнализации", "м2", "0.18"),
    ("Аварийно-диспетчерское обслуживание", "м2", "0.60"),
)
REASONS = (
    "Некачественная услуга: акт № 17 от 12.07.2013 (перерывы в подаче горячей воды)",
    "Временное отсутствие потребителя с 01.07.2013 по 14.07.2013 (справка о командировке)",
    "Перерасчет ОДН по показаниям ОПУ за июнь 2013 г.",
    "Перерасчет по показаниям ИПУ за II квартал 2013 г.",
    "Исправление ошибки в площади помещения (было 72,5 м2)",
)
EXTRA_CHARGE = "Доначисление: ИПУ не поверен с 01.05.2013, расчет по нормативу"
CORRECTIONS = (   # lines of a recalculation alone: (service, unit, reason)
    ("Отопление (корректировка за 2012 г.)", "Гкал",
     "Корректировка платы за отопление за 2012 г. по показаниям ОПУ (п. 21 Правил № 307)"),
    ("Горячее водоснабжение (перерасчет за июнь 2013 г.)", "м3",
     "Временное отсутствие с 01.06.2013 по 30.06.2013, заявление от 03.07.2013"),
    ("Холодное водоснабжение (перерасчет за июнь 2013 г.)", "м3",
     "Перерасчет по показаниям ИПУ, поданным 25.06.2013"),
)


def money(number: Decimal) -> Decimal:
    return number.quantize(CENT, ROUND_HALF_UP)


def _text(number: Decimal | None) -> str:
    return "" if number is None else f"{number:f}"


@dataclass
class Line:
    service: str
    section: str = ""
    unit: str = ""
    volume_individual: Decimal | None = None
    volume_individual_basis: str = ""
    volume_common: Decimal | None = None
    volume_common_basis: str = ""
    tariff: Decimal | None = None
    amount_individual: Decimal | None = None
    amount_common: Decimal | None = None
    recalculation: Decimal | None = None
    recalculation_reason: str = ""
    benefits: Decimal | None = None
    instalment_payment: Decimal | None = None
    instalment_interest: Decimal | None = None
    reference: dict[str, str] = field(default_factory=dict)

    @property
    def charged(self) -> Decimal | None:
        amounts = [amount for amount in (self.amount_individual, self.amount_common) if amount is not None]
        return sum(amounts, ZERO) if amounts else None

    @property
    def total(self) -> Decimal:
        return (self.charged or ZERO) + (self.recalculation or ZERO) - (self.benefits or ZERO)

    def row(self) -> dict[str, str]:
        adjustment = (self.recalculation or ZERO) - (self.benefits or ZERO)
        total_individual = total_common = None
        if self.section == COMMUNAL and self.amount_individual is not None:
            total_individual, total_common = self.amount_individual + adjustment, self.amount_common
        elif self.section == COMMUNAL and self.amount_common is not None:
            total_common = self.amount_common + adjustment
        figures = {
            "volume_individual": self.volume_individual, "volume_common": self.volume_common,
            "tariff": self.tariff, "amount_individual": self.amount_individual, "amount_common": self.amount_common,
            "charged": self.charged, "recalculation": self.recalculation, "benefits": self.benefits,
            "total": self.total, "total_individual": total_individual, "total_common": total_common,
            "instalment_payment": self.instalment_payment, "instalment_interest": self.instalment_interest,
        }
        return {
            "section": self.section, "service": self.service, "unit": self.unit,
            "volume_individual_basis": self.volume_individual_basis,
            "volume_common_basis": self.volume_common_basis,
            "recalculation_reason": self.recalculation_reason,
        } | {name: _text(value) for name, value in figures.items()} | self.reference


def _metered(rng: random.Random, service: str, unit: str, tariff: str, norm: str, household: Household,
             common_per_m2: str | None, common_norm: str) -> Line:
    """A communal service for the flat (by meter or by norms) and the house's common needs."""
    rate = Decimal(tariff)
    if rng.random() < 0.6 and household.residents:
        volume, basis = Decimal(rng.randrange(0, 1200)) / 100, "2"
        reference = {"meter_individual": f"{Decimal(rng.randrange(10_000, 999_999)) / 1000:f}"}
    else:
        volume, basis = Decimal(norm) * household.residents, "1"
        reference = {"norm_individual": norm}
    line = Line(service, COMMUNAL, unit, volume, basis, tariff=rate, amount_individual=money(volume * rate),
                reference=reference)
    if common_per_m2 is not None:
        line.volume_common = (Decimal(common_per_m2) * household.area).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        line.volume_common_basis = "4"
        line.amount_common = money(line.volume_common * rate)
        line.reference |= {"norm_common": common_norm}
    return line


def _electricity(rng: random.Random, household: Household, zones: int) -> list[Line]:
    tariffs = {1: (("", "2.88"),), 2: (("день", "3.32"), ("ночь", "1.04")),
               3: (("пик", "3.65"), ("полупик", "2.88"), ("ночь", "1.04"))}[zones]
    lines = []
    for zone, tariff in tariffs:
        norm = "180" if zones == 1 and household.residents else None
        volume = Decimal(180) if norm else Decimal(rng.randrange(0, 260))
        basis = "1" if norm else "2"
        reference = {"norm_individual": norm} if norm else {"meter_individual": str(rng.randrange(1000, 99_999))}
        lines.append(Line(f"Электроэнергия ({zone})" if zone else "Электроэнергия", COMMUNAL, "кВтч", volume, basis,
                          tariff=Decimal(tariff), amount_individual=money(volume * Decimal(tariff)),
                          reference=reference))
    for tariff, per_m2 in (("3.02", "0.0389"), ("1.04", "0.0021")):    # common needs, day and night
        volume = (Decimal(per_m2) * household.area).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        lines.append(Line("Электроэнергия", COMMUNAL, "кВтч", Decimal(0), "1", volume, "4", Decimal(tariff),
                          amount_common=money(volume * Decimal(tariff)), reference={"norm_common": "2.8"}))
    return lines


def _communal(rng: random.Random, household: Household) -> list[Line]:
    kitchen_and_bath = household.shape in ("long", "longest")
    lines = []
    for service, tariff, norm, per_m2, common_norm in (
        ("Холодное водоснабжение", "13.50", "5.55", "0.0409", "0.15"),
        ("Горячее водоснабжение", "77.21", "5.7", "0.0070", "0.12"),
    ):
        if kitchen_and_bath:
            lines.append(_metered(rng, f"{service} (кухня)", "м3", tariff, norm, household, per_m2, common_norm))
            lines.append(_metered(rng, f"{service} (ванная)", "м3", tariff, norm, household, None, common_norm))
        else:
            lines.append(_metered(rng, service, "м3", tariff, norm, household, per_m2, common_norm))
    if household.shape == "short":
        return lines[:1] + _electricity(rng, household, 1)[:1]
    lines.append(_metered(rng, "Водоотведение", "м3", "9.88", "11.25", household, "0.0685", "0.27"))
    zones = {"usual": 1, "long": 2, "longest": 3}[household.shape]
    lines += _electricity(rng, household, zones)
    heat = money(household.area * Decimal("0.016") * Decimal("1747.47"))
    lines.append(Line("Отопление", COMMUNAL, "Гкал", volume_common=(household.area * Decimal("0.016")),
                      volume_common_basis="1", tariff=Decimal("1747.47"), amount_common=heat,
                      reference={"norm_common": "0.016"}))
    if household.building.gas:
        volume = Decimal(10) * household.residents
        lines.append(Line("Газоснабжение", COMMUNAL, "м3", volume, "1", tariff=Decimal("4.54"),
                          amount_individual=money(volume * Decimal("4.54")), reference={"norm_individual": "10"}))
    if household.shape == "longest":
        for service, unit, reason in CORRECTIONS:
            correction = -money(Decimal(rng.randrange(5000, 250_000)) / 100)
            lines.append(Line(service, COMMUNAL, unit, recalculation=correction, recalculation_reason=reason))
    return lines


def _adjust(rng: random.Random, household: Household, lines: list[Line]) -> None:
    """Recalculations with their reasons, benefits, one instalment."""
    for line in lines:
        if line.charged is None or line.recalculation is not None:
            continue
        draw = rng.random()
        if draw < 0.06 and line.charged:
            line.recalculation = -money(line.charged * Decimal(rng.randrange(10, 101)) / 100)
            line.recalculation_reason = rng.choice(REASONS)
        elif draw < 0.07:
            line.recalculation = money(Decimal(rng.randrange(100, 50_000)) / 100)
            line.recalculation_reason = EXTRA_CHARGE
        if household.benefits and line.section == COMMUNAL:        # half of what is left to pay
            line.benefits = money((line.charged + (line.recalculation or ZERO)) / 2)
    if rng.random() < 0.06:
        line = next((line for line in lines if line.service == "Отопление"), lines[0])
        line.instalment_payment = money(Decimal(rng.randrange(30_000, 200_000)) / 100)
        line.instalment_interest = money(line.instalment_payment * Decimal("0.0069"))


def document_lines(rng: random.Random, household: Household) -> list[Line]:
    tariff = Decimal(household.building.maintenance)
    lines = [Line("Содержание и ремонт общего имущества", "", "м2", tariff=tariff,
                  amount_individual=money(household.area * tariff))]
    lines += _communal(rng, household)
    if household.building.capital_repair:
        lines.append(Line(CAPITAL_REPAIR, CAPITAL_REPAIR, "м2", household.area, tariff=CAPITAL_REPAIR_RATE,
                          amount_individual=money(household.area * CAPITAL_REPAIR_RATE)))
    others = {"short": 0, "usual": rng.randrange(1, 4), "long": rng.randrange(5, 11), "longest": len(OTHER_SERVICES)}
    chosen = sorted(rng.sample(OTHER_SERVICES, others[household.shape]), key=OTHER_SERVICES.index)
    for service, unit, rate in chosen[:MAX_LINES - len(lines)]:
        tariff = Decimal(rate)
        lines.append(Line(service, OTHER, unit, tariff=tariff,
                          amount_individual=money(household.area * tariff if unit else tariff)))
    _adjust(rng, household, lines)
    return lines


def _owed(rng: random.Random) -> dict[str, Decimal]:
    """The document's own figures: advance, debt or overpayment, penalties, the last payment."""
    figures: dict[str, Decimal] = {}
    draw = rng.random()
    if draw < 0.15:
        figures["advance"] = money(Decimal(rng.randrange(10_000, 300_000)) / 100)
    elif draw < 0.35:
        figures["debt_previous"] = money(Decimal(rng.randrange(50_000, 6_000_000)) / 100)
        if rng.random() < 0.5:
            figures["penalties"] = money(figures["debt_previous"] * Decimal(rng.randrange(1, 30)) / 1000)
    elif draw < 0.43:
        figures["debt_previous"] = -money(Decimal(rng.randrange(5_000, 200_000)) / 100)
    return figures


def document_rows(rng: random.Random, household: Household, house: dict[str, str]) -> list[dict[str, str]]:
    """The charges file's rows of one account's July document; its own and the house's figures on the first."""
    lines = document_lines(rng, household)
    owed = _owed(rng)
    total = sum((line.total for line in lines), ZERO)
    paid = total + owed.get("debt_previous", ZERO) + owed.get("penalties", ZERO) - owed.get("advance", ZERO)
    document = {name: _text(value) for name, value in owed.items()} | {
        "payments_counted_until": "2013-07-25",
        "total_for_period": _text(total),
        "total_with_advance": _text(max(ZERO, paid)),
    }
    if rng.random() < 0.85:
        document["last_payment_date"] = f"2013-{rng.choice(('06', '07'))}-{rng.randrange(1, 26):02d}"
        document["last_payment_amount"] = _text(money(Decimal(rng.randrange(50_000, 1_500_000)) / 100))
    rows = [{"account_number": household.number, "period": PERIOD} | line.row() for line in lines]
    rows[0] |= document | house
    return rows


def house_facts(households: list[Household]) -> dict[str, dict[str, str]]:
    """The figures under the table, by building: areas and residents of every generated premises."""
    facts = {}
    for building in dict.fromkeys(household.building for household in households):
        inside = [household for household in households if household.building == building]
        premises = sum((household.area for household in inside), ZERO)
        common = money(premises * Decimal("0.08"))
        facts[building.name] = {
            "common_property_area": _text(common),
            "residents_in_house": str(sum(household.residents for household in inside)),
            "premises_area": _text(money(premises)),
            "total_house_area": _text(money(premises) + common),
        }
    return facts
