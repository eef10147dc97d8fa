"""A real Postfix + Dovecot pair on loopback, acting as the upstream mail provider.

Everything (configs, queue, logs, the catch-all Maildir, sockets) lives under one
work directory, so several providers can run side by side and /etc stays untouched.
Must run as root: Postfix and Dovecot are started directly, without a service manager.

Dovecot counts a connection as secure when client and server IP are equal, so
from 127.0.0.1 it allows USER/PASS before STLS despite disable_plaintext_auth;
a client bound to another loopback address (127.0.0.2) sees the refusal.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import TypeVar

LOOPBACK = "127.0.0.1"
MYHOSTNAME = "mail.provider.test"
MAIL_USER = "mail"  # owns the Maildir; Postfix virtual(8) and Dovecot both act as it
MESSAGE_SIZE_LIMIT = 64 * 1024 * 1024
POLL_INTERVAL = 0.02
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
UNIX_SOCKET_PATH_MAX = 107

T = TypeVar("T")

# Postfix's own "$name" references are written "$$name" here (string.Template escaping).
POSTFIX_MAIN_CF = Template("""\
compatibility_level = 3.6
myhostname = $myhostname
myorigin = $$myhostname
mydestination =
mynetworks =
inet_interfaces = $host
inet_protocols = ipv4
queue_directory = $queue_dir
data_directory = $data_dir
maillog_file = $log_file
maillog_file_prefixes = $log_dir
biff = no
append_dot_mydomain = no
smtputf8_enable = no
smtpd_peername_lookup = no
alias_maps =
alias_database =

# Catch-all: every domain is a virtual mailbox domain, every recipient lands in one Maildir.
virtual_mailbox_domains = static:all
virtual_mailbox_base = $workdir
virtual_mailbox_maps = static:$maildir_name/
virtual_uid_maps = static:$mail_uid
virtual_gid_maps = static:$mail_gid
virtual_minimum_uid = $mail_uid
message_size_limit = $message_size_limit
virtual_mailbox_limit = 0
mailbox_size_limit = 0

# TLS and SASL are switched on per listener in master.cf.
smtpd_tls_chain_files = $key_file, $cert_file
smtpd_tls_security_level = none
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_sasl_security_options = noanonymous
""")

# chroot is "n" everywhere so smtpd reaches Dovecot's auth socket and the log socket.
# No smtpd_sender_login_maps: an authenticated user may use any envelope sender.
POSTFIX_MASTER_CF = Template("""\
# service  type  private unpriv chroot wakeup maxproc command
$plain_smtp_port inet n - n - - smtpd
  -o smtpd_tls_security_level=none
  -o smtpd_sasl_auth_enable=no
$submission_port inet n - n - - smtpd
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
$smtps_port inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
pickup     unix  n - n 60    1 pickup
cleanup    unix  n - n -     0 cleanup
qmgr       unix  n - n 300   1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n -     - trivial-rewrite
bounce     unix  - - n -     0 bounce
defer      unix  - - n -     0 bounce
trace      unix  - - n -     0 bounce
verify     unix  - - n -     1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -     - proxymap
proxywrite unix  - - n -     1 proxymap
smtp       unix  - - n -     - smtp
relay      unix  - - n -     - smtp
showq      unix  n - n -     - showq
error      unix  - - n -     - error
retry      unix  - - n -     - error
discard    unix  - - n -     - discard
local      unix  - n n -     - local
virtual    unix  - n n -     - virtual
lmtp       unix  - - n -     - lmtp
anvil      unix  - - n -     1 anvil
scache     unix  - - n -     1 scache
postlog    unix-dgram n - n - 1 postlogd
""")

DOVECOT_CONF = Template("""\
instance_name = $instance_name
base_dir = $base_dir
state_dir = $state_dir
log_path = $log_file
protocols = pop3 imap
listen = $host

ssl = yes
ssl_cert = <$cert_file
ssl_key = <$key_file
disable_plaintext_auth = yes
auth_mechanisms = plain login
# Answer a wrong password after <= 0.5 s (Dovecot 2.3's failure-queue tick), not 2 s.
auth_failure_delay = 0

mail_location = maildir:$maildir
mail_uid = $mail_uid
mail_gid = $mail_gid
first_valid_uid = $mail_uid
last_valid_uid = $mail_uid
first_valid_gid = $mail_gid
last_valid_gid = $mail_gid

passdb {
  driver = passwd-file
  args = scheme=PLAIN $users_file
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$home_dir
}

