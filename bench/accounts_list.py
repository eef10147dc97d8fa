"""How fast the «Лицевые счета» list stays at 100,000 accounts, against a naive query.

What it does, in one run: creates a fresh database with the project's migrations in a
temporary directory, seeds --accounts personal accounts (Russian names, Moscow streets,
an e-mail for about 40 %, five organisations) in one transaction, the FTS5 trigram table
filled by its triggers as in production; then times, through panel.personal_account_search.list_accounts
(the query functions the page's handler calls: one page of 50 rows plus the count shown
above the table):

  first page          the list by number, no search;
  deep page           the page after the account at 90 % of the list (keyset);
  organisation        the first page of one organisation;
  number              a 6-digit piece from the middle of one account's number;
  surname             a surname (about 1 account in 30);
  street              a street (about 1 in 8);
  e-mail              the start of one address ("user12345@");
  short               two characters (the number-prefix fallback).

Each is run --repeats times after one warm-up; the median is printed, and beside it the
median of the count alone. In the same run the
same page is read the naive way and timed likewise: OFFSET for the deep page, and for
searches `LIKE '%text%'` over number, payer, address and e-mail ORDER BY number with a
COUNT(*) of the same LIKE (what a page without the trigram table would have to do). The
ratio is naive / ours. Every search is also checked: the accounts ours finds are the ones
LIKE finds (the count, capped at 1000 as the page shows it, and the first page's rows).

Exit status 0 when every check held, 1 otherwise.

    .venv/bin/python bench/accounts_list.py [--accounts 100000] [--repeats 5]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from daemon.db.connect import Database, connect  # noqa: E402
from daemon.db.migrate import Schema  # noqa: E402
from panel.personal_account_search import (  # noqa: E402
    COUNT_CAP,
    PAGE_SIZE,
    ListQuery,
    count_accounts,
    list_accounts,
)

SURNAMES = (
    "Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Васильев", "Соколов", "Михайлов",
    "Новиков", "Федоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семенов", "Егоров", "Павлов",
    "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев",
    "Соловьев", "Борисов", "Перматов",
)
NAMES = ("Михаил", "Иван", "Петр", "Алексей", "Сергей", "Андрей", "Дмитрий", "Николай", "Ольга", "Анна")
PATRONYMICS = ("Николаевич", "Иванович", "Петрович", "Сергеевич", "Андреевич", "Михайлович")
STREETS = (
    "Братиславская", "Люблинская", "Марьинский бульвар", "Перерва", "Верхние поля",
    "Новочеркасский бульвар", "Подольская", "Краснодонская",
)
DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "list.ru")

NAIVE_COLUMNS = ("number", "payer", "premises", "building", "postal_address", "email")
NAIVE_HAYSTACK = " OR ".join(f"{column} LIKE ?" for column in NAIVE_COLUMNS)


def account_rows(count: int, seed: int = 2013) -> list[tuple]:
    rnd = random.Random(seed)
    rows = []
    for index in range(1, count + 1):
        street, house, flat = rnd.choice(STREETS), rnd.randint(1, 40), rnd.randint(1, 300)
        surname = rnd.choice(SURNAMES)
        female = rnd.random() < 0.5
        name = f"{surname}{'а' if female else ''} {rnd.choice(NAMES)} {rnd.choice(PATRONYMICS)}"
        email = f"user{index}@{rnd.choice(DOMAINS)}" if rnd.random() < 0.4 else ""
        rows.append((
            f"{index:09d}{rnd.randint(1, 3):03d}", f"{index:09d}", name, name, rnd.randint(1, 5),
            f"{street}, д. {house}, кв. {flat}", f"Москва, {street}, д. {house}",
            f"109451, Москва, {street}, дом № {house}, кв. {flat}", "email" if email else "post", email,
        ))
    return rows


async def seed(db: Database, count: int) -> float:
    started = time.perf_counter()
    rows = account_rows(count)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO organisations (id, name, updated_at) VALUES (?, ?, 0)",
            [(number, f"УК «Дом {number}»") for number in range(1, 6)],
        )
        await tx.executemany(
            "INSERT INTO personal_accounts (number, code, payer, owner, organisation_id, premises, building,"
            " postal_address, delivery_method, email, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            rows,
        )
    await db.connection.execute("ANALYZE")
    return time.perf_counter() - started


async def timed(repeats: int, call) -> tuple[float, object]:
    result = await call()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


async def ours(db: Database, repeats: int, query: ListQuery) -> tuple[float, float, object]:
    """(ms for the page with its count, ms for the count alone, the page)."""
    page_ms, page = await timed(repeats, lambda: list_accounts(db, query))
    count_ms, _ = await timed(repeats, lambda: count_accounts(db, query))
    return page_ms, count_ms, page


async def naive_search(db: Database, text: str) -> tuple[list[str], int]:
    pattern = [f"%{text}%"] * len(NAIVE_COLUMNS)
    rows = await db.fetchall(
        f"SELECT number FROM personal_accounts WHERE {NAIVE_HAYSTACK} ORDER BY number LIMIT {PAGE_SIZE + 1}", pattern)
    total = await db.fetchone(f"SELECT COUNT(*) FROM personal_accounts WHERE {NAIVE_HAYSTACK}", pattern)
    return [row[0] for row in rows], total[0]


async def naive_prefix(db: Database, text: str) -> tuple[list[str], int]:
    pattern = [f"{text}%"]
    rows = await db.fetchall(
        f"SELECT number FROM personal_accounts WHERE number LIKE ? ORDER BY number LIMIT {PAGE_SIZE + 1}", pattern)
    total = await db.fetchone("SELECT COUNT(*) FROM personal_accounts WHERE number LIKE ?", pattern)
    return [row[0] for row in rows], total[0]


async def naive_offset(db: Database, offset: int) -> list[str]:
    rows = await db.fetchall(
        f"SELECT number FROM personal_accounts ORDER BY number LIMIT {PAGE_SIZE + 1} OFFSET ?", (offset,))
    await db.fetchone("SELECT COUNT(*) FROM personal_accounts")
    return [row[0] for row in rows]


async def run(accounts: int, repeats: int, directory: Path) -> int:
    db = await connect(directory / "bench.sqlite3", Schema.PANEL)
    failures = 0
    try:
        seconds = await seed(db, accounts)
        print(f"seeded {accounts} accounts in {seconds:.1f} s (SQLite {sqlite3.sqlite_version})")
        numbers = [row[0] for row in await db.fetchall("SELECT number FROM personal_accounts ORDER BY number")]
        deep_index = max(0, int(len(numbers) * 0.9) - 1)
        deep_key = numbers[deep_index]
        probe = numbers[len(numbers) // 3]
        email_row = await db.fetchone(
            "SELECT email FROM personal_accounts WHERE email != '' ORDER BY id LIMIT 1 OFFSET ?",
            (accounts // 7,))
        email_probe = email_row[0].split("@")[0] + "@" if email_row else "user1@"

        print(f"\n{'case':<14}{'query':<24}{'ours ms':>10}{'(count)':>9}{'naive ms':>11}{'ratio':>9}  found")
        first_ms, count_ms, first = await ours(db, repeats, ListQuery())
        naive_ms, _ = await timed(repeats, lambda: naive_offset(db, 0))
        report("first page", "", first_ms, count_ms, naive_ms, first.total, False)

        deep_ms, count_ms, deep = await ours(db, repeats, ListQuery(after=deep_key))
        naive_ms, naive_rows = await timed(repeats, lambda: naive_offset(db, deep_index + 1))
        report("deep page", f"after #{deep_index + 1}", deep_ms, count_ms, naive_ms, deep.total, False, "OFFSET")
        if [row.number for row in deep.rows] != naive_rows[:PAGE_SIZE]:
            failures += 1
            print("  FAILED: the keyset page differs from the OFFSET page")

        org_ms, count_ms, org = await ours(db, repeats, ListQuery(organisation_id=3))
        report("organisation", "organisation 3", org_ms, count_ms, None, org.total, False)

        searches = (
            ("number", probe[3:9]),
            ("surname", "Перматов"),
            ("street", "Люблинская"),
            ("e-mail", email_probe),
            ("short", probe[:2]),
        )
        for case, text in searches:
            ours_ms, count_ms, page = await ours(db, repeats, ListQuery(text=text))
            naive = naive_prefix if case == "short" else naive_search
            naive_ms, (naive_rows, naive_total) = await timed(repeats, lambda text=text: naive(db, text))
            report(case, text, ours_ms, count_ms, naive_ms, page.total, page.total_capped)
            capped = naive_total > COUNT_CAP
            if page.total != (COUNT_CAP if capped else naive_total) or page.total_capped != capped:
                failures += 1
                print(f"  FAILED: {case} counted {page.total}, LIKE counts {naive_total}")
            if not all(text.casefold() in haystack(row).casefold() or row.number.startswith(text)
                       for row in page.rows):
                failures += 1
                print(f"  FAILED: {case} listed an account without «{text}»")
            if naive_total <= PAGE_SIZE and sorted(row.number for row in page.rows) != sorted(naive_rows):
                failures += 1
                print(f"  FAILED: {case} found other accounts than LIKE")
    finally:
        await db.close()
    print("\nours: one page and its count, as the handler reads them; (count): the count alone")
    print("ratio = naive / ours; naive: OFFSET for pages, LIKE scans (page + COUNT) for searches")
    print("all checks passed" if not failures else f"{failures} check(s) FAILED")
    return 1 if failures else 0


def haystack(row) -> str:
    return " ".join((row.number, row.payer, row.address, row.email))


def report(case: str, text: str, ours: float, count: float, naive: float | None, total: int, capped: bool,
           naive_name: str = "") -> None:
    found = f"{'more than ' if capped else ''}{total}"
    naive_text = f"{naive:11.2f}" if naive is not None else f"{'-':>11}"
    ratio = f"{naive / ours:8.1f}x" if naive is not None and ours > 0 else f"{'-':>9}"
    print(f"{case:<14}{text[:23]:<24}{ours:10.2f}{count:9.2f}{naive_text}{ratio}  {found}{' ' + naive_name if naive_name else ''}",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="accounts-bench-") as directory:
        return asyncio.run(run(args.accounts, args.repeats, Path(directory)))


if __name__ == "__main__":
    sys.exit(main())
