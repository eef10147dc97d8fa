"""Fictional payers for the demo: names (some very long), companies, e-mail addresses, phones.

E-mail addresses use only domains that can never reach anyone: example.com/.org/.net
(RFC 2606) and the IDN test domain «пример.испытание», so a relay pointed at a real
provider cannot mail a demo document to a stranger.
"""
import random
from dataclasses import dataclass

_SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Федоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семенов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьев", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьев",
    "Белов", "Тарасов", "Сорокин", "Медведев", "Ершов", "Калинин", "Фомин", "Голубев",
    "Виноградов", "Богданов", "Ковалевский", "Вишневский", "Левицкий", "Римский-Корсаков",
    "Мусин-Пушкин", "Голенищев-Кутузов", "Шереметев", "Бестужев-Рюмин",
)
_UNCHANGING_SURNAMES = ("Кравченко", "Шевчук", "Бондаренко", "Дурново", "Ткаченко", "Черных", "Мюллер", "Ким")
_MEN = (
    "Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван",
    "Михаил", "Николай", "Павел", "Владимир", "Артем", "Константин", "Вениамин", "Аполлинарий",
)
_WOMEN = (
    "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Мария", "Анна", "Юлия",
    "Екатерина", "Людмила", "Галина", "Анастасия", "Валентина", "Александра-Виктория",
)
_PATRONYMICS = (
    ("Александрович", "Александровна"), ("Сергеевич", "Сергеевна"), ("Николаевич", "Николаевна"),
    ("Петрович", "Петровна"), ("Иванович", "Ивановна"), ("Михайлович", "Михайловна"),
    ("Владимирович", "Владимировна"), ("Анатольевич", "Анатольевна"), ("Вениаминович", "Вениаминовна"),
    ("Аполлинариевич", "Аполлинариевна"), ("Константинович", "Константиновна"),
)
COMPANIES = (
    'ООО "Торгово-производственная компания "Северо-Западный региональный логистический центр"',
    'ИП Константинопольский Вениамин Аполлинариевич',
    'ГБУ города Москвы "Многофункциональный центр предоставления государственных услуг"',
    'ООО "Аптека на Братиславской"',
)
CITY_OWNER = "Департамент городского имущества города Москвы"

_LATIN = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
     "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"),
))
_DOMAINS = ("example.com", "example.org", "example.net", "пример.испытание")


@dataclass(frozen=True)
class Person:
    surname: str
    name: str
    patronymic: str

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.name} {self.patronymic}"

    @property
    def short_name(self) -> str:
        return f"{self.surname} {self.name[0]}. {self.patronymic[0]}."


def _feminine(surname: str) -> str:
    parts = []
    for part in surname.split("-"):
        if part.endswith("ский"):
            parts.append(part[:-2] + "ая")
        elif part.endswith(("ов", "ев", "ин")):
            parts.append(part + "а")
        else:
            parts.append(part)
    return "-".join(parts)


def person(rng: random.Random) -> Person:
    woman = rng.random() < 0.5
    surname = rng.choice(_UNCHANGING_SURNAMES) if rng.random() < 0.1 else rng.choice(_SURNAMES)
    male_patronymic, female_patronymic = rng.choice(_PATRONYMICS)
    if woman:
        return Person(_feminine(surname), rng.choice(_WOMEN), female_patronymic)
    return Person(surname, rng.choice(_MEN), male_patronymic)


def latin(text: str) -> str:
    return "".join(_LATIN.get(char, char) for char in text.lower() if char.isalpha() or char in "-")


def email(rng: random.Random, who: Person, number: str) -> str:
    """A valid address that reaches no one; unique by the account number's tail."""
    local = f"{latin(who.surname)}.{latin(who.name[0])}{latin(who.patronymic[0])}.{number[-4:]}"
    return f"{local}@{rng.choice(_DOMAINS)}"


def phone(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return ""
    digits = f"{rng.randrange(10**9):09d}"
    return f"+7 9{digits[:2]} {digits[2:5]}-{digits[5:7]}-{digits[7:]}"
