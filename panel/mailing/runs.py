"""The monthly mailing's runs, driven inside the service: «Отправить по email».

A run belongs to the running service, whoever started it (the panel, or `epd-relay send`
writing it into the store): a watcher finds runs to drive, and each is driven by one task
that takes its pending entries in batches, has their letters made in the job processes
(a batch per worker ahead of the one handed over), and hands each to the local relay over
one SMTP connection, within the provider's limits. The journal records a batch's
Message-IDs before its first letter is handed over; after a crash, the relay's queue says
which went. What then happens to each letter is read back from the relay's queue.
"""
import asyncio
import collections
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from daemon.config import Address, Config, ConfigHolder
from daemon.db.connect import Database
from daemon.provider import logins, mail_account
from daemon.queue import messages
from daemon.queue.messages import MessageState
from daemon.secretbox import SecretBox
from panel.jobs import Job, JobPool
from panel.mailing import journal, limits
from panel.mailing.journal import EntryStatus, Outcome, RunState
from panel.mailing.letter_batch import Prepared, Sender, Wanted
from panel.mailing.mailbox import collect_bounces
from panel.mailing.message import ascii_address, new_message_id
from panel.mailing.submission import Handed, Login, RelaySubmission, Verdict
from panel.validation import Invalid, email, format_date

log = logging.getLogger(__name__)

BATCH = 20             # letters made per job, handed over one by one
PREPARE_LETTERS = Job("panel.mailing.letters", "prepare_letters")
WATCH_INTERVAL = 2.0   # how often runs, waits and the relay's outcomes are looked at
RELAY_RETRY = 60.0     # after the relay said "later"
REFUSALS_WINDOW, REFUSALS_TO_STOP = 10, 5  # of a run's last finished letters, refused by the provider
BOUNCE_INTERVAL = 300.0  # the mailbox is read for bounces this often (it locks the 1C program out meanwhile)
BOUNCE_DAYS = 7          # ... while letters handed over in the last this many days may still bounce


@dataclass(frozen=True)
class Account:
    """Who sends: the system mail account as saved in the panel, or config.toml's."""

    sender: Sender
    login: str

    @property
    def sender_problem(self) -> str:
        """Why no letter can go from this account's address ("" when it can), in Russian: the
        letters are refused with it before the first one, not one by one in the run."""
        try:
            email(self.sender.address, single_label_domain=True)
        except Invalid as problem:
            return (f"Отправитель: {problem}. Укажите почтовый адрес в «Учетные записи электронной почты»"
                    " (или address в [upstream.smtp] файла config.toml), затем нажмите «Продолжить»")
        return ""


async def sending_account(relay_db: Database, config: Config) -> Account:
    """The system mail account as saved in the panel, or else config.toml's [upstream.smtp]
    (the capture login while mail is captured locally)."""
    saved = await mail_account.load(relay_db)
    if saved is not None:
        return Account(Sender(saved.sender_name, saved.address or saved.smtp_login), saved.smtp_login)
    smtp = config.upstream_smtp
    login = logins.capture_login(config) if smtp.captures_locally else smtp.username
    return Account(Sender("", smtp.address or logins.default_address(login)), login)


