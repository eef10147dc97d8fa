"""The delivery runner: take due messages, hand each to the transport, record what happened."""
import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from daemon.config import ConfigHolder, DeliveryConfig
from daemon.db.compact import FileSpace, compact_if_mostly_free
from daemon.db.connect import Database
from daemon.delivery.bounce import FailedRecipient, make_bounce
from daemon.delivery.maildir import Maildir
from daemon.delivery.outage import STORAGE_ERRORS, Failing, describe
from daemon.delivery.transports import AttemptResult, Outcome, Transport, all_recipients
from daemon.errors import StoreUnavailable
from daemon.queue import messages, pauses
from daemon.queue.messages import (
    MessageState,
    QueuedMessage,
    RecipientOutcome,
    RecipientState,
)
from daemon.watchdog import Deadlines

log = logging.getLogger(__name__)

T = TypeVar("T")
Claimed = messages.Claim | messages.NothingDue

# How long to sleep when nothing is due, at most; a new message wakes the runner at once.
MAX_IDLE_WAIT = 60.0

# An attempt is a chain of steps, each ended by [upstream.smtp] timeout when the provider
# goes quiet: connect, TLS and the greeting, EHLO, STARTTLS and EHLO again, AUTH (two round
# trips), MAIL, DATA, the end of the data, and the QUIT of a connection found stale; one
# RCPT per recipient; all of it once more on a fresh connection when a reused one had
# been closed. Longer than that, the lane has stalled (daemon/watchdog.py).
SESSION_STEPS = 10


def attempt_bound(message: QueuedMessage, timeout: float) -> float:
    """The longest one attempt at ``message`` takes while every step keeps to ``timeout``."""
    return 2 * timeout * (SESSION_STEPS + len(message.open_recipients))


def _outcomes_text(message: QueuedMessage, outcomes: list[RecipientOutcome], state: MessageState) -> str:
    """Each recipient with the provider's reply; its state only where it is not the message's."""
    addresses = {r.id: r.address for r in message.recipients}
    return "; ".join(
        f"to=<{addresses[o.recipient_id]}>{'' if o.state == state else f' {o.state}'} ({o.reply_text})"
        for o in outcomes
    )


def backoff(attempts: int, delivery: DeliveryConfig) -> float:
    """Exponential: min, 2*min, 4*min ... capped at max (Postfix's minimal/maximal_backoff_time)."""
    doublings = min(max(0, attempts - 1), 64)  # past max_backoff long before; 2 ** 1100 would not fit a float
    return min(delivery.max_backoff, delivery.min_backoff * 2 ** doublings)


@dataclass
class _Round:
    """One run_once: its lanes share the time it started at and the accounts paused."""

    group: asyncio.TaskGroup
    now: float
    paused: set[str]
    lanes: int = 0
    attempted: int = 0


