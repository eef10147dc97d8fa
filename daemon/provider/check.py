"""`epd-relay check` and the panel's «Проверить учетную запись»: each step of a session, named."""
import asyncio
from dataclasses import dataclass

from daemon.config import UpstreamPop3Config, UpstreamSmtpConfig
from daemon.pop3.relay import connect_upstream
from daemon.provider.failures import StepFailed
from daemon.provider.secure_stream import SecureStream
from daemon.provider.smtp_session import UpstreamFailure, close_session, open_session
from daemon.provider.steps import Facts, Reason, Reply, Step, StepResult, pop3_login_refusal


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
        steps.append(failure.result)
        return CheckReport(steps, ok=False)
    await close_session(session)
    return CheckReport(steps, ok=True)


async def check_pop3(config: UpstreamPop3Config, username: str, password: str) -> CheckReport:
    """Connect, STLS where used, verify TLS, log in with USER/PASS, STAT."""
    steps: list[StepResult] = []
    try:
        stream = await connect_upstream(config, report=steps.append)
    except StepFailed as failure:
        steps.append(failure.result)
        return CheckReport(steps, ok=False)
    dialogue = _Pop3Dialogue(stream, steps)
    try:
        async with asyncio.timeout(config.timeout):
            await dialogue.run(username, password)
    except StepFailed as failure:
        steps.append(failure.result)
        return CheckReport(steps, ok=False)
    except (OSError, TimeoutError) as error:
        steps.append(StepResult(dialogue.step, False, Reason.CONNECTION_LOST, Facts(error=str(error))))
        return CheckReport(steps, ok=False)
    finally:
        await stream.close_and_wait()
    return CheckReport(steps, ok=True)


def _message_count(stat: Reply) -> int | None:
    """STAT answers "+OK count size" (RFC 1939)."""
    parts = stat.text.split()
    if len(parts) >= 3 and parts[1].isascii() and parts[1].isdigit():
        return int(parts[1])
    return None


class _Pop3Dialogue:
    """Greeting, USER/PASS and STAT after TLS; ``step`` is where it is, for a failure."""

    def __init__(self, stream: SecureStream, steps: list[StepResult]) -> None:
        self._stream = stream
        self._steps = steps
        self.step = Step.GREETING

    async def run(self, username: str, password: str) -> None:
        greeting = self._stream.prelude_greeting.decode("utf-8", "replace").strip()
        reply = Reply(None, greeting) if greeting else await self._command(None)
        self._passed(Reason.GREETED, reply=reply)
        self.step = Step.AUTH
        await self._command(f"USER {username}")
        reply = await self._command(f"PASS {password}", refused=Reason.LOGIN_REFUSED, login=username)
        self._passed(Reason.LOGGED_IN, login=username, reply=reply)
        self.step = Step.STAT
        reply = await self._command("STAT")
        self._passed(Reason.MAILBOX_OPEN, reply=reply, messages=_message_count(reply))
        self._stream.writer.write(b"QUIT\r\n")

    def _passed(self, reason: Reason, **facts) -> None:
        self._steps.append(StepResult(self.step, True, reason, Facts(**facts)))

    async def _command(self, line: str | None, refused: Reason = Reason.REPLIED, login: str = "") -> Reply:
        if line is not None:
            self._stream.writer.write(line.encode("utf-8") + b"\r\n")
        text = (await self._stream.reader.readline()).decode("utf-8", "replace").strip()
        if not text:
            raise StepFailed(StepResult(self.step, False, Reason.CONNECTION_CLOSED))
        reply = Reply(None, text)
        if not text.startswith("+OK"):
            if refused is Reason.LOGIN_REFUSED:
                refused = pop3_login_refusal(reply)
            raise StepFailed(StepResult(self.step, False, refused, Facts(reply=reply, login=login)))
        return reply