class Mailing:
    def __init__(
        self, *, panel_db: Database, relay_db: Database, settings: ConfigHolder, box: SecretBox, jobs: JobPool,
        relay_smtp: Address, clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = panel_db
        self._relay_db = relay_db
        self._settings = settings
        self._box = box
        self._jobs = jobs
        self._relay_smtp = relay_smtp  # the relay's listener, as bound
        self._clock = clock
        self._drivers: dict[int, asyncio.Task] = {}
        self._passwords: dict[int, str] = {}  # typed at «Продолжить»: in memory, for that run only
        self._wake = asyncio.Event()
        self._pokes: dict[int, asyncio.Event] = {}  # a run's driver waiting for the minute's limit
        self._watcher: asyncio.Task | None = None
        self._next_bounce_read = 0.0

    # --- the service -------------------------------------------------------------------

    async def start(self) -> None:
        await self._recover()
        self._watcher = asyncio.create_task(self._watch(), name="mailing")

    async def close(self) -> None:
        tasks = [task for task in (self._watcher, *self._drivers.values()) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    async def turn(self) -> None:
        """One turn of the watcher, now: waits that are over end, runs are driven, the relay's
        news about handed-over letters is read."""
        await self._look_around()

    async def wait_idle(self) -> None:
        """Until no run is being driven (each has handed over what it could, or waits)."""
        while self._drivers:
            await asyncio.gather(*self._drivers.values(), return_exceptions=True)

    # --- what the panel asks -----------------------------------------------------------------

    async def account(self) -> Account:
        return await sending_account(self._relay_db, self._settings.current)

    async def stored_password(self) -> str | None:
        return await logins.stored_password(self._relay_db, self._box, (await self.account()).login)

    async def check_password(self, password: str) -> tuple[bool, str]:
        """(accepted, the relay's reply): the relay asks the provider, truthfully."""
        submission = RelaySubmission(self._relay_smtp, Login((await self.account()).login, password))
        try:
            handed = await submission.check_login()
        finally:
            await submission.close()
        return handed.verdict is Verdict.QUEUED, handed.reply

    async def begin(self, run_id: int, password: str | None) -> None:
        """Drive a run just created (journal.create_run); None: with the stored password."""
        if password is not None:
            self._passwords[run_id] = password
        self._ensure_driven(run_id)

    async def give_password(self, run_id: int, password: str) -> bool:
        """A run waiting for the password typed again goes on."""
        self._passwords[run_id] = password
        resumed = await journal.resume_run(self._db, run_id, self._clock())
        self.wake()
        return resumed

    async def pause(self, run_id: int) -> bool:
        paused = await journal.pause_run(self._db, run_id, self._clock())
        self._poke(run_id)
        return paused

    async def resume(self, run_id: int) -> bool:
        resumed = await journal.resume_run(self._db, run_id, self._clock())
        self.wake()
        return resumed

    async def cancel(self, run_id: int) -> bool:
        self._passwords.pop(run_id, None)
        cancelled = await journal.cancel_run(self._db, run_id, self._clock())
        self._poke(run_id)
        return cancelled

    def _poke(self, run_id: int) -> None:
        """A run's state changed: its driver, if it waits, looks again at once."""
        poke = self._pokes.get(run_id)
        if poke is not None:
            poke.set()

    # --- the watcher ---------------------------------------------------------------------------

    async def _watch(self) -> None:
        while True:
            try:
                await self._look_around()
            except Exception:  # the edge of one turn: logged, and the next turn tries again
                log.exception("mailing: a turn of the watcher failed")
            self._wake.clear()
            try:
                async with asyncio.timeout(WATCH_INTERVAL):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def _look_around(self) -> None:
        now = self._clock()
        for run in await journal.runs_in(self._db, (RunState.WAITING,)):
            if run.resume_at is not None and run.resume_at <= now:
                await journal.resume_run(self._db, run.id, now)
        for run in await journal.runs_in(self._db, (RunState.RUNNING,)):
            self._ensure_driven(run.id)
        await self._read_outcomes()
        if now >= self._next_bounce_read:
            self._next_bounce_read = now + BOUNCE_INTERVAL
            await self.read_bounces()

    async def read_bounces(self) -> int:
        """Bounces in the system account's mailbox turn their letters' entries to bounced; how
        many. Only with «Использовать для получения» and a remembered password, and only while
        letters of the last days may still come back."""
        config = self._settings.current
        saved = await mail_account.load(self._relay_db)
        now = self._clock()
        if saved is None or not saved.use_for_receiving or not config.upstream_pop3.enabled:
            return 0
        if not await journal.handed_over_since(self._db, now - BOUNCE_DAYS * 86400):
            return 0
        password = await logins.stored_password(self._relay_db, self._box, saved.username)
        if password is None:
            log.warning("bounces not read: no remembered password for %s", saved.username)
            return 0
        read = await collect_bounces(config.upstream_pop3, saved.username, password, self._db, now)
        marked = 0
        for _, bounce in read.bounces:
            if bounce.bounced and bounce.message_id:
                reason = f"Письмо вернулось: {' '.join(filter(None, (bounce.status, bounce.diagnostic)))}"
                marked += await journal.mark_bounced(self._db, bounce.message_id, reason, now)
        if marked:
            log.info("bounces: %d letters came back", marked)
        return marked

    def _ensure_driven(self, run_id: int) -> None:
        if run_id in self._drivers:
            return
        task = asyncio.create_task(self._drive(run_id), name=f"send run {run_id}")
        self._drivers[run_id] = task
        task.add_done_callback(lambda _: self._drivers.pop(run_id, None))

    # --- one run -------------------------------------------------------------------------------

    async def _drive(self, run_id: int) -> None:
        try:
            await self._send(run_id)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the edge of one run: it stops, a person sees why
            log.exception("send run %d failed", run_id)
            await journal.stop_run(self._db, run_id, f"Внутренняя ошибка: {error}", self._clock())

    async def _send(self, run_id: int) -> None:
        run = await journal.get_run(self._db, run_id)
        if run is None or run.state is not RunState.RUNNING:
            return
        account = await self.account()
        if problem := account.sender_problem:  # changed since the run started, or a run from before this check
            await journal.stop_run(self._db, run_id, problem, self._clock())
            return
        password = self._passwords.get(run_id)
        if password is None and run.stored_password:
            password = await self.stored_password()
        if password is None:
            await journal.wait_for_password(self._db, run_id, "Введите пароль учетной записи почты: он не сохранен,"
                                            " а служба перезапускалась", self._clock())
            return
        submission = RelaySubmission(self._relay_smtp, Login(account.login, password))
        domain = account.sender.address.rpartition("@")[2] or "localhost"
        database = self._settings.current.storage.panel_database
        making: collections.deque[asyncio.Task] = collections.deque()
        after: int | None = 0  # the last entry asked for; None when there are no more
        try:
            while True:
                # Every worker makes a batch while the oldest one is handed over.
                while after is not None and len(making) < self._jobs.workers:
                    batch, after = await self._make_letters(run, after, domain, account.sender, database)
                    if batch is not None:
                        making.append(batch)
                if not making:
                    await journal.finish_run(self._db, run_id, self._clock())
                    log.info("send run %d: every letter handed to the relay", run_id)
                    return
                prepared, wanted = await making.popleft()
                if await self._stopped(run_id):
                    return
                if not await self._hand_over(run_id, prepared, wanted, submission, account.sender):
                    return
        finally:
            for batch in making:
                batch.cancel()
            await submission.close()

    async def _make_letters(
        self, run: journal.Run, after: int, domain: str, sender: Sender, database: Path,
    ) -> tuple[asyncio.Task | None, int | None]:
        entries = await journal.pending_entries(self._db, run.id, BATCH, after=after)
        if not entries:
            return None, None
        wanted = [Wanted(e.id, e.account_id, e.address,
                         new_message_id(domain, period=run.period, account_number=e.account_number))
                  for e in entries]
        date = dt.datetime.now(dt.timezone.utc).astimezone()

        async def make() -> tuple[list[Prepared], list[Wanted]]:
            return await self._jobs.run(PREPARE_LETTERS, database, run.period, wanted, sender, date), wanted

        return asyncio.create_task(make()), entries[-1].id

    async def _stopped(self, run_id: int) -> bool:
        run = await journal.get_run(self._db, run_id)
        return run is None or run.state is not RunState.RUNNING

    async def _hand_over(
        self, run_id: int, prepared: list[Prepared], wanted: list[Wanted], submission: RelaySubmission,
        sender: Sender,
    ) -> bool:
        """Hand a batch over; False when the run cannot go on now (its state says why)."""
        message_ids = {w.entry_id: w.message_id for w in wanted}
        # The envelope carries the same ASCII forms as the letter's headers: user@xn--80a1acny.xn--p1ai.
        sender_address = ascii_address(sender.address, sender=True)
        addresses = {w.entry_id: ascii_address(w.address) for w in wanted}
        skipped = [(p.entry_id, p.skip_reason) for p in prepared if p.message is None]
        await journal.skip(self._db, skipped, self._clock())
        letters = [p for p in prepared if p.message is not None]
        sending_limits = await self.limits()
        while letters:
            allowed = await self._within_limits(run_id, sending_limits)
            if not allowed:
                return False
            group, letters = letters[:allowed], letters[allowed:]
            await journal.mark_submitting(self._db, [(p.entry_id, message_ids[p.entry_id]) for p in group],
                                          self._clock())
            queued: list[tuple[int, str, str]] = []
            try:
                for position, item in enumerate(group):
                    handed = await submission.hand_over(sender_address, addresses[item.entry_id], item.message)
                    if handed.verdict is Verdict.QUEUED:
                        queued.append((item.entry_id, handed.queue_id, handed.reply))
                    elif handed.verdict is Verdict.REFUSED:
                        await journal.mark_refused(self._db, item.entry_id,
                                                   f"Почтовый релей не принял письмо: {handed.reply}",
                                                   handed.reply, self._clock())
                    else:
                        await journal.back_to_pending(self._db, [p.entry_id for p in group[position:]], "",
                                                      self._clock())
                        await self._cannot_go_on(run_id, handed, sender)
                        return False
            finally:
                # Interrupted, the rest stay «submitting»: the next start asks the relay about them.
                await journal.mark_queued(self._db, queued, self._clock())
        return True

    async def _cannot_go_on(self, run_id: int, handed: Handed, sender: Sender) -> None:
        """The relay refused the login or the sender, or said «later»: the run waits or stops."""
        now = self._clock()
        if handed.verdict is Verdict.WRONG_PASSWORD:
            self._passwords.pop(run_id, None)
            await journal.wait_for_password(self._db, run_id, f"Пароль не подошел: {handed.reply}", now)
        elif handed.verdict is Verdict.SENDER_REFUSED:
            await journal.stop_run(self._db, run_id, f"Почтовый релей не принимает письма от {sender.address}:"
                                   f" {handed.reply}", now)
        else:
            await journal.wait_run(self._db, run_id, now + RELAY_RETRY,
                                   f"Почтовый релей временно не принимает письма: {handed.reply}", now)
        log.warning("send run %d: %s: %s", run_id, handed.verdict, handed.reply)

    async def _within_limits(self, run_id: int, sending: limits.Limits) -> int:
        """How many letters may go now, after waiting for the minute's limit; 0 when the run
        cannot go on (stopped, or at the day's limit: it waits, its state says until when)."""
        while True:
            if await self._stopped(run_id):
                return 0
            if not sending.per_minute and not sending.per_day:
                return BATCH
            now = self._clock()
            allowed = limits.allowance(sending, await journal.submitted_since(self._db, now - limits.DAY), now)
            if allowed.now > 0:
                return allowed.now
            if allowed.daily:
                when = dt.datetime.fromtimestamp(allowed.next_at)
                await journal.wait_run(self._db, run_id, allowed.next_at, (
                    f"Достигнут суточный лимит учетной записи почты ({sending.per_day} писем за 24 часа):"
                    f" отправка продолжится {format_date(when.date())} в {when:%H:%M}"
                ), now)
                return 0
            poke = self._pokes.setdefault(run_id, asyncio.Event())
            poke.clear()
            try:
                async with asyncio.timeout(max(0.0, allowed.next_at - now)):
                    await poke.wait()
            except TimeoutError:
                pass

    async def limits(self) -> limits.Limits:
        saved = await mail_account.load(self._relay_db)
        per_minute, per_day = mail_account.sending_limits(saved, self._settings.current)
        return limits.Limits(per_minute, per_day)

    # --- after a restart, and what the relay says ---------------------------------------------

    async def _recover(self) -> None:
        """Letters being handed over when the service stopped: the relay's queue says whether they went."""
        submitting = await journal.entries_in(self._db, (EntryStatus.SUBMITTING,))
        found = await messages.records_by_message_id(self._relay_db, [e.message_id for e in submitting])
        now = self._clock()
        await journal.mark_queued(self._db, [(e.id, found[e.message_id].queue_id, "accepted before the restart")
                                             for e in submitting if e.message_id in found], now)
        await journal.back_to_pending(self._db, [e.id for e in submitting if e.message_id not in found], "", now)
        if submitting:
            log.warning("send runs: %d letters were being handed over at a stop; %d had been accepted",
                        len(submitting), len(found))

    async def _read_outcomes(self) -> None:
        waiting = await journal.entries_in(self._db, journal.IN_RELAY)
        if not waiting:
            return
        records = await messages.records(self._relay_db, [e.queue_id for e in waiting if e.queue_id])
        outcomes = [outcome for entry in waiting if (outcome := _outcome(entry, records.get(entry.queue_id)))]
        await journal.record_outcomes(self._db, outcomes, self._clock())
        for run_id in {entry.run_id for entry in waiting}:
            await self._stop_if_refused(run_id)

    async def _stop_if_refused(self, run_id: int) -> None:
        last = await journal.last_finished(self._db, run_id, REFUSALS_WINDOW)
        refused = [entry for entry in last if entry.status is EntryStatus.FAILED]
        if len(refused) >= REFUSALS_TO_STOP:
            reason = (f"Отправка приостановлена: провайдер отказал в приеме {len(refused)} из последних"
                      f" {len(last)} писем (последний ответ: {refused[0].reply}). Проверьте учетную запись"
                      " почты; продолжить можно кнопкой «Продолжить».")
            if await journal.stop_run(self._db, run_id, reason, self._clock()):
                self._poke(run_id)
                log.warning("send run %d stopped: the provider refused %d of the last %d", run_id,
                            len(refused), len(last))


def _outcome(entry: journal.Entry, record: messages.MessageRecord | None) -> Outcome | None:
    """What changed for an entry, from its message in the relay's queue."""
    if record is None:
        return None
    recipient = record.recipients[0]
    reply = f"{recipient.reply_code} {recipient.reply_text}".strip() if recipient.reply_code else recipient.reply_text
    if record.state is MessageState.DELIVERED:
        found = Outcome(entry.id, EntryStatus.DELIVERED, "", reply, None)
    elif record.state is MessageState.FAILED:
        found = Outcome(entry.id, EntryStatus.FAILED, recipient.reply_text or record.reason, reply, None)
    elif record.state is MessageState.DEFERRED:
        found = Outcome(entry.id, EntryStatus.DEFERRED, record.reason, reply, record.next_attempt_at)
    elif record.state is MessageState.HOLD:
        found = Outcome(entry.id, EntryStatus.DEFERRED, f"Задержано почтовым релеем: {record.reason}", reply, None)
    else:
        return None
    unchanged = (entry.status, entry.reason, entry.reply, entry.next_attempt_at)
    return None if unchanged == (found.status, found.reason, found.reply, found.next_attempt_at) else found
