"""A real SMTP server for the tests and benchmarks (Debian's python3-aiosmtpd) that records what
it receives and answers as told: per-recipient refusals, temporary failures, a delay per reply,
STARTTLS with AUTH. Run as a script, it serves until killed and counts messages (benchmarks)."""
import argparse
import asyncio
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list
    content: bytes
    at: float
    authenticated: object = None
    tls: bool = False

    @property
    def subject(self):
        for line in self.content.decode(errors="replace").splitlines():
            if line.lower().startswith("subject:"):
                return line.split(":", 1)[1].strip()
            if not line:
                break
        return ""


@dataclass
class Behaviour:
    refuse: dict = field(default_factory=dict)   # recipient -> "550 ..." answer to RCPT
    temporary: str = ""                          # when set, every RCPT gets this (e.g. "451 later")
    delay: float = 0.0                           # seconds before each reply to EHLO, MAIL, RCPT, DATA


class Handler:
    def __init__(self, sink):
        self.sink = sink

    async def _wait(self):
        if self.sink.behaviour.delay:
            await asyncio.sleep(self.sink.behaviour.delay)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        await self._wait()
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await self._wait()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._wait()
        behaviour = self.sink.behaviour
        if address in behaviour.refuse:
            return behaviour.refuse[address]
        if behaviour.temporary:
            return behaviour.temporary
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await self._wait()
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.sink.record(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content,
                                  time.time(), login if session.authenticated else None, session.ssl is not None))
        return "250 2.0.0 queued"


class SmtpSink:
    """Starts on a free loopback port; .messages holds what arrived, in order."""

    def __init__(self, port=None, tls_cert=None, tls_key=None, users=None, host="127.0.0.1"):
        self.port = port or free_port()
        self.host = host
        self.behaviour = Behaviour()
        self.messages = []
        self.lock = threading.Lock()
        self.tls_cert, self.tls_key, self.users = tls_cert, tls_key, users
        self.controller = None

    def record(self, message):
        with self.lock:
            self.messages.append(message)

    def received(self):
        with self.lock:
            return list(self.messages)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword) or self.users is None:
            return AuthResult(success=False, handled=False)
        ok = self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def start(self):
        kwargs = {}
        if self.tls_cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.tls_cert, self.tls_key)
            kwargs.update(tls_context=context, require_starttls=True)
        if self.users is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=True)
        self.controller = Controller(Handler(self), hostname=self.host, port=self.port, server_hostname="localhost",
                                     **kwargs)
        self.controller.start()
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each reply")
    parser.add_argument("--log", help="append one line per message: arrival time and subject")
    args = parser.parse_args()
    sink = SmtpSink(port=args.port)
    sink.behaviour.delay = args.delay
    log = open(args.log, "a", buffering=1) if args.log else None
    if log:
        sink.record = lambda message: log.write(f"{message.at:.6f} {message.subject}\n")
    sink.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()


if __name__ == "__main__":
    main()
