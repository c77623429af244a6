"""webvps/mailer against a real relay: Debian's Postfix on loopback as a hoster's submission
server is set up (STARTTLS required, SASL AUTH, TLS 1.3 or capped at 1.2), delivering to local
Maildirs (tests/e2e/postfix_relay.py). And a hostile site: 5,000 recipients in one message, a
forged sender, SMTP smuggling, a disk-filling site, a removed or blocked sent/, a full disk,
kill -9 and a relay that vanishes mid-session. Every test also searches every log line for the
relay's password, whole and in part."""
import base64
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import docker, wait_for_health
from postfix_relay import PostfixRelay
from test_mailer import ADMIN, SITES, MailHost, registry_text
from test_phpserver import poll


def secret_parts(password):
    parts = {password, base64.b64encode(password.encode()).decode()}
    parts.update(p for p in password.split(":") if len(p) >= 3)
    return parts


class RelayedHost(MailHost):
    """A MailHost whose mailer relays through `relay` with STARTTLS and AUTH (MAILER_SMTP)."""

    def __init__(self, root, relay, password=None, extra_env=(), implicit_tls=False):
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy(relay.ca_file(), root / "relay-ca.crt")
        env = {
            "MAILER_SMTP": relay.mailer_smtp(host="localhost", password=password, implicit_tls=implicit_tls),
            "WEBVPS_MAILER_SMTP_CA_FILE": "/srv/relay-ca.crt",
            "WEBVPS_MAILER_SMTP_TIMEOUT": "20s",
            "WEBVPS_MAILER_RESCAN_INTERVAL": "2s",
            "WEBVPS_MAILER_MAX_MESSAGE_SIZE": "50000000",
        }
        env.update(dict(extra_env))
        super().__init__(root, 0, extra_env=env.items())
        self.relay = relay
        self.password = relay.password if password is None else password

    def assert_no_secret_logged(self):
        logs = self.logs()
        for part in secret_parts(self.relay.password) | secret_parts(self.password):
            assert part not in logs, f"a part of the relay's password is in the log: {part!r}"
        for sub in ("failed",):
            for site in SITES:
                for path in (self.mail_dir(site) / sub).glob("*.reason") if (self.mail_dir(site) / sub).exists() else []:
                    for part in secret_parts(self.password):
                        assert part not in path.read_text()


def relay_root():
    # Postfix's daemons run as postfix: its directory must be reachable for them, which pytest's
    # tmp_path (under a 0700 directory) is not.
    return tempfile.mkdtemp(prefix="webvps-relay-") + "/relay"


@pytest.fixture
def relay():
    relay = PostfixRelay(relay_root()).start()
    yield relay
    relay.stop()
    shutil.rmtree(os.path.dirname(relay.root), ignore_errors=True)


@pytest.fixture
def relayed(tmp_path, relay):
    host = RelayedHost(tmp_path, relay).start()
    yield host
    host.remove()
    host.assert_no_secret_logged()


def relay_subjects(relay, prefix):
    return [str(m["Subject"]) for m in relay.received() if str(m.get("Subject", "")).startswith(prefix)]


def unlimited(host, site="alpha"):
    """The site's window wide enough for a throughput test."""
    text = registry_text(SITES).replace(f"  - name: {site}\n", f"  - name: {site}\n    mail: {{limit: 1000000, window: 1m}}\n")
    (host.home / "webvps.yaml").write_text(text)
    return host


def stalled_sessions(relay):
    # A session that said EHLO twice (before and after STARTTLS) and then only QUIT: libESMTP's stall.
    return len(re.findall(r"disconnect from .* ehlo=2 starttls=1 (auth=1 )?quit=1 commands", relay.log()))


@pytest.mark.parametrize("tls_max", [None, "TLSv1.2"], ids=["tls1.3", "tls1.2"])
def test_sessions_over_tls13_and_tls12_never_stall(tmp_path, tls_max):
    relay = PostfixRelay(relay_root(), tls_max=tls_max).start()
    host = unlimited(RelayedHost(tmp_path, relay)).start()
    try:
        for i in range(300):
            host.enqueue("alpha", f"tls-{i:03d}")
        assert poll(lambda: len(relay_subjects(relay, "tls-")) == 300, 60), host.logs()
        assert sorted(relay_subjects(relay, "tls-")) == [f"tls-{i:03d}" for i in range(300)]
        assert stalled_sessions(relay) == 0, relay.log()
        assert "timed out" not in host.logs()
        protocol = "TLSv1.2" if tls_max else "TLSv1.3"
        assert f"{protocol} with cipher" in relay.log(), "the session ran over the protocol under test"
        assert re.search(r"disconnect from .* ehlo=2 starttls=1 auth=1 mail=\d+ rcpt=\d+ data=\d+ quit=1", relay.log())
        host.assert_no_secret_logged()
    finally:
        host.remove()
        relay.stop()
        shutil.rmtree(os.path.dirname(relay.root), ignore_errors=True)


