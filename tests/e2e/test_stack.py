"""The whole story through real containers: the shared stack (compose/docker-compose.yml) in an
isolated compose project (its own networks, high ports on 127.0.0.1, a temporary WEBVPS_ROOT),
two sites made with scripts/site.sh, and everything checked as users would: browsers through the
proxy, webmasters over SFTP, PHP's mail() reaching a real SMTP server, a flood paused, a broken
vhost that keeps the site up, a site stopped and started, the stack taken down and up again.
Everything is torn down at the end, even on failure."""
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import time
import uuid

import pytest

from conftest import docker, wait_until
from stack import ADMIN, ALPHA, LoopingClient, Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("stack") / "data"
    s = Stack(root)
    try:
        s.script("stack.sh", "up")
        s.script("site.sh", "add", "alpha", "--host", "alpha.test", "--alias", "www.alpha.test", "--email",
                 "owner@alpha.test", "--lamp")
        s.script("site.sh", "add", "beta", "--host", "beta.test", "--email", "owner@beta.test", "--ssh", "shell")
        s.new_password("alpha")
        s.new_password("beta")
        yield s
    finally:
        s.teardown()
        subprocess.run(["rm", "-rf", "--one-file-system", str(root)], check=False)


def test_the_shared_stack_keeps_least_privilege(stack):
    inspect = lambda container: json.loads(docker("inspect", container).stdout)[0]
    socket_of = lambda info: [m for m in info["Mounts"] if m["Destination"] == "/var/run/docker.sock"]
    # nginx faces the internet without the Docker socket; proxy-gen holds it, on no network.
    proxy, generator = inspect(stack.container("proxy")), inspect(stack.container("proxy-gen"))
    assert proxy["HostConfig"]["ReadonlyRootfs"] and proxy["HostConfig"]["CapDrop"] == ["ALL"]
    assert not socket_of(proxy), "the internet-facing nginx has no Docker socket"
    assert socket_of(generator) and generator["HostConfig"]["NetworkMode"] == "none"
    assert not generator["NetworkSettings"]["Ports"] and generator["HostConfig"]["CapDrop"] == ["ALL"]
    for info in (proxy, generator):
        assert "no-new-privileges:true" in info["HostConfig"]["SecurityOpt"]
    for service in ("sshd", "mailer"):
        info = inspect(stack.container(service))
        assert not socket_of(info), f"{service} has no Docker socket"
        assert "no-new-privileges:true" in info["HostConfig"]["SecurityOpt"], service
    mailer = inspect(stack.container("mailer"))
    assert mailer["HostConfig"]["ReadonlyRootfs"] and not mailer["NetworkSettings"]["Ports"]
    assert not any("MAILER_SMTP=" in variable for variable in mailer["Config"]["Env"]), "the relay's password is not in the environment"
    db = stack.site_container("alpha", "db")
    assert db
    ports = inspect(db)["NetworkSettings"]["Ports"] or {}
    assert all(binding is None for binding in ports.values()), f"the database is not published on the host: {ports}"
    # Every container of a site: no capability beyond the three of its start, no new privileges.
    for container in (stack.site_container("alpha"), db, stack.site_container("beta")):
        host_config = inspect(container)["HostConfig"]
        # Compose v2 writes CAP_CHOWN where 1.29 writes CHOWN: the same capability to the kernel.
        assert host_config["CapDrop"] == ["ALL"]
        assert sorted(cap.removeprefix("CAP_") for cap in host_config["CapAdd"]) == ["CHOWN", "SETGID", "SETUID"]
        assert "no-new-privileges:true" in host_config["SecurityOpt"]


def test_each_site_answers_at_its_own_host_through_the_proxy(stack):
    wait_until(lambda: stack.status("alpha.test") == 200, what="alpha through the proxy", timeout=60)
    wait_until(lambda: stack.status("beta.test") == 200, what="beta through the proxy", timeout=60)
    assert "alpha.test" in stack.get("alpha.test")[1]
    assert "alpha.test" in stack.get("www.alpha.test")[1], "aliases reach the site too"
    assert "beta.test" in stack.get("beta.test")[1]
    assert stack.status("nobody.test") == 503


