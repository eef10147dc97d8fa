"""The demo's generated personal accounts: buildings, flats and who pays for them.

Accounts are rows for the accounts import, keyed by the import's column names
(panel/imports/columns.py); every choice comes from the one seeded random.Random passed in.
"""
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from panel.demo import people
from panel.demo.organisations import SECOND_ORGANISATION, SEED_ORGANISATION
from panel.validation import CENT

DELIVERY = {"email": "По электронной почте", "post": "Почтой", "in_person": "Лично"}
CLOSED_ON = "2013-05-31"     # a few accounts were closed before July: they have no document


@dataclass(frozen=True)
class Building:
    organisation: str
    postcode: str
    street: str
    house: str
    flats: int
    first_code: int          # accounts are numbered <code, 9 digits>001, as the seed's 000000001001
    capital_repair: str      # "fund": paid to the regional fund's account, "special": the house's own, "": none
    maintenance: str         # «Содержание и ремонт общего имущества», roubles per m²
    gas: bool = False

    @property
    def name(self) -> str:
        """The accounts' «Здание», as the seed writes it: «Москва, Братиславская, д. 1»."""
        return f"Москва, {self.street}, д. {self.house}"


BUILDINGS = (
    Building(SEED_ORGANISATION, "109451", "Братиславская", "3", 70, 2, "fund", "15.90"),
    Building(SEED_ORGANISATION, "109451", "Братиславская", "5, корп. 2", 60, 72, "fund", "15.90", gas=True),
    Building(SEED_ORGANISATION, "109469", "Марьинский бульвар", "7", 60, 132, "special", "18.25"),
    Building(SEED_ORGANISATION, "109469", "Новочеркасский бульвар", "41, корп. 1, стр. 2", 50, 192, "", "20.60"),
    Building(SEED_ORGANISATION, "109388",
             "проспект Сорокалетия Октября и Героев Первой Пятилетки имени Алексея Максимовича Горького",
             "118, корп. 3, стр. 1", 60, 242, "fund", "22.95"),
    Building(SECOND_ORGANISATION, "109542", "Кленовый бульвар", "5", 40, 900_000_001, "special", "27.80", gas=True),
)


@dataclass(frozen=True)
class Household:
    """One generated account: the accounts file's row and what its charges are made from."""
    building: Building
    row: dict[str, str]
    residents: int
    area: Decimal
    benefits: bool          # a veteran's 50 % on communal services
    shape: str              # how many lines: "short" (3 or 4), "usual", "long", "longest" (up to 40)

    @property
    def number(self) -> str:
        return self.row["number"]

    @property
    def billed(self) -> bool:
        return not self.row["closed"]


def plain(number: Decimal) -> str:
    """Two places, rounded half-up: "70.00"."""
    return f"{number.quantize(CENT, ROUND_HALF_UP):f}"


def _area(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 10, high * 10)) / 10


def _delivery(rng: random.Random, who: people.Person, number: str) -> tuple[str, str]:
    """(method, address): e-mail with an address, post or in person, some with an unused address."""
    draw = rng.random()
    if draw < 0.45:
        return DELIVERY["email"], people.email(rng, who, number)
    if draw < 0.75:
        return DELIVERY["post"], ""
    if draw < 0.92:
        return DELIVERY["in_person"], ""
    return DELIVERY["post"], people.email(rng, who, number)      # stored, but nothing is e-mailed


def _household(rng: random.Random, building: Building, flat: int) -> Household:
    code = f"{building.first_code + flat - 1:09d}"
    number = f"{code}001"
    company = flat == building.flats and building.organisation == SEED_ORGANISATION
    who = people.person(rng)
    tenants = not company and rng.random() < 0.12
    if company:
        payer = people.COMPANIES[BUILDINGS.index(building) % len(people.COMPANIES)]
        premises, area, residents = f"{building.street}, д. {building.house}, пом. I", _area(rng, 80, 400), 0
    else:
        payer = who.full_name
        premises, area = f"{building.street}, д. {building.house}, кв. {flat}", _area(rng, 28, 145)
        residents = rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4, 5, 7))
    method, address = _delivery(rng, who, number)
    share = rng.choice(("1.00000",) * 6 + ("0.50000", "0.33333", "0.25000"))
    row = {
        "number": number, "code": code, "payer": payer,
        "payer_on_document": who.short_name if not company and rng.random() < 0.05 else "",
        "owner": people.CITY_OWNER if tenants else payer,
        "organisation": building.organisation, "premises": premises, "building": building.name,
        "postal_address": f"{building.postcode}, Москва, {building.street}, дом № {building.house}, "
                          + premises.rsplit(", ", 1)[1],
        "total_area": plain(area),
        "living_area": "" if company or rng.random() < 0.4 else plain(area * Decimal("0.62")),
        "registered": str(residents), "residents": str(residents),
        "category": "Наниматели" if tenants else "Собственники",
        "ownership_share": "1.00000" if company or tenants else share,
        "housing_fund": "Муниципальный" if tenants else "Приватизированный",
        "opened": rng.choice(("2012-10-01",) * 8 + ("2013-01-15", "2013-03-01")),
        "closed": CLOSED_ON if flat == 13 else "",          # one a building
        "delivery_method": method, "email": address,
        "phone": people.phone(rng),
        "capital_repair_number": f"КР-{number}" if building.capital_repair == "fund" else "",
    }
    draw = rng.random()
    shape = "short" if draw < 0.1 else "usual" if draw < 0.7 else "long" if draw < 0.95 else "longest"
    return Household(building, row, residents, area, rng.random() < 0.1, shape)


def households(rng: random.Random) -> list[Household]:
    return [_household(rng, building, flat) for building in BUILDINGS for flat in range(1, building.flats + 1)]