def test_implicit_tls_as_on_port_465(tmp_path, relay):
    host = RelayedHost(tmp_path, relay, implicit_tls=True).start()
    try:
        host.enqueue("alpha", "implicit-tls")
        assert poll(lambda: relay_subjects(relay, "implicit-tls"), 15), host.logs()
        assert "(tls, user mailer)" in host.logs()
        assert re.search(r"disconnect from .* ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1", relay.log()), relay.log()
        host.assert_no_secret_logged()
    finally:
        host.remove()


def test_a_wrong_password_keeps_the_mail_queued_alerts_once_and_bounces_nothing(tmp_path, relay):
    host = RelayedHost(tmp_path, relay, password="Wr0ng-pass:Zz8:guess77").start()
    try:
        for i in range(5):
            host.enqueue("alpha", f"auth-{i}")
        assert poll(lambda: "relay problem at AUTH" in host.logs(), 20), host.logs()
        time.sleep(6)  # several tries of the relay, backing off
        logs = host.logs()
        assert logs.count("relay problem") == 1, "one line per outage"
        assert re.search(r"relay problem at AUTH: 535 5\.7\.8", logs), logs
        assert "failed alpha/" not in logs and "bounce of" not in logs
        assert host.files("alpha", "failed") == [] and len(host.files("alpha", "queue")) == 5
        assert relay_subjects(relay, "auth-") == []
        assert host.files("alpha", "failed") == []
        assert "DOWN since" in host.command("status").stdout
        # The hoster fixes the relay's side: the mail goes out, and the admin hears of the outage.
        relay.set_password("Wr0ng-pass:Zz8:guess77")
        assert poll(lambda: len(relay_subjects(relay, "auth-")) == 5, 30), host.logs()
        alerts = poll(lambda: [m for m in relay.received() if m["Subject"] == "[webvps] mail waited for the relay"], 10)
        assert alerts and alerts[0].recipient == ADMIN, host.logs()
        assert "535 5.7.8" in alerts[0].get_content()
        assert len(alerts) == 1
        host.assert_no_secret_logged()
    finally:
        host.remove()


def test_a_relay_that_vanishes_mid_session_is_a_temporary_failure(tmp_path, relay):
    relayed = unlimited(RelayedHost(tmp_path, relay)).start()
    try:
        vanishing_relay(relayed, relay)
    finally:
        relayed.remove()
        relayed.assert_no_secret_logged()


def vanishing_relay(relayed, relay):
    count = 1000
    for i in range(count):
        relayed.enqueue("alpha", f"cut-{i:04d}", body="x" * 20000 + "\n")
    assert poll(lambda: relay.count() >= 20, 30), relayed.logs()
    relay.halt()
    assert relay.count() < count, "halted mid-way"
    time.sleep(3)
    state = docker("inspect", "--format", "{{.State.Running}} {{.State.ExitCode}} {{.RestartCount}}", relayed.name).stdout
    assert state.strip() == "true 0 0", state  # no crash
    assert len(relayed.files("alpha", "failed")) == 0, "a broken connection fails nothing"
    relay.resume()
    assert poll(lambda: relay.count() >= count, 120, interval=1), relayed.logs()
    assert poll(lambda: len(set(relay_subjects(relay, "cut-"))) == count, 30, interval=1), relayed.logs()
    delivered = relay_subjects(relay, "cut-")
    assert len(delivered) - count <= 8, f"{len(delivered) - count} sent twice: more than one in flight per session"
    assert poll(lambda: relayed.files("alpha", "queue") == [], 10)


def test_kill_9_sends_again_at_most_the_messages_in_flight(tmp_path, relay):
    relayed = unlimited(RelayedHost(tmp_path, relay)).start()
    try:
        kill_9_mid_way(relayed, relay)
    finally:
        relayed.remove()
        relayed.assert_no_secret_logged()


