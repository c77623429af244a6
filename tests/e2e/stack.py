"""A whole stack for the end-to-end tests: the shared stack (compose/docker-compose.yml) in an
isolated compose project (its own networks, high ports on 127.0.0.1, a temporary WEBVPS_ROOT),
started and driven by the project's own scripts, with clients the way users have them: HTTP
through the proxy, SFTP and SSH with a password, a real SMTP server for the mail."""
import os
import pathlib
import re
import socket
import subprocess
import threading
import time
import uuid

from conftest import askpass_environment, docker, wait_until
from smtp_sink import SmtpSink, free_port

REPO = pathlib.Path(__file__).resolve().parent.parent.parent
ADMIN = "admin@hoster.test"
ALPHA, BETA = 10001, 10002



class Stack:
    def __init__(self, root):
        self.tag = uuid.uuid4().hex[:6]
        self.root = root
        self.sink = SmtpSink(host="0.0.0.0").start()
        self.http, self.https, self.ssh_port = free_port(), free_port(), free_port()
        self.project = f"webvps-e2e-{self.tag}"
        self.env = dict(os.environ, WEBVPS_ROOT=str(root), WEBVPS_PROJECT=self.project,
                        WEBVPS_SITE_PREFIX=f"{self.project}-site-", WEBVPS_PROXY_NETWORK=f"{self.project}-proxy",
                        WEBVPS_BIND="127.0.0.1", WEBVPS_HTTP_PORT=str(self.http), WEBVPS_HTTPS_PORT=str(self.https),
                        WEBVPS_SSH_PORT=str(self.ssh_port), WEBVPS_ADMIN_EMAIL=ADMIN,
                        MAILER_SMTP=f"host.docker.internal:{self.sink.port}:::no:no")
        self.passwords = {}
        self.tmp = root.parent / f"client-{self.tag}"
        self.tmp.mkdir()

    def script(self, *args, check=True):
        result = subprocess.run([str(REPO / "scripts" / args[0]), *args[1:]], env=self.env, capture_output=True, text=True,
                                timeout=600)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def container(self, service):
        return docker("ps", "-q", "--filter", f"label=com.docker.compose.project={self.project}",
                      "--filter", f"label=com.docker.compose.service={service}").stdout.strip()

    def site_container(self, site, service="web"):
        return docker("ps", "-q", "--filter", f"label=com.docker.compose.project={self.project}-site-{site}",
                      "--filter", f"label=com.docker.compose.service={service}").stdout.strip()

    def get(self, host, path="/", timeout=10):
        with socket.create_connection(("127.0.0.1", self.http), timeout=timeout) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split()[1])
        if b"transfer-encoding: chunked" in head.lower():
            decoded, rest = b"", body
            while rest:
                size_line, _, rest = rest.partition(b"\r\n")
                size = int(size_line, 16)
                if size == 0:
                    break
                decoded, rest = decoded + rest[:size], rest[size + 2:]
            body = decoded
        return status, body.decode(errors="replace")

    def status(self, host, path="/"):
        try:
            return self.get(host, path)[0]
        except OSError:
            return None

    def new_password(self, site):
        """A new password as the admin makes it (scripts/site.sh passwd, which waits for the login)."""
        out = self.script("site.sh", "passwd", site).stdout
        self.passwords[site] = re.search(rf"New password for {site}: (\S+)", out).group(1)
        return self.passwords[site]

    def sftp(self, site, batch):
        batch_file = self.tmp / f"batch-{uuid.uuid4().hex[:6]}"
        batch_file.write_text(batch)
        return subprocess.run(["sftp", "-o", "BatchMode=no", "-b", str(batch_file), "-P", str(self.ssh_port),
                               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                               "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                               f"{site}@127.0.0.1"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                              env=askpass_environment(self.tmp, self.passwords[site]))

    def upload(self, site, name, content):
        local = self.tmp / f"upload-{uuid.uuid4().hex[:6]}"
        local.write_text(content)
        result = wait_until(lambda: (r := self.sftp(site, f"put {local} {name}\n")).returncode == 0 and r,
                            timeout=30, what=f"SFTP upload of {name} for {site}")
        return result

    def host_key(self):
        out = subprocess.run(["ssh-keyscan", "-p", str(self.ssh_port), "-t", "ed25519", "127.0.0.1"], capture_output=True,
                             text=True).stdout
        return out.split()[-1] if out.strip() else None

    def mail_with(self, text):
        return [m for m in self.sink.received() if text in m.content.decode(errors="replace")]

    def ssh(self, site, command, timeout=120):
        """Runs `command` in the site's shell jail over SSH with its password."""
        return subprocess.run(["ssh", "-p", str(self.ssh_port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                               "-o", "LogLevel=ERROR", "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                               f"{site}@127.0.0.1", command], capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, env=askpass_environment(self.tmp, self.passwords[site]))

    def site_dir(self, site):
        return self.root / "webvps" / site

    def teardown(self):
        self.script("down.sh", check=False)
        # Whatever a test left of this stack's projects (sites of its own, extra containers).
        ids = [line.split()[0] for line in docker("ps", "-a", "--format", '{{.ID}} {{.Label "com.docker.compose.project"}}',
                                                   check=False).stdout.splitlines()
               if len(line.split()) > 1 and line.split()[1].startswith(self.project)]
        if ids:
            docker("rm", "-f", *ids, check=False)
        for volume in docker("volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={self.project}",
                             check=False).stdout.split():
            docker("volume", "rm", "-f", volume, check=False)
        docker("network", "rm", f"{self.project}-proxy", check=False)
        self.sink.stop()


class LoopingClient:
    """Requests a host through the proxy again and again (as a monitor or a busy visitor would)."""

    def __init__(self, stack, host):
        self.stack, self.host = stack, host
        self.answers, self.done = [], threading.Event()
        self.thread = threading.Thread(target=self._loop)

    def _loop(self):
        while not self.done.is_set():
            self.answers.append(self.stack.status(self.host))
            time.sleep(0.005)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()

    def check(self, stack):
        failed = [a for a in self.answers if a != 200]
        if failed or len(self.answers) < 50:
            logs = docker("logs", "--since", "60s", stack.container("proxy"), check=False).stderr
            errors = "\n".join(line for line in logs.splitlines() if ("[error]" in line or "[warn]" in line) and "no live" not in line)
            raise AssertionError(f"{len(failed)} of {len(self.answers)} requests failed: {set(failed)}\nnginx:\n{errors[-3000:]}")
