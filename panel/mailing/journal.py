"""Send runs and the «Журнал отправки платежных документов»: their states, changed by name.

A run covers a period's selection of personal accounts; each account has one journal
entry. An entry goes pending → submitting (its Message-ID recorded before the message is
handed to the relay) → queued (the relay's 250 and queue id) → delivered, deferred, failed
or bounced, as the relay's queue and the mailbox say; or skipped, with the reason, or
cancelled with its run.
"""
import enum
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from daemon.db.connect import Database


class RunState(enum.StrEnum):
    RUNNING = "running"
    PAUSED = "paused"                      # by a person; resumed by a person
    WAITING = "waiting"                    # until resume_at: the provider's daily limit, the relay busy
    WAITING_PASSWORD = "waiting_password"  # a restart lost the typed password, or the relay refused it
    STOPPED = "stopped"                    # paused by itself: the provider refuses; a person decides
    CANCELLED = "cancelled"
    FINISHED = "finished"                  # every entry handed to the relay or skipped


UNFINISHED = (RunState.RUNNING, RunState.PAUSED, RunState.WAITING, RunState.WAITING_PASSWORD, RunState.STOPPED)


class EntryStatus(enum.StrEnum):
    PENDING = "pending"
    SKIPPED = "skipped"
    SUBMITTING = "submitting"
    QUEUED = "queued"
    DELIVERED = "delivered"
    DEFERRED = "deferred"
    FAILED = "failed"
    BOUNCED = "bounced"
    CANCELLED = "cancelled"


HANDED_OVER = (EntryStatus.QUEUED, EntryStatus.DELIVERED, EntryStatus.DEFERRED, EntryStatus.FAILED,
               EntryStatus.BOUNCED)
# Sent, or maybe sent: what a second run of the same period would send again.
SENT = (EntryStatus.SUBMITTING, EntryStatus.QUEUED, EntryStatus.DELIVERED, EntryStatus.DEFERRED,
        EntryStatus.BOUNCED)
NOT_SENT = (EntryStatus.FAILED, EntryStatus.BOUNCED)  # «Повторить неотправленные»
IN_RELAY = (EntryStatus.QUEUED, EntryStatus.DEFERRED)  # the relay's queue still decides


@dataclass(frozen=True)
class Run:
    id: int
    period: str
    organisation_id: int | None
    selection: dict
    title: str
    resend: bool
    stored_password: bool
    state: RunState
    state_reason: str
    resume_at: float | None
    started_by: str
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class NewEntry:
    account_id: int
    account_number: str
    address: str
    skip_reason: str = ""  # non-empty: skipped from the start


@dataclass(frozen=True)
class Entry:
    id: int
    run_id: int
    account_id: int
    account_number: str
    period: str
    address: str
    status: EntryStatus
    reason: str
    reply: str
    message_id: str
    queue_id: str
    next_attempt_at: float | None
    resend: bool
    submitted_at: float | None
    updated_at: float


def run_of(row: sqlite3.Row) -> Run:
    return Run(
        row["id"], row["period"], row["organisation_id"], json.loads(row["selection"]), row["title"],
        bool(row["resend"]), bool(row["stored_password"]), RunState(row["state"]), row["state_reason"],
        row["resume_at"], row["started_by"], row["created_at"], row["updated_at"],
    )


def entry_of(row: sqlite3.Row) -> Entry:
    return Entry(
        row["id"], row["run_id"], row["account_id"], row["account_number"], row["period"], row["address"],
        EntryStatus(row["status"]), row["reason"], row["reply"], row["message_id"], row["queue_id"],
        row["next_attempt_at"], bool(row["resend"]), row["submitted_at"], row["updated_at"],
    )


# --- runs ------------------------------------------------------------------------------------