def kill_9_mid_way(relayed, relay):
    count = 1500
    for i in range(count):
        relayed.enqueue("alpha", f"kill-{i:04d}", body="k" * 20000 + "\n")
    assert poll(lambda: relay.count() >= 100, 30), relayed.logs()
    docker("kill", "-s", "KILL", relayed.name)
    assert relay.count() < count, "killed mid-way"
    docker("start", relayed.name)
    wait_for_health(relayed.name, "healthy", timeout=30)
    assert poll(lambda: relay.count() >= count, 120, interval=1), relayed.logs()
    assert poll(lambda: len(set(relay_subjects(relay, "kill-"))) == count, 30, interval=1), relayed.logs()
    twice = len(relay_subjects(relay, "kill-")) - count
    assert twice <= 8, f"{twice} messages came twice; at most one per session (8) may"
    assert relayed.files("alpha", "queue") == []


def test_five_thousand_recipients_in_one_message_fail_pause_the_site_and_reach_nobody(relayed, relay):
    recipients = [f"r{i}@example.test" for i in range(5000)]
    name = relayed.enqueue("flood", "five-thousand", recipients=recipients)
    relayed.enqueue("beta", "neighbour")
    assert poll(lambda: name in relayed.files("flood", "failed"), 15), relayed.logs()
    reason = (relayed.mail_dir("flood") / "failed" / f"{name}.reason").read_text()
    assert "more recipients than one message may have (5000 > 100)" in reason
    alerts = poll(lambda: [m for m in relay.received() if "flood is paused" in str(m["Subject"])], 15)
    assert alerts, relayed.logs()
    assert "5000 mails (one per recipient)" in alerts[0].get_content()
    assert poll(lambda: relay_subjects(relay, "neighbour"), 10), "the other sites are untouched"
    assert relay_subjects(relay, "five-thousand") == []
    # Paused: the next message waits; 100 recipients is allowed by the cap, not by the window.
    relayed.enqueue("flood", "after-pause")
    time.sleep(2)
    assert relay_subjects(relay, "after-pause") == []


def test_a_forged_sender_goes_out_as_the_site_with_the_original_in_reply_to(relayed, relay):
    relayed.enqueue("alpha", "forged", sender="ceo@bank.test")
    received = poll(lambda: [m for m in relay.received() if m["Subject"] == "forged"], 15)
    assert received, relayed.logs()
    message = received[0]
    assert message["Return-Path"] == "<webmaster@alpha.example.test>"
    assert message["From"] == "webmaster@alpha.example.test"
    assert message["Reply-To"] == "ceo@bank.test"
    assert "rewritten by the sender policy: envelope sender <ceo@bank.test>" in relayed.logs()
    # A sender of the site's own domains goes as it is.
    relayed.enqueue("alpha", "own-sender", sender="news@alpha.example.test")
    own = poll(lambda: [m for m in relay.received() if m["Subject"] == "own-sender"], 15)
    assert own and own[0]["Return-Path"] == "<news@alpha.example.test>" and own[0]["Reply-To"] is None


def test_refuse_mode_fails_a_forged_sender_with_its_reason(tmp_path, relay):
    host = RelayedHost(tmp_path, relay, extra_env={"WEBVPS_MAILER_SENDER_POLICY": "refuse"}.items()).start()
    try:
        name = host.enqueue("alpha", "forged-refused", sender="ceo@bank.test")
        assert poll(lambda: name in host.files("alpha", "failed"), 15), host.logs()
        reason = (host.mail_dir("alpha") / "failed" / f"{name}.reason").read_text()
        assert "refused by the sender policy: envelope sender <ceo@bank.test>" in reason
        assert relay_subjects(relay, "forged-refused") == []
    finally:
        host.remove()


SMUGGLING = {
    "bare-lf": "hello\n.\nMAIL FROM:<spoof@bank.test>\nRCPT TO:<victim@example.test>\nDATA\nSubject: smuggled-lf\n\nboo\n.\n",
    "bare-cr": "hello\r.\rMAIL FROM:<spoof@bank.test>\rRCPT TO:<victim@example.test>\rDATA\rSubject: smuggled-cr\r\rboo\r.\r",
    "cr-lf-mix": "hello\r\n.\nMAIL FROM:<spoof@bank.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nSubject: smuggled-mix\r\n\r\n.\r\n",
}


