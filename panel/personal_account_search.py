"""The «Лицевые счета» list: search and keyset paging that stay fast at 100,000 accounts.

Three ways to read, each walking an index and stopping after one page (measured in
bench/accounts_list.py):

- no search text: by number, over the UNIQUE index on number (or the (organisation_id,
  number) index with an organisation chosen); the page key is the number;
- text of 3 or more characters: the FTS5 trigram table personal_accounts_search
  (substring of number, payer, address, e-mail; every word of 3+ characters must occur,
  shorter words are then checked on the rows found; with no such word, the whole text is
  one substring), in rowid order, the order accounts were entered; the page key is the id.
  Sorting the matches by number instead would sort every match: 70 ms for a word every
  account contains, against 1 ms;
- text of only 1-2 characters, which a trigram index cannot look up: the beginning of the
  number, over its index.

Pages are "after key" / "before key" (keyset), never OFFSET: a deep page costs what the
first one does.

With a period, only accounts that have a payment document for it are listed, with its
totals: the «Платежный документ» report lists this way.
"""
import enum
from dataclasses import dataclass
from decimal import Decimal

from daemon.db.connect import Database

PAGE_SIZE = 50
TRIGRAM = 3
COUNT_CAP = 1000          # a search shows "более 1000" rather than counting every match
MAX_QUERY = 200
_TOP = "\U0010ffff"       # sorts after any text: the end of a prefix range

COLUMNS = (
    "pa.id, pa.number, pa.payer, pa.premises, pa.building, pa.postal_address,"
    " pa.delivery_method, pa.email, pa.organisation_id"
)
_HAYSTACK = (
    "(pa.number || ' ' || pa.payer || ' ' || pa.premises || ' ' || pa.building || ' '"
    " || pa.postal_address || ' ' || pa.email)"
)


class Mode(enum.StrEnum):
    ALL = "all"          # no search text
    TEXT = "text"        # trigram search
    PREFIX = "prefix"    # 1-2 characters: number prefix


@dataclass(frozen=True)
class ListQuery:
    text: str = ""
    organisation_id: int | None = None
    delivery_method: str | None = None  # a DeliveryMethod value
    period: str | None = None           # "2013-07": accounts with a document for it
    after: str | None = None     # a page key: a number (ALL, PREFIX) or an id (TEXT)
    before: str | None = None
    size: int = PAGE_SIZE


@dataclass(frozen=True)
class AccountRow:
    id: int
    number: str
    payer: str
    address: str
    delivery_method: str
    email: str
    organisation_id: int | None
    total_for_period: Decimal | None = None    # with a period: the document's totals
    total_with_advance: Decimal | None = None


@dataclass(frozen=True)
class AccountPage:
    rows: list[AccountRow]
    mode: Mode
    total: int
    total_capped: bool           # total is COUNT_CAP and there are more
    next_key: str | None
    previous_key: str | None


def mode_of(text: str) -> Mode:
    text = " ".join(text.split())
    if not text:
        return Mode.ALL
    if len(text) >= TRIGRAM:
        return Mode.TEXT
    return Mode.PREFIX


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _short_word_filter(word: str) -> tuple[str, list[str]]:
    """A 1-2 character word on the rows the trigram words found; a few case forms, since
    SQLite's own case folding is ASCII only."""
    forms = list(dict.fromkeys((word, word.lower(), word.upper(), word.capitalize())))
    return "(" + " OR ".join(f"instr({_HAYSTACK}, ?) > 0" for _ in forms) + ")", forms