def test_a_webmaster_uploads_index_php_which_is_served_and_owned_by_the_site(stack):
    stack.upload("alpha", "html/index.php", "<?php echo 'php says ', 6 * 7, ' as ', posix_getuid();\n")
    wait_until(lambda: stack.get("alpha.test", "/index.php")[1] == f"php says 42 as {ALPHA}", what="the uploaded page", timeout=60)
    uploaded = stack.root / "webvps" / "alpha" / "volumes" / "www" / "html" / "index.php"
    assert uploaded.stat().st_uid == ALPHA
    # Site A sees none of site B's files.
    for batch in ("ls /../beta\n", "get /../../beta/volumes/www/html/index.html\n", "cd /../../..\nls\n"):
        result = stack.sftp("alpha", batch)
        answers = [line for line in result.stdout.splitlines() if not line.startswith("sftp>")]
        assert not any("beta" in line for line in answers), result.stdout


def test_a_lamp_site_reaches_its_own_database(stack):
    stack.upload("alpha", "html/db.php",
                 "<?php $c = parse_ini_file('/var/www/conf/database.ini');\n"
                 "$db = new mysqli($c['host'], $c['user'], $c['password'], $c['name']);\n"
                 "echo 'db ', $db->query('SELECT 40 + 2')->fetch_row()[0];\n")
    wait_until(lambda: stack.get("alpha.test", "/db.php")[1] == "db 42", timeout=90, what="PHP to reach the site's MariaDB")
    # No remote root: root logs in through the container's socket only.
    db = stack.site_container("alpha", "db")
    refused = docker("exec", db, "mariadb", "-h", "127.0.0.1", "-uroot", "-e", "select 1", check=False)
    assert refused.returncode != 0


def test_mail_from_a_site_reaches_the_smtp_server(stack):
    marker = f"hello-from-alpha-{uuid.uuid4().hex[:6]}"
    stack.upload("alpha", "html/mail.php",
                 f"<?php echo mail('friend@example.test', '{marker}', 'Sent by PHP mail().') ? 'queued' : 'refused';\n")
    assert stack.get("alpha.test", "/mail.php")[1] == "queued"
    message = wait_until(lambda: stack.mail_with(marker), timeout=30, what="the mail at the SMTP server")[0]
    assert message.rcpt_tos == ["friend@example.test"]
    assert message.mail_from.endswith("@alpha.test"), message.mail_from


def test_a_bad_vhost_and_the_reload_flag_keep_the_site_up_and_say_why(stack):
    stack.upload("alpha", "conf/apache2/broken.vhost", "<VirtualHost *:80>\n    NoSuchDirective on\n</VirtualHost>\n")
    stack.upload("alpha", "conf/apache2.reload", "")
    error = stack.root / "webvps" / "alpha" / "volumes" / "www" / "conf" / "apache2.reload.error"
    # The file may already hold an older reason (a start-time test that a loaded machine stopped
    # at its 10 s): the reload's own reason replaces it.
    wait_until(lambda: error.exists() and "NoSuchDirective" in error.read_text(), timeout=60,
               what="conf/apache2.reload.error naming the bad directive")
    assert stack.status("alpha.test") == 200, "Apache kept serving the site"
    assert stack.sftp("alpha", "rm conf/apache2/broken.vhost\n").returncode == 0


def test_stopping_a_site_gives_503_and_starting_it_again_restores_it(stack):
    stack.script("site.sh", "stop", "beta")
    wait_until(lambda: stack.status("beta.test") == 503, what="503 for the stopped site", timeout=60)
    assert stack.status("alpha.test") == 200
    stack.script("site.sh", "start", "beta")
    wait_until(lambda: stack.status("beta.test") == 200, what="the site back", timeout=60)


