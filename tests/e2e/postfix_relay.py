"""A real MTA as the mailer's relay: Debian's Postfix, an instance of its own (`postfix -c DIR`),
set up as a hoster's submission server is: STARTTLS required (TLS 1.3 as Postfix offers it by
default, or capped at 1.2), SASL AUTH from a Cyrus sasldb, no AUTH without TLS, virtual Maildirs
for the test domains, and `default_transport = error`, so it relays nowhere. Its log
(`maillog`) says what each session did (`ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1`)."""
import email
import email.policy
import os
import pathlib
import pwd
import shutil
import subprocess
import time

from smtp_sink import free_port

MASTER_CF = """\
{port}     inet  n       -       n       -       -       smtpd
{tls_port} inet  n       -       n       -       -       smtpd -o smtpd_tls_wrappermode=yes
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

MAIN_CF = """\
compatibility_level = 3.6
myhostname = relay.test
mydestination =
inet_interfaces = {interfaces}
inet_protocols = ipv4
queue_directory = {root}/queue
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
# Submission as hosters run it: TLS first, then AUTH, then mail.
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_cert_file = {root}/tls/relay.crt
smtpd_tls_key_file = {root}/tls/relay.key
smtpd_tls_protocols = {tls_protocols}
smtpd_tls_mandatory_protocols = {tls_protocols}
smtpd_tls_session_cache_database =
smtpd_tls_loglevel = 1
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = {root}/etc/sasl
smtpd_sasl_local_domain = webvps-test
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtpd_client_restrictions =
smtpd_helo_restrictions =
smtpd_sender_restrictions =
mynetworks = 127.0.0.0/8
smtpd_delay_reject = yes
message_size_limit = {size_limit}
# The test domains go to Maildirs; nothing goes anywhere else.
virtual_mailbox_domains = {domains}
virtual_mailbox_base = {root}/mail
virtual_mailbox_maps = texthash:{root}/vmailbox
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
virtual_mailbox_limit = 0
default_transport = error:this test relay relays nowhere
relay_transport = error:this test relay relays nowhere
local_transport = error:no local delivery
smtpd_banner = $myhostname ESMTP
anvil_rate_time_unit = 60s
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
"""


class PostfixRelay:
    def __init__(self, root, user="mailer", password="Xq7-relay:Pw9:colons42", domains=("example.test", "hoster.test"),
                 tls_max=None, listen="127.0.0.1", size_limit=104857600, unknown_domains=("refuse.test",)):
        self.root = pathlib.Path(root)
        self.port = free_port()
        self.tls_port = free_port()  # implicit TLS (submissions, as on port 465)
        self.user, self.password = user, password
        self.domains = domains
        self.tls_max = tls_max
        self.listen = listen
        self.size_limit = size_limit
        # Virtual domains without mailboxes: Postfix refuses their recipients at RCPT (550 5.1.1).
        self.unknown_domains = unknown_domains

    def start(self):
        if shutil.which("postfix") is None or shutil.which("saslpasswd2") is None:
            raise AssertionError("Postfix and sasl2-bin are needed (scripts/install-deps.sh installs them)")
        if self.root.exists():
            shutil.rmtree(self.root)
        for sub in ("etc", "etc/sasl", "queue", "data", "mail", "tls"):
            (self.root / sub).mkdir(parents=True)
        nobody = pwd.getpwnam("nobody")
        postfix = pwd.getpwnam("postfix")
        os.chown(self.root / "mail", nobody.pw_uid, nobody.pw_gid)
        os.chown(self.root / "data", postfix.pw_uid, postfix.pw_gid)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-days", "2", "-subj", "/CN=relay.test", "-addext", "subjectAltName=DNS:relay.test,DNS:localhost,IP:127.0.0.1",
                        "-keyout", str(self.root / "tls/relay.key"), "-out", str(self.root / "tls/relay.crt")],
                       check=True, capture_output=True)
        os.chmod(self.root / "tls/relay.key", 0o600)
        protocols = ">=TLSv1.2" + (f", <={self.tls_max}" if self.tls_max else "")
        (self.root / "etc/main.cf").write_text(MAIN_CF.format(
            root=self.root, interfaces=self.listen, tls_protocols=protocols,
            domains=", ".join(tuple(self.domains) + tuple(self.unknown_domains)),
            uid=nobody.pw_uid, gid=nobody.pw_gid, size_limit=self.size_limit))
        (self.root / "etc/master.cf").write_text(MASTER_CF.format(port=self.port, tls_port=self.tls_port))
        (self.root / "vmailbox").write_text("".join(f"@{d} {d}/\n" for d in self.domains))
        sasldb = self.root / "etc/sasl/sasldb2"
        (self.root / "etc/sasl/smtpd.conf").write_text(f"pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: {sasldb}\n"
                                                   "mech_list: PLAIN LOGIN\n")
        self.set_password(self.password)
        for path in (self.root, self.root / "etc", self.root / "etc/sasl", self.root.parent):
            os.chmod(path, 0o755)
        return self.resume()

    def set_password(self, password):
        """The relay user's password, in the relay's sasldb (the test's way to fix or break AUTH)."""
        sasldb = self.root / "etc/sasl/sasldb2"
        subprocess.run(["saslpasswd2", "-f", str(sasldb), "-p", "-c", "-u", "webvps-test", self.user],
                       input=password.encode(), check=True, capture_output=True)
        postfix = pwd.getpwnam("postfix")
        os.chown(sasldb, postfix.pw_uid, postfix.pw_gid)
        os.chmod(sasldb, 0o600)

    def resume(self):
        """Starts Postfix (again: its queue and mailboxes stay)."""
        before = self.log().count("daemon started")
        # While postlogd is down, `postfix start`'s postsuper writes the log itself, as the postfix
        # user: a file a killed cleanup left in incoming/ (halt) makes it warn, and a maillog it
        # cannot open then fails the start ("integrity check failed").
        maillog = self.root / "maillog"
        if maillog.exists():
            postfix = pwd.getpwnam("postfix")
            os.chown(maillog, postfix.pw_uid, postfix.pw_gid)
        started = subprocess.run(["postfix", "-c", str(self.root / "etc"), "start"], capture_output=True, text=True)
        if started.returncode != 0:
            raise AssertionError(f"postfix did not start: {started.stderr}{started.stdout}\n{self.log()[-3000:]}")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.log().count("daemon started") > before:
                return self
            time.sleep(0.1)
        raise AssertionError(f"postfix did not report its start:\n{self.log()}")

    def halt(self):
        """Stops Postfix at once: the sessions in progress are cut."""
        subprocess.run(["postfix", "-c", str(self.root / "etc"), "abort"], capture_output=True)
        subprocess.run(["pkill", "-9", "-f", f"-c {self.root}/etc"], capture_output=True)
        subprocess.run(["pkill", "-9", "-f", f"{self.root}/etc"], capture_output=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(["pgrep", "-f", f"{self.root}/etc"], capture_output=True).returncode != 0:
                return
            time.sleep(0.1)

    def stop(self):
        subprocess.run(["postfix", "-c", str(self.root / "etc"), "stop"], capture_output=True)
        # Its daemons go with the master; make sure, then the files can go.
        subprocess.run(["pkill", "-f", f"-c {self.root}/etc"], capture_output=True)

    def log(self):
        path = self.root / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""

    def ca_file(self):
        return self.root / "tls/relay.crt"

    def mailer_smtp(self, host="127.0.0.1", password=None, implicit_tls=False):
        """The MAILER_SMTP value for this relay: STARTTLS, or implicit TLS on its second port."""
        password = password if password is not None else self.password
        if implicit_tls:
            return f"{host}:{self.tls_port}:{self.user}:{password}:ssl:no"
        return f"{host}:{self.port}:{self.user}:{password}:no:starttls"

    def received(self):
        """Every message delivered, parsed (email.message.EmailMessage), with `.recipient` (Delivered-To)."""
        messages = []
        for domain in self.domains:
            for folder in ("new", "cur"):
                directory = self.root / "mail" / domain / folder
                if not directory.is_dir():
                    continue
                for path in sorted(directory.iterdir()):
                    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                    message.recipient = message.get("Delivered-To", "")
                    message.raw = path.read_bytes()
                    messages.append(message)
        return messages

    def count(self):
        """How many messages were delivered (cheaper than received())."""
        total = 0
        for domain in self.domains:
            for folder in ("new", "cur"):
                directory = self.root / "mail" / domain / folder
                if directory.is_dir():
                    total += sum(1 for _ in directory.iterdir())
        return total

    def with_subject(self, text):
        return [m for m in self.received() if text in str(m.get("Subject", ""))]