@pytest.mark.parametrize("variant", sorted(SMUGGLING))
def test_a_smuggling_payload_arrives_as_one_message(relayed, relay, variant):
    name = relayed.enqueue("alpha", f"smuggle-{variant}", body=SMUGGLING[variant])
    received = poll(lambda: relay_subjects(relay, f"smuggle-{variant}"), 15)
    assert received, relayed.logs()
    time.sleep(1)
    assert [m for m in relay.received() if "smuggled" in str(m.get("Subject", ""))] == [], "no second message"
    assert [m for m in relay.received() if "victim" in m.recipient] == []
    raw = next(m.raw for m in relay.received() if str(m["Subject"]) == f"smuggle-{variant}")
    assert b"MAIL FROM:<spoof@bank.test>" in raw, "the payload is data of the one message"
    assert name in relayed.files("alpha", "sent")


def test_long_lines_are_broken_and_a_nul_fails_with_its_reason(relayed, relay):
    relayed.enqueue("alpha", "long-line", body="y" * 5000 + "\nend\n")
    received = poll(lambda: [m for m in relay.received() if m["Subject"] == "long-line"], 15)
    assert received, relayed.logs()
    body = received[0].raw.split(b"\n\n", 1)[1]
    assert all(len(line) <= 998 for line in body.split(b"\n"))
    assert body.count(b"y") == 5000 and body.endswith(b"end\n")
    name = relayed.enqueue("alpha", "nul-byte", body="a\0b\n")
    assert poll(lambda: name in relayed.files("alpha", "failed"), 15), relayed.logs()
    assert "NUL" in (relayed.mail_dir("alpha") / "failed" / f"{name}.reason").read_text()
    assert relay_subjects(relay, "nul-byte") == []


def test_a_disk_filling_site_is_capped_and_its_neighbours_keep_sending(tmp_path, relay):
    host = RelayedHost(tmp_path, relay, extra_env={
        "WEBVPS_MAILER_LIMITS_QUEUED_SIZE": "200000", "WEBVPS_MAILER_FAILED_MAX_SIZE": "300000"}.items()).start()
    try:
        host.command("hold", "flood")  # its mail stays queued: what a site fills up while paused
        names = [host.enqueue("flood", f"fill-{i:02d}", body="z" * 50000 + "\n") for i in range(20)]
        assert poll(lambda: "oldest mails" in host.logs(), 15), host.logs()
        time.sleep(1)
        queued = host.files("flood", "queue")
        assert len(queued) == 3, f"200 kB hold 3 messages of 50 kB: {len(queued)}"
        failed = [n for n in host.files("flood", "failed") if not n.endswith(".reason")]
        assert failed, host.logs()
        reason = (host.mail_dir("flood") / "failed" / f"{failed[-1]}.reason").read_text()
        assert "the site's queue already holds" in reason
        failed_bytes = sum(p.stat().st_size for p in (host.mail_dir("flood") / "failed").iterdir())
        assert failed_bytes <= 300000, f"failed/ is capped: {failed_bytes} bytes"
        assert "removed its" in host.logs() and "oldest mails" in host.logs()
        host.enqueue("beta", "beta-while-flood")
        assert poll(lambda: relay_subjects(relay, "beta-while-flood"), 15), "the neighbour sends"
        assert not set(names) & set(host.files("flood", "sent"))
    finally:
        host.remove()


def test_a_removed_sent_directory_is_made_again_and_nothing_is_sent_twice(relayed, relay):
    relayed.enqueue("alpha", "before-removal")
    assert poll(lambda: relay_subjects(relay, "before-removal"), 15)
    subprocess.run(["rm", "-rf", str(relayed.mail_dir("alpha") / "sent")], check=True)
    name = relayed.enqueue("alpha", "after-removal")
    assert poll(lambda: name in relayed.files("alpha", "sent"), 15), relayed.logs()
    time.sleep(5)  # two rescans
    assert len(relay_subjects(relay, "after-removal")) == 1