service anvil {
  # No auth penalty: after a failed login Dovecot would delay every further
  # login from 127.0.0.1 (Postfix SASL included) by 2-15 s.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  # Postfix smtpd (SASL) connects here.
  unix_listener $auth_socket {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $pop3_port
  }
  inet_listener pop3s {
    port = $pop3s_port
    ssl = yes
  }
}
service imap-login {
  inet_listener imap {
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
  }
}
""")


@dataclass
class RealProvider:
    host: str
    smtps_port: int  # implicit TLS (465-style), AUTH PLAIN/LOGIN required to send
    submission_port: int  # STARTTLS required before AUTH (587-style)
    plain_smtp_port: int  # 25-style: neither STARTTLS nor AUTH offered
    pop3s_port: int  # implicit TLS (995-style)
    pop3_port: int  # STLS (110-style); see module docstring on plaintext login
    imap_port: int  # STARTTLS (143-style)
    maildir: Path  # catch-all: every accepted message for any recipient lands here
    users: dict[str, str]
    workdir: Path
    ca_file: Path | None = None  # CA that issued the server certificate, if known
    _postfix_dir: Path = field(default=Path(), repr=False)
    _postfix_pid: int | None = field(default=None, repr=False)
    _dovecot: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def _postfix_log(self) -> Path:
        return self.workdir / "log" / "postfix.log"

    @property
    def _dovecot_log(self) -> Path:
        return self.workdir / "log" / "dovecot.log"

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts `ca_file` and checks host names."""
        if self.ca_file is None:
            raise ValueError("this provider has no ca_file")
        return ssl.create_default_context(cafile=str(self.ca_file))

    def _message_files(self) -> list[Path]:
        return _retry_on_vanished(
            lambda: sorted(
                (path for sub in ("new", "cur") for path in (self.maildir / sub).iterdir()),
                key=lambda path: path.stat().st_mtime_ns,
            )
        )

    def delivered(self) -> list[bytes]:
        """Raw messages in the Maildir (new/ and cur/), oldest first by mtime."""
        return _retry_on_vanished(lambda: [path.read_bytes() for path in self._message_files()])

    def put_message(self, content: bytes) -> Path:
        """Place a message straight into the mailbox, as if delivered, for POP3/IMAP tests."""
        user = pwd.getpwnam(MAIL_USER)
        name = f"{time.time_ns()}.epd{os.getpid()}.{MYHOSTNAME}"
        temporary = self.maildir / "tmp" / name
        temporary.write_bytes(content)
        os.chown(temporary, user.pw_uid, user.pw_gid)
        final = self.maildir / "new" / name
        temporary.rename(final)
        return final

    def clear_mailbox(self) -> None:
        for sub in ("new", "cur"):
            for path in (self.maildir / sub).iterdir():
                path.unlink()

    def queue_is_empty(self) -> bool:
        result = subprocess.run(
            ["postqueue", "-c", str(self._postfix_dir), "-j"],
            capture_output=True,
            check=True,
        )
        return not result.stdout.strip()

    def wait_for_delivered(self, count: int, timeout: float = 30) -> list[bytes]:
        """Wait until at least `count` messages are in the Maildir and the queue is empty."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self._message_files()) >= count and self.queue_is_empty():
                return self.delivered()
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} delivered messages within {timeout}s, "
                    f"have {len(self._message_files())}; "
                    f"queue empty: {self.queue_is_empty()}\n{self.log_tail()}"
                )
            time.sleep(POLL_INTERVAL * 5)

    def log_tail(self, lines: int = 50) -> str:
        """Last lines of the Postfix log, then of the Dovecot log."""
        return "\n".join(
            f"--- {path} ---\n{_tail(path, lines)}"
            for path in (self._postfix_log, self._dovecot_log)
        )

    def stop(self) -> None:
        """Stop Postfix and Dovecot and every process they started. Idempotent."""
        # Signal both before waiting: Dovecot alone takes ~1 s to shut down.
        groups: list[int] = []
        if self._postfix_pid is not None:
            # What `postfix stop` does, minus its 1-second polling: SIGTERM the
            # master, which terminates its process group (it is a session leader).
            if _is_group_leader(self._postfix_pid):
                os.kill(self._postfix_pid, signal.SIGTERM)
                groups.append(self._postfix_pid)
            self._postfix_pid = None
        if self._dovecot is not None:
            self._dovecot.terminate()
            groups.append(self._dovecot.pid)  # started in its own session
        for pgid in groups:
            _await_group_exit(pgid)
        if self._dovecot is not None:
            self._dovecot.wait()
            self._dovecot = None


def is_available() -> bool:
    """Postfix and Dovecot binaries are installed (running them also needs root)."""
    return all(shutil.which(tool) for tool in ("postfix", "postqueue", "dovecot"))


def start_provider(
    workdir: Path,
    cert_pem: bytes,
    key_pem: bytes,
    users: dict[str, str],
    ca_file: Path | None = None,
) -> RealProvider:
    """Configure and start Postfix and Dovecot under `workdir`; return once all ports listen.

    `workdir` must be reachable (o+x on every ancestor) by the unprivileged
    users the daemons switch to; pytest's tmp_path is not (its base is 0700).
    """
    workdir = workdir.resolve()
    _check_workdir(workdir)
    smtps, submission, plain_smtp, pop3s, pop3, imap = _free_ports(6)
    provider = RealProvider(
        host=LOOPBACK,
        smtps_port=smtps,
        submission_port=submission,
        plain_smtp_port=plain_smtp,
        pop3s_port=pop3s,
        pop3_port=pop3,
        imap_port=imap,
        maildir=workdir / "maildir",
        users=dict(users),
        workdir=workdir,
        ca_file=ca_file,
        _postfix_dir=workdir / "postfix" / "conf",
    )
    _write_files(provider, cert_pem, key_pem)
    try:
        provider._postfix_pid = _start_postfix(provider)
        provider._dovecot = _start_dovecot(provider)
        _wait_until_listening(provider)
    except BaseException:
        provider.stop()
        raise
    return provider


# --- setup -------------------------------------------------------------------


def _check_workdir(workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)
    for ancestor in workdir.parents:
        if not ancestor.stat().st_mode & 0o001:
            raise ValueError(
                f"{workdir}: {ancestor} is not traversable by other users (needs o+x); "
                "Postfix and Dovecot drop privileges. Use e.g. tempfile.mkdtemp()."
            )
    # Dovecot login processes chroot below base_dir; the deepest socket is ~30 chars below it.
    if len(str(workdir)) > UNIX_SOCKET_PATH_MAX - 50:
        raise ValueError(f"{workdir}: path too long for the Unix sockets placed under it")


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _write_files(provider: RealProvider, cert_pem: bytes, key_pem: bytes) -> None:
    workdir = provider.workdir
    mail_uid = pwd.getpwnam(MAIL_USER).pw_uid
    mail_gid = grp.getgrnam(MAIL_USER).gr_gid
    dovecot_gid = grp.getgrnam("dovecot").gr_gid
    tls_dir, log_dir, dovecot_dir = workdir / "tls", workdir / "log", workdir / "dovecot"
    postfix_conf, queue_dir = provider._postfix_dir, _queue_dir(provider)
    # `postfix start` fills in the queue directory's subdirectories and ownership itself.
    for directory in (tls_dir, log_dir, dovecot_dir, postfix_conf.parent, postfix_conf, queue_dir):
        directory.mkdir(mode=0o755, exist_ok=True)

    cert_file, key_file = tls_dir / "cert.pem", tls_dir / "key.pem"
    cert_file.write_bytes(cert_pem)
    key_file.touch(mode=0o600)
    key_file.write_bytes(key_pem)

    maildir = provider.maildir
    mail_dirs = [maildir, maildir / "new", maildir / "cur", maildir / "tmp", dovecot_dir / "home"]
    for directory in mail_dirs:
        directory.mkdir(mode=0o700, exist_ok=True)
        os.chown(directory, mail_uid, mail_gid)

    users_file = dovecot_dir / "users"
    users_file.write_text(_passwd_file(provider.users))
    os.chown(users_file, 0, dovecot_gid)  # read by the auth process, which runs as "dovecot"
    users_file.chmod(0o640)

    common = {
        "host": provider.host,
        "mail_uid": mail_uid,
        "mail_gid": mail_gid,
        "cert_file": cert_file,
        "key_file": key_file,
        "log_dir": log_dir,
    }
    (postfix_conf / "main.cf").write_text(
        POSTFIX_MAIN_CF.substitute(
            common,
            myhostname=MYHOSTNAME,
            workdir=workdir,
            maildir_name=provider.maildir.name,
            queue_dir=queue_dir,
            data_dir=postfix_conf.parent / "data",
            log_file=provider._postfix_log,
            message_size_limit=MESSAGE_SIZE_LIMIT,
        )
    )
    (postfix_conf / "master.cf").write_text(
        POSTFIX_MASTER_CF.substitute(
            smtps_port=provider.smtps_port,
            submission_port=provider.submission_port,
            plain_smtp_port=provider.plain_smtp_port,
        )
    )
    _backdate(postfix_conf / "main.cf", postfix_conf / "master.cf")
    (dovecot_dir / "dovecot.conf").write_text(
        DOVECOT_CONF.substitute(
            common,
            instance_name=f"dovecot-{workdir.name}",
            base_dir=dovecot_dir / "run",
            state_dir=dovecot_dir / "state",
            log_file=provider._dovecot_log,
            maildir=provider.maildir,
            users_file=users_file,
            home_dir=dovecot_dir / "home",
            auth_socket=queue_dir / "private" / "auth",
            pop3_port=provider.pop3_port,
            pop3s_port=provider.pop3s_port,
            imap_port=provider.imap_port,
        )
    )


def _backdate(*paths: Path) -> None:
    # Postfix re-reads a config file, 300 ms apart, until its mtime is over a
    # second old (guarding against half-written files): ~1.5 s per postfix command.
    past = time.time() - 60
    for path in paths:
        os.utime(path, (past, past))


def _queue_dir(provider: RealProvider) -> Path:
    return provider.workdir / "postfix" / "queue"


def _passwd_file(users: dict[str, str]) -> str:
    for login, password in users.items():
        if any(c in login + password for c in ":\n") or not login:
            raise ValueError(f"login/password unusable in a passwd-file: {login!r}")
    return "".join(f"{login}:{{PLAIN}}{password}\n" for login, password in users.items())


# --- processes -----------------------------------------------------------------


def _start_postfix(provider: RealProvider) -> int:
    # `postfix start` creates the queue directories, then returns once master(8)
    # has initialised (it daemonizes itself). Output goes to a file: the daemons
    # inherit it and a pipe would never close.
    with (provider.workdir / "log" / "postfix-start.out").open("ab") as out:
        result = subprocess.run(
            ["postfix", "-c", str(provider._postfix_dir), "start"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=START_TIMEOUT,
        )
    if result.returncode != 0:
        raise RuntimeError(
            f"postfix start failed ({result.returncode}):\n"
            f"{_tail(provider.workdir / 'log' / 'postfix-start.out', 30)}\n{provider.log_tail()}"
        )
    master_pid = _read_pid(_queue_dir(provider) / "pid" / "master.pid")
    if master_pid is None:
        raise RuntimeError(f"postfix started but wrote no master.pid:\n{provider.log_tail()}")
    return master_pid


def _start_dovecot(provider: RealProvider) -> subprocess.Popen[bytes]:
    conf = provider.workdir / "dovecot" / "dovecot.conf"
    with (provider.workdir / "log" / "dovecot.out").open("ab") as out:
        return subprocess.Popen(
            ["dovecot", "-F", "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole on stop
        )


def _wait_until_listening(provider: RealProvider) -> None:
    ports = {
        provider.smtps_port,
        provider.submission_port,
        provider.plain_smtp_port,
        provider.pop3s_port,
        provider.pop3_port,
        provider.imap_port,
    }
    auth_socket = _queue_dir(provider) / "private" / "auth"

    def ready() -> bool:
        dovecot = provider._dovecot
        if dovecot is not None and dovecot.poll() is not None:
            raise RuntimeError(
                f"dovecot exited with {dovecot.returncode}:\n"
                f"{_tail(provider.workdir / 'log' / 'dovecot.out', 30)}\n{provider.log_tail()}"
            )
        return auth_socket.is_socket() and ports <= _listening_tcp_ports()

    if not _poll(ready, START_TIMEOUT):
        missing = sorted(ports - _listening_tcp_ports())
        raise RuntimeError(
            f"provider ports {missing} not listening after {START_TIMEOUT}s "
            f"(auth socket present: {auth_socket.is_socket()}):\n{provider.log_tail()}"
        )


def _listening_tcp_ports() -> set[int]:
    """Ports in LISTEN state. Read from the kernel rather than probed by connecting,
    which would fill the logs with aborted sessions and fork an smtpd per probe."""
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_address, state = fields[1], fields[3]
        if state == "0A":  # TCP_LISTEN
            ports.add(int(local_address.rpartition(":")[2], 16))
    return ports


def _await_group_exit(pgid: int) -> None:
    if _poll(lambda: not _group_members(pgid), STOP_TIMEOUT):
        return
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _poll(lambda: not _group_members(pgid), STOP_TIMEOUT)


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _proc_stat(pid: int | str) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, ...]."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rpartition(")")[2].split()


def _is_group_leader(pid: int) -> bool:
    fields = _proc_stat(pid)
    return fields is not None and fields[0] != "Z" and int(fields[2]) == pid


def _group_members(pgid: int) -> list[int]:
    """Live processes in a process group. Zombies are left out: they run nothing
    and only wait to be reaped (by init, once their parent has exited)."""
    members = []
    for entry in os.listdir("/proc"):
        fields = _proc_stat(entry) if entry.isdigit() else None
        if fields is not None and fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry))
    return members


def _retry_on_vanished(read: Callable[[], T]) -> T:
    # A POP3/IMAP session may rename a message (new/ -> cur/, flags) while we read.
    while True:
        try:
            return read()
        except FileNotFoundError:
            time.sleep(POLL_INTERVAL)


def _poll(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_INTERVAL)
    return True


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"(no {path.name})"