async def create_run(
    db: Database, *, period: str, organisation_id: int | None, selection: dict, title: str, resend: bool,
    stored_password: bool, started_by: str, entries: Iterable[NewEntry], now: float,
) -> int:
    """A run and its entries, in one transaction; running from the start."""
    def create(tx: sqlite3.Connection) -> int:
        run_id = tx.execute(
            "INSERT INTO send_runs (period, organisation_id, selection, title, resend, stored_password, state,"
            " started_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (period, organisation_id, json.dumps(selection, ensure_ascii=False), title, int(resend),
             int(stored_password), RunState.RUNNING, started_by, now, now),
        ).lastrowid
        tx.executemany(
            "INSERT INTO send_journal (run_id, account_id, account_number, period, address, status, reason,"
            " resend, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, e.account_id, e.account_number, period, e.address,
              EntryStatus.SKIPPED if e.skip_reason else EntryStatus.PENDING, e.skip_reason, int(resend), now)
             for e in entries],
        )
        return run_id

    return await db.write(create)


async def get_run(db: Database, run_id: int) -> Run | None:
    row = await db.fetchone("SELECT * FROM send_runs WHERE id = ?", (run_id,))
    return run_of(row) if row else None


async def runs_in(db: Database, states: Iterable[RunState]) -> list[Run]:
    states = list(states)
    rows = await db.fetchall(
        f"SELECT * FROM send_runs WHERE state IN ({', '.join('?' * len(states))}) ORDER BY id", states
    )
    return [run_of(row) for row in rows]


async def recent_runs(db: Database, limit: int = 20) -> list[Run]:
    rows = await db.fetchall("SELECT * FROM send_runs ORDER BY id DESC LIMIT ?", (limit,))
    return [run_of(row) for row in rows]


async def _set_state(db: Database, run_id: int, state: RunState, reason: str, now: float,
                     resume_at: float | None = None, only_from: Iterable[RunState] | None = None) -> bool:
    sql = "UPDATE send_runs SET state = ?, state_reason = ?, resume_at = ?, updated_at = ? WHERE id = ?"
    params: list = [state, reason, resume_at, now, run_id]
    if only_from is not None:
        allowed = list(only_from)
        sql += f" AND state IN ({', '.join('?' * len(allowed))})"
        params += allowed
    return bool(await db.execute(sql, params))


async def pause_run(db: Database, run_id: int, now: float) -> bool:
    return await _set_state(db, run_id, RunState.PAUSED, "", now, only_from=(RunState.RUNNING, RunState.WAITING))


async def resume_run(db: Database, run_id: int, now: float) -> bool:
    """A person goes on with a paused, stopped or waiting run."""
    return await _set_state(db, run_id, RunState.RUNNING, "", now, only_from=(
        RunState.PAUSED, RunState.STOPPED, RunState.WAITING, RunState.WAITING_PASSWORD))


async def wait_run(db: Database, run_id: int, resume_at: float, reason: str, now: float) -> bool:
    return await _set_state(db, run_id, RunState.WAITING, reason, now, resume_at, only_from=(RunState.RUNNING,))


async def wait_for_password(db: Database, run_id: int, reason: str, now: float) -> bool:
    return await _set_state(db, run_id, RunState.WAITING_PASSWORD, reason, now,
                            only_from=(RunState.RUNNING, RunState.WAITING))


async def stop_run(db: Database, run_id: int, reason: str, now: float) -> bool:
    return await _set_state(db, run_id, RunState.STOPPED, reason, now, only_from=(RunState.RUNNING, RunState.WAITING))


async def finish_run(db: Database, run_id: int, now: float) -> bool:
    return await _set_state(db, run_id, RunState.FINISHED, "", now, only_from=(RunState.RUNNING,))


async def cancel_run(db: Database, run_id: int, now: float) -> bool:
    """The run ends; what it had not handed to the relay yet is cancelled, what it had goes on."""
    def cancel(tx: sqlite3.Connection) -> bool:
        changed = tx.execute(
            f"UPDATE send_runs SET state = ?, state_reason = '', resume_at = NULL, updated_at = ?"
            f" WHERE id = ? AND state IN ({', '.join('?' * len(UNFINISHED))})",
            (RunState.CANCELLED, now, run_id, *UNFINISHED),
        ).rowcount
        if changed:
            tx.execute(
                "UPDATE send_journal SET status = ?, reason = 'Рассылка отменена', updated_at = ?"
                " WHERE run_id = ? AND status = ?",
                (EntryStatus.CANCELLED, now, run_id, EntryStatus.PENDING),
            )
        return bool(changed)

    return await db.write(cancel)


