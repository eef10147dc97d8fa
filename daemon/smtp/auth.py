"""Truthful SMTP AUTH: a login is good when the upstream provider says so."""
import asyncio
import enum
import logging
from collections import defaultdict
from dataclasses import dataclass

from daemon.config import Config, ConfigHolder, UpstreamSmtpConfig
from daemon.db.connect import Database
from daemon.provider import logins
from daemon.provider.credentials import Credentials
from daemon.provider.smtp_session import UpstreamFailure, close_session, open_session

log = logging.getLogger(__name__)


class AuthVerdict(enum.StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class AuthDecision:
    verdict: AuthVerdict
    reply: str


ACCEPTED = "235 2.7.0 Authentication successful"


class Authenticator:
    def __init__(self, settings: ConfigHolder, db: Database, credentials: Credentials) -> None:
        self._settings = settings
        self._db = db
        self._credentials = credentials
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._checked_with: UpstreamSmtpConfig | None = None

    async def authenticate(self, username: str, password: str, now: float) -> AuthDecision:
        config = self._settings.current
        if config.upstream_smtp != self._checked_with:
            # Logins checked with other upstream settings (before a mail account was saved
            # in the panel, or config.toml reloaded) say nothing about these.
            self._credentials.forget_checks()
            self._checked_with = config.upstream_smtp
        # One check per login at a time: a batch's next connections hit the cache, not the
        # provider (or, for local capture, not scrypt).
        async with self._locks[username]:
            if self._credentials.recently_checked(username, password, now, config.delivery.auth_cache):
                return AuthDecision(AuthVerdict.ACCEPTED, ACCEPTED)
            if config.upstream_smtp.captures_locally:
                return await self._local(username, password, now)
            return await self._upstream(config, username, password, now)

    async def _local(self, username: str, password: str, now: float) -> AuthDecision:
        if await logins.local_password_ok(self._db, username, password):
            self._credentials.remember(username, password, now)
            return AuthDecision(AuthVerdict.ACCEPTED, ACCEPTED)
        log.info("local AUTH refused for %s", username)
        return AuthDecision(
            AuthVerdict.REFUSED, "535 5.7.8 Authentication failed: unknown account or wrong password"
        )

    async def _upstream(self, config: Config, username: str, password: str, now: float) -> AuthDecision:
        upstream = config.upstream_smtp
        try:
            session = await open_session(upstream, username, password)
        except UpstreamFailure as failure:
            return await self._upstream_failed(upstream.host, username, password, now, failure)
        await close_session(session)
        self._credentials.remember(username, password, now)
        await logins.remember_verified(self._db, username, password, now)
        log.info("AUTH for %s verified with %s", username, upstream.host)
        return AuthDecision(AuthVerdict.ACCEPTED, ACCEPTED)

    async def _upstream_failed(
        self, host: str, username: str, password: str, now: float, failure: UpstreamFailure
    ) -> AuthDecision:
        if failure.is_auth_refusal:
            log.info("AUTH for %s refused by %s: %s", username, host, failure.detail)
            if await logins.verified_before(self._db, username, password):
                await logins.forget_verified(self._db, username)
            return AuthDecision(
                AuthVerdict.REFUSED, f"535 5.7.8 Authentication failed: {host} says: {failure.detail}"
            )
        if await logins.verified_before(self._db, username, password):
            log.warning(
                "upstream %s unavailable (%s); accepting %s on credentials it accepted before",
                host, failure.detail, username,
            )
            self._credentials.remember(username, password, now)
            return AuthDecision(AuthVerdict.ACCEPTED, ACCEPTED)
        log.warning("cannot verify AUTH for %s: %s", username, failure.detail)
        return AuthDecision(
            AuthVerdict.UNAVAILABLE,
            f"454 4.7.0 Cannot verify the password with {host} now ({failure.detail}); try again later",
        )

