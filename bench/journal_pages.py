"""How fast «Журнал отправки платежных документов» pages stay at 100,000 entries.

What it does, in one run: a fresh panel store with the project's migrations in a temporary
directory; --runs send runs over --entries journal entries in all (statuses mixed as a month
of real mailing leaves them: most delivered, some skipped, a few failed, deferred, bounced);
then times, through panel.mailing.journal_query.journal_page (what the page's handler calls),
the first page and a page deep in the list (keyset: the page before an id at 10 % from the
oldest) for: no filter, one status, one run, one period, one account, an organisation.
Each is run --repeats times after a warm-up; the median is printed, and beside it the same
page read the naive way in the same run (OFFSET for the deep page), with the ratio.

    python3 bench/journal_pages.py [--entries 100000] [--runs 10] [--repeats 5]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from daemon.db.connect import Database, connect  # noqa: E402
from daemon.db.migrate import Schema  # noqa: E402
from panel.mailing.journal import EntryStatus  # noqa: E402
from panel.mailing.journal_query import PAGE_SIZE, JournalFilter, journal_page, where  # noqa: E402

STATUSES = [EntryStatus.DELIVERED] * 80 + [EntryStatus.SKIPPED] * 14 + [EntryStatus.FAILED] * 2 + \
    [EntryStatus.DEFERRED] * 2 + [EntryStatus.BOUNCED] * 2


async def seed(db: Database, entries: int, runs: int) -> None:
    rng = random.Random(2013)
    per_run = entries // runs
    async with db.transaction() as tx:
        await tx.executemany("INSERT INTO organisations (id, name, updated_at) VALUES (?, ?, 0)",
                             [(number, f"УК «Дом {number}»") for number in range(1, 4)])
        for run in range(1, runs + 1):
            period = f"2013-{(run - 1) % 12 + 1:02d}"
            await tx.execute(
                "INSERT INTO send_runs (id, period, organisation_id, title, state, started_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'finished', 'bench', 0, 0)", (run, period, run % 3 + 1, f"run {run}"))
            await tx.executemany(
                "INSERT INTO send_journal (run_id, account_id, account_number, period, address, status, reason,"
                " message_id, queue_id, submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', ?, '', ?, ?)",
                [(run, index, f"{index:012d}", period, f"user{index}@example.ru", rng.choice(STATUSES),
                  f"<epd.{run}.{index}@uk.example.ru>", 1000.0 + index, 1000.0 + index)
                 for index in range(per_run)],
            )
    await db.connection.execute("ANALYZE")


async def timed(repeats: int, call) -> float:
    await call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def naive(db: Database, journal_filter: JournalFilter, offset: int):
    clause, params = where(journal_filter)
    return await db.fetchall(f"SELECT j.* FROM send_journal j{clause} ORDER BY j.id DESC LIMIT ? OFFSET ?",
                             (*params, PAGE_SIZE, offset))


async def run(entries: int, runs: int, repeats: int, directory: Path) -> int:
    db = await connect(directory / "panel.db", Schema.PANEL)
    try:
        started = time.perf_counter()
        await seed(db, entries, runs)
        print(f"seeded {entries} journal entries in {runs} runs in {time.perf_counter() - started:.1f} s")
        cases = {
            "no filter": JournalFilter(),
            "status failed": JournalFilter(status=EntryStatus.FAILED),
            "one run": JournalFilter(run_id=runs // 2),
            "one period": JournalFilter(period="2013-03"),
            "one account": JournalFilter(account="000000000123"),
            "organisation": JournalFilter(organisation_id=2),
        }
        print(f"{'case':<16} {'first ms':>9} {'deep ms':>9} {'OFFSET ms':>10} {'ratio':>7}")
        ok = True
        for name, journal_filter in cases.items():
            clause, params = where(journal_filter)
            total = (await db.fetchone(f"SELECT COUNT(*) FROM send_journal j{clause}", params))[0]
            deep_offset = max(0, total - total // 10)
            row = await db.fetchone(
                f"SELECT j.id FROM send_journal j{clause} ORDER BY j.id DESC LIMIT 1 OFFSET ?", (*params, deep_offset))
            before = row[0] if row else None
            first = await timed(repeats, lambda: journal_page(db, journal_filter))
            deep = await timed(repeats, lambda: journal_page(db, journal_filter, before=before))
            offset = await timed(repeats, lambda: naive(db, journal_filter, deep_offset))
            ours = await journal_page(db, journal_filter, before=before)
            theirs = await naive(db, journal_filter, deep_offset + 1)
            same = [e.id for e in ours.entries] == [r["id"] for r in theirs][:len(ours.entries)]
            ok &= same
            print(f"{name:<16} {first:9.2f} {deep:9.2f} {offset:10.2f} {offset / max(deep, 1e-6):7.1f}"
                  f"{'' if same else '  MISMATCH'}")
        print("all checks passed" if ok else "FAILED: a keyset page differs from OFFSET's")
        return 0 if ok else 1
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="epd-journal-") as directory:
        return asyncio.run(run(args.entries, args.runs, args.repeats, Path(directory)))


if __name__ == "__main__":
    sys.exit(main())