# --- entries ---------------------------------------------------------------------------------

async def pending_entries(db: Database, run_id: int, limit: int, after: int = 0) -> list[Entry]:
    """The run's next pending entries, in order, after entry id `after`."""
    rows = await db.fetchall(
        "SELECT * FROM send_journal WHERE run_id = ? AND status = ? AND id > ? ORDER BY id LIMIT ?",
        (run_id, EntryStatus.PENDING, after, limit),
    )
    return [entry_of(row) for row in rows]


async def last_finished(db: Database, run_id: int, limit: int) -> list[Entry]:
    """The run's entries the provider last decided (delivered or failed), the latest first."""
    rows = await db.fetchall(
        "SELECT * FROM send_journal WHERE run_id = ? AND status IN (?, ?) ORDER BY updated_at DESC, id DESC LIMIT ?",
        (run_id, EntryStatus.DELIVERED, EntryStatus.FAILED, limit),
    )
    return [entry_of(row) for row in rows]


async def entries_in(db: Database, statuses: Iterable[EntryStatus], run_id: int | None = None) -> list[Entry]:
    statuses = list(statuses)
    sql = f"SELECT * FROM send_journal WHERE status IN ({', '.join('?' * len(statuses))})"
    params: list = list(statuses)
    if run_id is not None:
        sql += " AND run_id = ?"
        params.append(run_id)
    return [entry_of(row) for row in await db.fetchall(sql + " ORDER BY id", params)]


async def skip(db: Database, skipped: list[tuple[int, str]], now: float) -> None:
    """(entry id, reason) of letters that will not be made: the account's reason."""
    await _update_each(
        db, "UPDATE send_journal SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND status = ?",
        [(EntryStatus.SKIPPED, reason, now, entry_id, EntryStatus.PENDING) for entry_id, reason in skipped],
    )


async def mark_submitting(db: Database, letters: list[tuple[int, str]], now: float) -> None:
    """(entry id, Message-ID) of letters about to go to the relay, in one transaction before
    the first goes: after a crash, each Message-ID tells whether its letter went."""
    await _update_each(
        db, "UPDATE send_journal SET status = ?, message_id = ?, submitted_at = ?, updated_at = ? WHERE id = ?",
        [(EntryStatus.SUBMITTING, message_id, now, now, entry_id) for entry_id, message_id in letters],
    )


async def mark_queued(db: Database, handed: list[tuple[int, str, str]], now: float) -> None:
    """(entry id, queue id, the relay's reply) of letters the relay accepted."""
    await _update_each(
        db, "UPDATE send_journal SET status = ?, queue_id = ?, reply = ?, reason = '', updated_at = ? WHERE id = ?",
        [(EntryStatus.QUEUED, queue_id, reply, now, entry_id) for entry_id, queue_id, reply in handed],
    )


async def back_to_pending(db: Database, entry_ids: list[int], reason: str, now: float) -> None:
    """Not handed over after all (the relay refused for now, or did not get them): tried again."""
    await _update_each(
        db, "UPDATE send_journal SET status = ?, reason = ?, message_id = '', submitted_at = NULL, updated_at = ?"
            " WHERE id = ?",
        [(EntryStatus.PENDING, reason, now, entry_id) for entry_id in entry_ids],
    )


async def _update_each(db: Database, sql: str, rows: list[tuple]) -> None:
    if rows:
        await db.write(lambda tx: tx.executemany(sql, rows))


async def mark_refused(db: Database, entry_id: int, reason: str, reply: str, now: float) -> None:
    """The relay refused this message for good (e.g. its recipient): failed, not sent."""
    await db.execute(
        "UPDATE send_journal SET status = ?, reason = ?, reply = ?, submitted_at = NULL, updated_at = ?"
        " WHERE id = ?",
        (EntryStatus.FAILED, reason, reply, now, entry_id),
    )