def test_a_sent_that_cannot_be_made_is_journaled_and_never_sent_again_even_after_kill_9(relayed, relay):
    sent = relayed.mail_dir("alpha") / "sent"
    subprocess.run(["rm", "-rf", str(sent)], check=True)
    sent.write_text("a file where the directory should be\n")
    name = relayed.enqueue("alpha", "unfileable")
    assert poll(lambda: relay_subjects(relay, "unfileable"), 15), relayed.logs()
    assert poll(lambda: "recorded in the filing journal" in relayed.logs(), 10), relayed.logs()
    time.sleep(5)  # rescans find it still in queue/
    assert len(relay_subjects(relay, "unfileable")) == 1
    assert name in relayed.files("alpha", "queue")
    docker("kill", "-s", "KILL", relayed.name)
    docker("start", relayed.name)
    wait_for_health(relayed.name, "healthy", timeout=30)
    time.sleep(5)
    assert len(relay_subjects(relay, "unfileable")) == 1, "the journal survives kill -9"
    sent.unlink()
    assert poll(lambda: name in relayed.files("alpha", "sent"), 20), relayed.logs()
    assert "moved to sent/ at last" in relayed.logs()
    assert len(relay_subjects(relay, "unfileable")) == 1


def test_a_full_disk_never_makes_a_refused_message_go_out_again(tmp_path, relay):
    host = RelayedHost(tmp_path, relay)
    mail = host.mail_dir("alpha")
    subprocess.run(["rm", "-rf", str(mail)], check=True)
    mail.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mail)], check=True)
    try:
        (mail / "queue").mkdir()
        (mail / "failed").mkdir()
        (mail / "sent").mkdir()
        host.start()
        host.command("hold", "alpha")
        name = host.enqueue("alpha", "refused-on-full-disk", recipients=("nobody@refuse.test",))
        # Now the disk is full: the reason next to it in failed/ cannot be written.
        subprocess.run(["dd", "if=/dev/zero", f"of={mail}/filler", "bs=4k"], capture_output=True)
        host.command("resume", "alpha")
        assert poll(lambda: "recorded in the filing journal" in host.logs() or name in host.files("alpha", "failed"), 15), \
            host.logs()
        refusals = lambda: len(re.findall(r"nobody@refuse\.test.*User unknown", relay.log()))
        if name not in host.files("alpha", "failed"):
            time.sleep(5)  # rescans
            assert refusals() == 1, "tried once, never again"
            assert name in host.files("alpha", "queue")
            (mail / "filler").unlink()
            assert poll(lambda: name in host.files("alpha", "failed"), 70), host.logs()
            assert "moved to failed/ at last" in host.logs()
        assert refusals() == 1
        assert "User unknown" in (mail / "failed" / f"{name}.reason").read_text()
    finally:
        host.remove()
        subprocess.run(["umount", "-l", str(mail)], check=False)


def test_an_in_place_registry_edit_reaches_the_mailer_at_once(relayed, relay):
    text = registry_text(SITES).replace("  - name: alpha\n", "  - name: alpha\n    mail: {limit: 2, window: 10m}\n")
    with open(relayed.home / "webvps.yaml", "w") as registry:  # in place, as an editor or site.sh does
        registry.write(text)
    assert poll(lambda: relayed.logs().count("registry /srv/home/webvps.yaml reloaded") == 1, 2), relayed.logs()
    for i in range(3):
        relayed.enqueue("alpha", f"limited-{i}")
    assert poll(lambda: "site alpha: paused: 3 recipients within 600 s (limit 2)" in relayed.logs(), 10), relayed.logs()
    # By rename too.
    (relayed.home / "webvps.yaml.new").write_text(registry_text(SITES))
    os.rename(relayed.home / "webvps.yaml.new", relayed.home / "webvps.yaml")
    assert poll(lambda: relayed.logs().count("reloaded") == 2, 2), relayed.logs()


def test_a_site_removed_from_the_registry_stops_relaying_and_its_queue_is_kept(relayed, relay):
    relayed.enqueue("beta", "beta-before")
    assert poll(lambda: relay_subjects(relay, "beta-before"), 15)
    remaining = {name: site_id for name, site_id in SITES.items() if name != "beta"}
    with open(relayed.home / "webvps.yaml", "w") as registry:
        registry.write(registry_text(remaining))
    assert poll(lambda: "site beta is not in the registry" in relayed.logs(), 5), relayed.logs()
    name = relayed.enqueue("beta", "beta-after")
    relayed.enqueue("alpha", "alpha-after")
    assert poll(lambda: relay_subjects(relay, "alpha-after"), 15)
    time.sleep(3)
    assert relay_subjects(relay, "beta-after") == []
    assert name in relayed.files("beta", "queue")
    assert re.search(r"^beta\s+1\s.*not in the registry", relayed.command("status").stdout, re.M)