def test_restart_and_upgrade_of_a_site_fail_no_request_of_a_looping_client(stack):
    wait_until(lambda: stack.status("beta.test") == 200, what="beta", timeout=60)
    before = stack.site_container("beta")
    with LoopingClient(stack, "beta.test") as client:
        time.sleep(1)
        stack.script("site.sh", "restart", "beta")
        time.sleep(1)
    restarted = stack.site_container("beta")
    assert restarted and restarted != before, "a new web container serves"
    client.check(stack)
    # An upgrade: a rebuilt image (a layer more) under the same tag, then back.
    original = docker("image", "inspect", "-f", "{{.Id}}", "webvps/phpserver:latest").stdout.strip()
    build = subprocess.run(["docker", "build", "-q", "-t", "webvps/phpserver:latest", "-"], input=(
        "FROM webvps/phpserver:latest\nLABEL webvps.test.upgrade=1\n"), capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    try:
        with LoopingClient(stack, "beta.test") as client:
            time.sleep(1)
            result = stack.script("site.sh", "upgrade", "beta")
            time.sleep(1)
        upgraded = stack.site_container("beta")
        assert docker("inspect", "-f", "{{.Image}}", upgraded).stdout.strip() == build.stdout.strip()
        assert "site beta upgraded without downtime" in result.stdout + result.stderr
        client.check(stack)
    finally:
        docker("tag", original, "webvps/phpserver:latest")
    assert stack.status("alpha.test") == 200, "the other site is untouched"


def test_250_mails_pause_the_site_and_alert_while_the_other_site_still_sends(stack):
    flood = f"flood-{uuid.uuid4().hex[:6]}"
    stack.upload("alpha", "html/flood.php",
                 f"<?php $n = 0; for ($i = 0; $i < 250; $i++) $n += mail('victim@example.test', '{flood} ' . $i, 'spam');\n"
                 "echo $n;\n")
    # 250 sendmail runs in one request: seconds, more on a loaded machine (nginx waits 60 s).
    assert stack.get("alpha.test", "/flood.php", timeout=60)[1] == "250"
    wait_until(lambda: stack.mail_with("paused"), timeout=60, what="the pause alert")
    alerts = [m for m in stack.mail_with("paused") if flood not in m.content.decode(errors="replace")]
    recipients = {r for m in alerts for r in m.rcpt_tos}
    assert ADMIN in recipients and "owner@alpha.test" in recipients, recipients
    marker = f"beta-still-sends-{uuid.uuid4().hex[:6]}"
    stack.upload("beta", "html/mail.php", f"<?php echo mail('friend@example.test', '{marker}', 'hello') ? 'queued' : 'no';\n")
    assert stack.get("beta.test", "/mail.php")[1] == "queued"
    wait_until(lambda: stack.mail_with(marker), timeout=30, what="beta's mail during alpha's pause")
    time.sleep(2)
    assert len(stack.mail_with(flood)) <= 200, "the flood is held at the limit"
    status = stack.script("mail.sh", "status").stdout
    assert re.search(r"alpha.*paused", status), status


def test_down_then_up_keeps_data_users_and_host_keys(stack):
    key = stack.host_key()
    assert key
    stack.script("down.sh")
    assert not stack.container("proxy") and not stack.site_container("alpha")
    stack.env["WEBVPS_DEMO"] = "0"
    stack.script("up.sh")
    assert stack.host_key() == key, "the same host key after re-creation"
    wait_until(lambda: stack.get("alpha.test", "/index.php")[1] == f"php says 42 as {ALPHA}", what="alpha's page after up", timeout=60)
    assert stack.sftp("alpha", "ls html\n").returncode == 0, "the same password still works"
    status = stack.script("mail.sh", "status").stdout
    assert re.search(r"alpha.*paused", status), "the pause survived: " + status
