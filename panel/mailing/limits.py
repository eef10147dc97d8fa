"""The provider's sending limits: messages per minute and per rolling 24 hours.

Providers count a mailbox's messages over a rolling day (Google says so; Yandex blocks a
mailbox for a day and extends the block if it keeps sending). A run asks, before each
message, when it may send next; the answer comes from when earlier messages were handed
to the relay, whichever run sent them.
"""
from dataclasses import dataclass

MINUTE = 60.0
DAY = 24 * 3600.0


@dataclass(frozen=True)
class Limits:
    per_minute: int  # 0: no limit
    per_day: int     # 0: no limit


@dataclass(frozen=True)
class Allowance:
    now: int             # messages that may go at once
    next_at: float       # when more may go, if now == 0
    daily: bool          # the wait is the day's limit (hours), not the minute's


def allowance(limits: Limits, submitted: list[float], now: float) -> Allowance:
    """`submitted`: when messages went, oldest first (at least the last day's)."""
    in_day = [at for at in submitted if at > now - DAY]
    in_minute = [at for at in in_day if at > now - MINUTE]
    free = [10**9]
    if limits.per_day:
        free.append(limits.per_day - len(in_day))
        if len(in_day) >= limits.per_day:
            return Allowance(0, in_day[len(in_day) - limits.per_day] + DAY, daily=True)
    if limits.per_minute:
        free.append(limits.per_minute - len(in_minute))
        if len(in_minute) >= limits.per_minute:
            return Allowance(0, in_minute[len(in_minute) - limits.per_minute] + MINUTE, daily=False)
    return Allowance(min(free), now, daily=False)