def where_clause(query: ListQuery, mode: Mode) -> tuple[str, list[str], list]:
    """(FROM clause, WHERE terms without paging, the params of both, in that order)."""
    terms: list[str] = []
    params: list = []
    source = "personal_accounts pa"
    text = " ".join(query.text.split())[:MAX_QUERY]
    if mode is Mode.TEXT:
        words = text.split()
        long_words = [word for word in words if len(word) >= TRIGRAM]
        source = (
            "personal_accounts_search s JOIN personal_accounts pa ON pa.id = s.rowid"
        )
        terms.append("personal_accounts_search MATCH ?")
        if not long_words:  # "д. 1": the text as it is, as one substring
            params.append(_phrase(text))
        else:
            params.append(" AND ".join(_phrase(word) for word in long_words))
            for word in words:
                if len(word) < TRIGRAM:
                    term, forms = _short_word_filter(word)
                    terms.append(term)
                    params.extend(forms)
    elif mode is Mode.PREFIX:
        prefix = text.replace(" ", "")
        terms.append("pa.number >= ? AND pa.number < ?")
        params.extend((prefix, prefix + _TOP))
    if query.organisation_id is not None:
        terms.append("pa.organisation_id = ?")
        params.append(query.organisation_id)
    if query.delivery_method is not None:
        terms.append("pa.delivery_method = ?")
        params.append(query.delivery_method)
    if query.period is not None:
        source += " JOIN payment_documents d ON d.account_id = pa.id AND d.period = ?"
        params.insert(0, query.period)  # the JOIN's placeholder comes before the WHERE's
    return source, terms, params


def _key_column(mode: Mode) -> str:
    return "s.rowid" if mode is Mode.TEXT else "pa.number"


def _key_of(row: AccountRow, mode: Mode) -> str:
    return str(row.id) if mode is Mode.TEXT else row.number


def _key_value(key: str, mode: Mode) -> int | str | None:
    if mode is Mode.TEXT:
        return int(key) if key.isascii() and key.isdigit() else None
    return key


def _address(row) -> str:
    return row["premises"] or row["postal_address"] or row["building"]


def _totals(row, query: ListQuery) -> tuple[Decimal | None, Decimal | None]:
    if query.period is None:
        return None, None
    return Decimal(row["total_for_period"]), Decimal(row["total_with_advance"])


async def list_accounts(db: Database, query: ListQuery) -> AccountPage:
    mode = mode_of(query.text)
    source, terms, params = where_clause(query, mode)
    key_column = _key_column(mode)
    backwards = query.before is not None and query.after is None
    key_text = query.before if backwards else query.after
    key = _key_value(key_text, mode) if key_text is not None else None
    page_terms = list(terms)
    page_params = list(params)
    if key is not None:
        page_terms.append(f"{key_column} {'<' if backwards else '>'} ?")
        page_params.append(key)
    where = f" WHERE {' AND '.join(page_terms)}" if page_terms else ""
    order = "DESC" if backwards else "ASC"
    columns = COLUMNS + (", d.total_for_period, d.total_with_advance" if query.period else "")
    found = await db.fetchall(
        f"SELECT {columns} FROM {source}{where} ORDER BY {key_column} {order} LIMIT ?",
        (*page_params, query.size + 1),
    )
    more = len(found) > query.size
    found = found[:query.size]
    if backwards:
        found.reverse()
    rows = [
        AccountRow(row["id"], row["number"], row["payer"], _address(row), row["delivery_method"],
                   row["email"], row["organisation_id"], *_totals(row, query))
        for row in found
    ]
    if backwards:
        has_previous, has_next = more, True
    else:
        has_previous, has_next = key is not None, more
    total, capped = await count_accounts(db, query, mode)
    return AccountPage(
        rows=rows,
        mode=mode,
        total=total,
        total_capped=capped,
        next_key=_key_of(rows[-1], mode) if rows and has_next else None,
        previous_key=_key_of(rows[0], mode) if rows and has_previous else None,
    )


async def count_accounts(db: Database, query: ListQuery, mode: Mode | None = None) -> tuple[int, bool]:
    """(count, capped): a search counts up to COUNT_CAP; the list, whole or of one
    organisation, exactly (over an index: 1-2 ms for 100,000)."""
    mode = mode or mode_of(query.text)
    source, terms, params = where_clause(query, mode)
    where = f" WHERE {' AND '.join(terms)}" if terms else ""
    if mode is not Mode.ALL:
        row = await db.fetchone(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {source}{where} LIMIT ?)", (*params, COUNT_CAP + 1)
        )
        return min(row[0], COUNT_CAP), row[0] > COUNT_CAP
    row = await db.fetchone(f"SELECT COUNT(*) FROM {source}{where}", params)
    return row[0], False