class DeliveryWorker:
    def __init__(
        self,
        *,
        settings: ConfigHolder,
        db: Database,
        transport: Transport,
        bounces: Maildir,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._db = db
        self._transport = transport
        self._bounces = bounces
        self._clock = clock
        self._wake = asyncio.Event()
        self._try_store = asyncio.Event()  # ends a wait to try the store again
        self._stopping = False
        self._pauses: dict[str, float] | None = None  # account: paused until
        self._round: _Round | None = None  # the run_once in progress
        self._running = False  # run() is delivering; tests may drive run_once themselves
        self._promised = 0  # lanes promised to messages being stored (queued)
        self._handed: list[messages.Claim] = []  # claims stored with no round to take them
        # What the latest claim to find nothing due saw, with the accounts it passed by, and
        # whether a message was stored after it (counted by _stored_later), which the
        # runner must then look for: it sleeps on what that claim saw otherwise.
        self._nothing_due: tuple[messages.NothingDue, frozenset[str]] | None = None
        self._stored_later = 0
        self._monotonic = monotonic
        self._failing: set[Failing] = set()  # operations on the store waiting to try again
        self.deadlines = Deadlines(monotonic)  # what the watchdog checks

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def store_failing(self) -> bool:
        """Delivery cannot write to the queue at the moment: the listener takes no mail."""
        return bool(self._failing)

    def wake(self) -> None:
        """A message was queued: the runner looks again, and a round in progress gets
        another lane if it has fewer than [delivery] connections. A lane waiting for the
        store tries it again at once."""
        self._wake.set()
        self._try_store.set()
        # With no lane left the round is ending; the next one sees the message.
        if self._round is not None and 0 < self._round.lanes and self._lanes_in_use() < self._connections():
            self._start_lane(self._round)

    async def queued(self, store: Callable[[set[str] | None], Awaitable[Claimed | None]]) -> None:
        """Store a message the listener took, with ``store``, and see that it is delivered.

        While a lane is free, ``store`` is given the paused accounts, and claims the oldest
        message due (passing them by) in the transaction that stores this one
        (messages.insert_message): the claim starts the lane at once, with the content in
        hand. The runner is not waited for and nothing is read back. Otherwise ``store`` gets
        None; while a round's lanes are busy, their next claims take the message (and the
        runner looks for it if the last of them came before it), else the runner is woken.

        The hand-over runs even if the caller is cancelled once the store has begun (a client
        gone while its message was written): a claim committed with nobody to send it would
        keep the message from delivery until the next start.
        """
        if not self._lane_free():
            await store(None)
            if self._delivering() and self._round is not None and self._round.lanes > 0:
                self._stored_later += 1
            else:
                self.wake()
            return
        self._promised += 1
        storing = asyncio.ensure_future(store(self._paused(self._clock())))
        storing.add_done_callback(self._hand_over)
        await asyncio.shield(storing)

    def _connections(self) -> int:
        return self._settings.current.delivery.connections

    def _lanes_in_use(self) -> int:
        return self._promised + (self._round.lanes if self._round is not None else 0)

    def _delivering(self) -> bool:
        return self._running and not self._stopping and not self._failing and self._pauses is not None

    def _lane_free(self) -> bool:
        return self._delivering() and self._lanes_in_use() < self._connections()

    def _hand_over(self, storing: asyncio.Future) -> None:
        claim = None if storing.cancelled() or storing.exception() is not None else storing.result()
        if isinstance(claim, messages.Claim):
            # A turn of the loop later: the listener's 250 goes out first, for the client's
            # next message waits on it and the delivery need not.
            asyncio.get_running_loop().call_soon(self._start_handed, claim)
            return
        self._promised -= 1  # not stored, or its account is paused: the runner waits for it
        self._wake.set()  # a stop may be waiting for this promise

    def _start_handed(self, claim: messages.Claim) -> None:
        self._promised -= 1
        round_ = self._round
        if not (round_ is not None and round_.lanes > 0 and self._start_lane(round_, claim)):
            self._handed.append(claim)  # the runner is between rounds or waiting: it starts one
            self._wake.set()

    def _saw(self, nothing_due: messages.NothingDue, paused: set[str]) -> None:
        """A claim found nothing due: it saw every message stored before it."""
        self._nothing_due = nothing_due, frozenset(paused)
        self._stored_later = 0

    def stop(self) -> None:
        """Finish the message in flight, then return from run()."""
        self._stopping = True
        self._wake.set()
        self._try_store.set()

    async def wait_stopped(self) -> None:
        while not self._stopping:
            self._wake.clear()
            await self._wake.wait()
        await self._transport.close()

    async def _load_pauses(self) -> None:
        """Pauses survive a restart; after that this runner is their only writer."""
        self._pauses = await self._stored("reading account pauses", lambda: pauses.load(self._db))

    async def _stored(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        """One of delivery's reads or writes of the queue, tried until it succeeds.

        A failure of the store is logged at once, as an error naming ``what`` (with the queue
        id where there is one), and later tries as warnings; meanwhile the message stays
        where it is (claimed, with its outcome in memory) and the listener refuses new mail
        (store_failing). After stop() one last try is made (a lock may have gone; an outcome
        recorded now is a message not sent twice), then StoreUnavailable; also after
        failing for outage.GIVE_UP_AFTER.
        """
        failing: Failing | None = None
        last_try = False
        try:
            while True:
                try:
                    result = await operation()
                except STORAGE_ERRORS as error:
                    if last_try:
                        raise StoreUnavailable(f"{what}: stopped while the queue store fails") from error
                    if failing is None:
                        failing = Failing(what, self._monotonic())
                        self._failing.add(failing)
                    wait = failing.failed(error, self._monotonic())
                    report = log.error if failing.failures == 1 else log.warning
                    report("%s failed: %s; delivery paused, trying again in %.0f s", what, describe(error), wait)
                    await self._wait_to_try_again(what, wait)
                    last_try = self._stopping
                    continue
                if failing is not None:
                    log.warning(
                        "%s: done, the queue store works again after %.0f s",
                        what, self._monotonic() - failing.since,
                    )
                return result
        finally:
            self._failing.discard(failing)

    async def _wait_to_try_again(self, what: str, wait: float) -> None:
        """Until ``wait`` has passed, wake() or stop()."""
        if self._stopping:
            return
        self._try_store.clear()
        with self.deadlines.step(f"{what}: waiting to try again", wait):
            try:
                async with asyncio.timeout(wait):
                    await self._try_store.wait()
            except TimeoutError:
                pass

    def _paused(self, now: float) -> set[str]:
        return {account for account, until in self._pauses.items() if until > now}

    async def run_once(self, now: float) -> int:
        """Attempt every message due at ``now`` (or by the clock, if later), in up to
        [delivery] connections lanes at once; returns how many were attempted.

        A lane ends when it finds nothing due. A message queued while fewer lanes run
        starts one of its own (queued): a backlog that builds up behind a fast client goes
        out over every connection, not over the one lane that happened to be running.
        Claims handed over by queued() between rounds start this one's lanes.
        """
        if self._pauses is None:
            await self._load_pauses()
        handed, self._handed = self._handed, []
        self._nothing_due = None
        try:
            async with asyncio.TaskGroup() as group:
                round_ = self._round = _Round(group, now, self._paused(now))
                for claim in handed:
                    self._start_lane(round_, claim)
                if not handed:
                    self._start_lane(round_)  # which starts the next lane once it has a message
        except ExceptionGroup as failed:  # one lane failed (gave up on the store), the rest were cancelled
            if len(failed.exceptions) == 1:
                raise failed.exceptions[0] from None
            raise
        finally:
            self._round = None
        return round_.attempted

    def _start_lane(self, round_: _Round, claim: messages.Claim | None = None) -> bool:
        """A lane in ``round_``, beginning with ``claim`` if given; False if the round has ended."""
        lane = self._lane(round_, claim)
        try:
            round_.group.create_task(lane)
        except RuntimeError:  # a lane failed and the group is shutting down: run() looks again
            lane.close()
            return False
        round_.lanes += 1
        return True

    async def _lane(self, round_: _Round, claim: messages.Claim | None) -> None:
        """Attempt one message after another; each record also claims the next one.

        A lane that claims its first message starts another while the round has fewer
        than [delivery] connections: a backlog gets every connection, and a round with
        nothing due costs one claim.
        """
        try:
            if claim is None:
                claim = await self._claim(round_)
                if claim is not None and self._lanes_in_use() < self._connections():
                    self._start_lane(round_)
            while claim is not None:
                claim = await self._attempt(claim, round_)
        except StoreUnavailable:
            if not self._stopping:
                raise
        finally:
            round_.lanes -= 1

    async def _claim(self, round_: _Round) -> messages.Claim | None:
        async def claim() -> Claimed | None:
            if self._stopping:
                return None
            return await messages.claim_next(self._db, self._due_by(round_), round_.paused)

        return self._claimed(await self._stored("claiming the next message", claim), round_)

    def _claimed(self, claim: Claimed | None, round_: _Round) -> messages.Claim | None:
        if isinstance(claim, messages.NothingDue):
            self._saw(claim, round_.paused)
            return None
        return claim

    def _due_by(self, round_: _Round) -> float:
        return max(round_.now, self._clock())

    async def _attempt(self, claim: messages.Claim, round_: _Round) -> messages.Claim | None:
        """One delivery attempt; returns the lane's next message, if one is due."""
        message, content = claim.message, claim.content
        round_.attempted += 1
        if content is None:
            reason = "message content missing from the database"
            log.error("%s: held: %s", message.id, reason)
            await self._stored(
                f"{message.id}: holding it", lambda: messages.hold(self._db, message.id, self._clock(), reason)
            )
            return await self._claim(round_)
        bound = attempt_bound(message, self._settings.current.upstream_smtp.timeout)
        try:
            with self.deadlines.step(f"{message.id}: sending", bound):
                result = await self._transport.deliver(message, content)
        except Exception as error:  # the edge of one message: log, keep the message, go on
            log.exception("%s: delivery raised", message.id)
            reason = f"internal error: {error}"
            result = AttemptResult(all_recipients(message, Outcome.TEMPORARY, None, reason), reason)
        if result.pause_account:  # before the next claim, which must pass this account by
            round_.paused.add(message.account)
        next_claim = await self._record(message, result, content, round_)
        if result.pause_account:
            await self._pause(message.account, result.reason)
        return next_claim

    async def _record(
        self, message: QueuedMessage, result: AttemptResult, content: bytes, round_: _Round
    ) -> messages.Claim | None:
        delivery = self._settings.current.delivery
        now = self._clock()
        expired = now - message.received_at >= delivery.max_queue_lifetime
        outcomes = []
        for r in result.results:
            if r.outcome is Outcome.DELIVERED:
                state, text = RecipientState.DELIVERED, r.reply_text
            elif r.outcome is Outcome.PERMANENT:
                state, text = RecipientState.FAILED, r.reply_text
            elif expired:
                state, text = RecipientState.FAILED, f"expired in the queue; last reply: {r.reply_text}"
            else:
                state, text = RecipientState.DEFERRED, r.reply_text
            outcomes.append(RecipientOutcome(r.recipient.id, state, r.reply_code, text))
        retry_at = now + backoff(message.attempts, delivery)
        try:
            new_state, next_claim = await self._stored(
                f"{message.id}: recording the attempt (provider: {result.reason})",
                lambda: messages.record_attempt(
                    self._db, message, outcomes, now=now, next_attempt_at=retry_at, reason=result.reason,
                    claim_due_by=None if self._stopping else self._due_by(round_), paused=round_.paused,
                ),
            )
        except StoreUnavailable:
            accepted = any(o.state is RecipientState.DELIVERED for o in outcomes)
            log.error(
                "%s: attempt not recorded; the message stays claimed and goes back to the queue"
                " at the next start%s", message.id,
                ", and is sent again: the provider had accepted it" if accepted else "",
            )
            raise
        next_claim = self._claimed(next_claim, round_)
        # One line per attempt, with what the listener took (it logs at DEBUG): under
        # systemd every line is also a trip to journald.
        recipients = _outcomes_text(message, outcomes, new_state)
        taken = f"from=<{message.sender}> size={message.size}"
        if new_state is MessageState.DEFERRED:
            log.info("%s: deferred for %.0f s: %s %s", message.id, retry_at - now, recipients, taken)
        else:
            log.info("%s: %s: %s %s", message.id, new_state, recipients, taken)
        if new_state is MessageState.FAILED:
            await self._bounce(message, outcomes, content)
        return next_claim

    async def _bounce(
        self, message: QueuedMessage, outcomes: list[RecipientOutcome], content: bytes
    ) -> None:
        addresses = {r.id: r.address for r in message.recipients}
        failed = [
            FailedRecipient(addresses[o.recipient_id], o.reply_code, o.reply_text)
            for o in outcomes
            if o.state is RecipientState.FAILED
        ]
        bounce = make_bounce(message, failed, content)
        what = f"{message.id}: writing the bounce to <{message.sender}>"
        try:
            path = await self._stored(what, lambda: asyncio.to_thread(self._bounces.deliver, bounce))
        except StoreUnavailable:
            log.error("%s: bounce to <%s> not written: the message is failed, its sender not told",
                      message.id, message.sender)
            raise
        log.info("%s: bounce to <%s> written to %s", message.id, message.sender, path)
        await self._stored(f"{message.id}: noting the bounce", lambda: messages.note_bounce(
            self._db, message.id, self._clock(), f"bounce to {message.sender}: {path.name}",
        ))

    async def _pause(self, account: str, reason: str) -> None:
        pause = self._settings.current.delivery.spam_block_pause
        until = self._clock() + pause
        self._pauses[account] = until
        log.warning("account %s paused for %.0f s: %s", account, pause, reason)
        await self._stored(f"pausing account {account}", lambda: pauses.pause(self._db, account, until, reason))

    async def run(self) -> None:
        """Deliver until stop(); sleeps until the next message is due or a new one arrives.

        Returns only after stop(). A store that fails is waited for (_stored); one that
        fails for good raises StoreUnavailable, and anything else that escapes is a bug:
        either way the relay logs it and exits for systemd to restart it (daemon/app.py).
        """
        self._running = True
        try:
            while not self._stopping:
                self._wake.clear()
                await self.run_once(self._clock())
                if self._stopping:
                    break
                now = self._clock()
                await self._transport.close_idle(now)
                if self._wake.is_set() or self._stored_later:
                    continue  # a message came after the round's last claim
                due, space = await self._outlook(now)
                if due is None and not self._wake.is_set():
                    await compact_if_mostly_free(self._db, space)
                wait = MAX_IDLE_WAIT if due is None else max(0.0, due - now)
                wait = min(wait, MAX_IDLE_WAIT, self._settings.current.delivery.connection_idle)
                try:
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                except TimeoutError:
                    pass
            await self._deliver_promised()
        except StoreUnavailable:
            if not self._stopping:
                raise
        finally:
            self._running = False
            await self._transport.close()

    async def _outlook(self, now: float) -> tuple[float | None, FileSpace | None]:
        """When the next message falls due, and the file's space if known: as the round's
        last claim saw them, unless the paused accounts have changed since."""
        paused = self._paused(now)
        if self._nothing_due is not None and self._nothing_due[1] == paused:
            seen = self._nothing_due[0]
            return seen.next_due_at, seen.space
        due = await self._stored(
            "looking for the next message due", lambda: messages.next_due_at(self._db, paused)
        )
        return due, None

    async def _deliver_promised(self) -> None:
        """At a stop, the messages stored with a lane promised are in flight: they are sent."""
        while self._promised or self._handed:
            if not self._handed:
                self._wake.clear()
                await self._wake.wait()
                continue
            await self.run_once(self._clock())