@dataclass(frozen=True)
class Outcome:
    """What the relay's queue says of an entry's message now."""

    entry_id: int
    status: EntryStatus
    reason: str
    reply: str
    next_attempt_at: float | None


async def record_outcomes(db: Database, outcomes: list[Outcome], now: float) -> None:
    """The relay's news, in one transaction; a bounced entry stays bounced."""
    def record(tx: sqlite3.Connection) -> None:
        tx.executemany(
            "UPDATE send_journal SET status = ?, reason = ?, reply = ?, next_attempt_at = ?, updated_at = ?"
            " WHERE id = ? AND status != ?",
            [(o.status, o.reason, o.reply, o.next_attempt_at, now, o.entry_id, EntryStatus.BOUNCED)
             for o in outcomes],
        )

    if outcomes:
        await db.write(record)


async def mark_bounced(db: Database, message_id: str, reason: str, now: float) -> int:
    """A bounce came back for this Message-ID; how many entries it concerned (0 or 1)."""
    return await db.execute(
        "UPDATE send_journal SET status = ?, reason = ?, updated_at = ? WHERE message_id = ? AND status != ?",
        (EntryStatus.BOUNCED, reason, now, message_id, EntryStatus.BOUNCED),
    )


async def retry_not_sent(db: Database, run_id: int, now: float) -> int:
    """«Повторить неотправленные»: failed and bounced entries of a run go again, in it."""
    def retry(tx: sqlite3.Connection) -> int:
        changed = tx.execute(
            f"UPDATE send_journal SET status = ?, reason = 'Повторная отправка', reply = '', message_id = '',"
            f" queue_id = '', next_attempt_at = NULL, submitted_at = NULL, resend = 1, updated_at = ?"
            f" WHERE run_id = ? AND status IN ({', '.join('?' * len(NOT_SENT))})",
            (EntryStatus.PENDING, now, run_id, *NOT_SENT),
        ).rowcount
        if changed:
            tx.execute(
                "UPDATE send_runs SET state = ?, state_reason = '', resume_at = NULL, updated_at = ? WHERE id = ?",
                (RunState.RUNNING, now, run_id),
            )
        return changed

    return await db.write(retry)


async def counts(db: Database, run_id: int) -> dict[EntryStatus, int]:
    rows = await db.fetchall(
        "SELECT status, COUNT(*) FROM send_journal WHERE run_id = ? GROUP BY status", (run_id,)
    )
    found = {EntryStatus(row[0]): row[1] for row in rows}
    return {status: found.get(status, 0) for status in EntryStatus}


async def already_sent(db: Database, period: str, account_ids: list[int]) -> set[int]:
    """Accounts whose document for the period was sent (or maybe sent) by an earlier run."""
    found: set[int] = set()
    for start in range(0, len(account_ids), 500):
        chunk = account_ids[start:start + 500]
        rows = await db.fetchall(
            f"SELECT DISTINCT account_id FROM send_journal WHERE period = ? AND status IN"
            f" ({', '.join('?' * len(SENT))}) AND account_id IN ({', '.join('?' * len(chunk))})",
            (period, *SENT, *chunk),
        )
        found.update(row[0] for row in rows)
    return found


async def submitted_since(db: Database, since: float) -> list[float]:
    """When messages were handed to the relay since `since`, oldest first: the provider's limits."""
    rows = await db.fetchall(
        "SELECT submitted_at FROM send_journal WHERE submitted_at >= ? ORDER BY submitted_at", (since,)
    )
    return [row[0] for row in rows]


async def handed_over_since(db: Database, since: float) -> bool:
    """Whether any letter went to the relay since `since` (bounces may come back for it)."""
    row = await db.fetchone("SELECT 1 FROM send_journal WHERE submitted_at >= ? LIMIT 1", (since,))
    return row is not None
