"""`epd-relay check` and the panel's «Проверить учетную запись»: each step of a session, named."""
import asyncio
from dataclasses import dataclass

from daemon.config import UpstreamPop3Config, UpstreamSmtpConfig
from daemon.pop3.relay import connect_upstream
from daemon.provider.secure_stream import SecureStreamFailed
from daemon.provider.smtp_session import UpstreamFailure, close_session, open_session
from daemon.provider.steps import Step, StepResult


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


class _Pop3Refused(Exception):
    def __init__(self, step: Step, detail: str) -> None:
        super().__init__(detail)
        self.step = step


async def check_pop3(config: UpstreamPop3Config, username: str, password: str) -> CheckReport:
    """Connect, STLS where used, verify TLS, log in with USER/PASS, STAT."""
    steps: list[StepResult] = []
    try:
        stream = await connect_upstream(config, report=steps.append)
    except SecureStreamFailed as failure:
        steps.append(StepResult(failure.step, False, failure.detail))
        return CheckReport(steps, ok=False)
    try:
        async with asyncio.timeout(config.timeout):
            await _pop3_dialogue(stream, username, password, steps)
    except _Pop3Refused as refused:
        steps.append(StepResult(refused.step, False, str(refused)))
        return CheckReport(steps, ok=False)
    except (OSError, TimeoutError, EOFError) as error:
        steps.append(StepResult(Step.GREETING if len(steps) < 3 else Step.STAT, False,
                                f"connection failed: {str(error) or 'timed out'}"))
        return CheckReport(steps, ok=False)
    finally:
        stream.close()
    return CheckReport(steps, ok=True)


async def _pop3_dialogue(stream, username: str, password: str, steps: list[StepResult]) -> None:
    async def command(line: str | None, step: Step) -> str:
        if line is not None:
            stream.writer.write(line.encode("utf-8") + b"\r\n")
        reply = (await stream.reader.readline()).decode("utf-8", "replace").strip()
        if not reply:
            raise EOFError("the server closed the connection")
        if not reply.startswith("+OK"):
            raise _Pop3Refused(step, f"server replied {reply}")
        return reply

    greeting = stream.prelude_greeting.decode("utf-8", "replace").strip()
    if not greeting:
        greeting = await command(None, Step.GREETING)
    steps.append(StepResult(Step.GREETING, True, greeting))
    await command(f"USER {username}", Step.AUTH)
    try:
        await command(f"PASS {password}", Step.AUTH)
    except _Pop3Refused as refused:
        raise _Pop3Refused(Step.AUTH, f"server refused the login {username}: {refused}") from None
    steps.append(StepResult(Step.AUTH, True, f"logged in as {username}"))
    stat = await command("STAT", Step.STAT)
    steps.append(StepResult(Step.STAT, True, stat))
    stream.writer.write(b"QUIT\r\n")
