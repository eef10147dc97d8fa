"""`epd-relay check` and the panel's «Проверить учетную запись»: each step of a session, named."""
from dataclasses import dataclass

from daemon.config import UpstreamSmtpConfig
from daemon.steps import StepResult
from daemon.upstream import UpstreamFailure, close_session, open_session


@dataclass(frozen=True)
class CheckReport:
    steps: list[StepResult]
    ok: bool


async def check_smtp(
    config: UpstreamSmtpConfig, username: str | None, password: str | None
) -> CheckReport:
    """Connect, verify TLS, EHLO, STARTTLS where used, AUTH when a username is given."""
    steps: list[StepResult] = []
    try:
        session = await open_session(config, username, password, report=steps.append)
    except UpstreamFailure as failure:
        steps.append(StepResult(failure.step, False, failure.detail, failure.reply_code))
        return CheckReport(steps, ok=False)
    await close_session(session)
    return CheckReport(steps, ok=True)
