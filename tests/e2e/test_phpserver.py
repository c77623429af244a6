"""webvps/phpserver under the real Docker engine: Apache, PHP, cron and nullmailer under
phpserver-init, used the way a webmaster and an admin would."""
import http.client
import json
import os
import time
import urllib.error
import urllib.request
import uuid

import pytest

from conftest import docker, wait_for_health

SITE_UID = 10001
HOST = "demo.example.test"


def http_get(port, path="/", host=HOST, timeout=5):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (OSError, http.client.HTTPException):  # nothing listening yet, or a reset: no answer
        return 0, ""


def chown_tree(root, uid):
    for path in [root, *root.rglob("*")]:
        os.lchown(path, uid, uid)


def poll(condition, timeout, interval=0.05):
    """Calls condition() until it returns a truthy value or the timeout passes; returns the last value."""
    deadline = time.monotonic() + timeout
    value = condition()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = condition()
    return value


class Site:
    def __init__(self, root):
        self.root = root
        self.www = root / "www"
        self.mail = root / "mail"
        self.name = f"webvps-test-php-{uuid.uuid4().hex[:8]}"
        self.port = None

    def exec(self, *command, user=None, check=True):
        args = ["exec"] + (["-u", user] if user else []) + [self.name, *command]
        return docker(*args, check=check)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = Site(tmp_path_factory.mktemp("phpserver"))
    site.www.mkdir()
    site.mail.mkdir()
    docker("run", "-d", "--name", site.name, "-p", "127.0.0.1::80",
           "-v", f"{site.www}:/var/www", "-v", f"{site.mail}:/home/mail",
           "-e", "WORKER_NAME=demo", "-e", f"WORKER_UID={SITE_UID}", "-e", f"HOST_DOMAIN_NAME={HOST}",
           "-e", "HOST_DOMAIN_ALIAS=www.demo.example.test, alias.example.test", "-e", "SERVER_MAIL=web@demo.example.test",
           "--health-interval=1s", "--health-start-period=1s", "webvps/phpserver")
    try:
        wait_for_health(site.name, "healthy", timeout=60)
        site.port = int(docker("port", site.name, "80/tcp").stdout.strip().rsplit(":", 1)[1])
        yield site
    finally:
        logs = docker("logs", site.name, check=False)
        print(logs.stdout, logs.stderr)
        docker("rm", "-f", site.name, check=False)


def test_new_site_gets_layout_placeholder_vhost_and_certificate(site):
    status, body = http_get(site.port)
    assert status == 200 and HOST in body
    for path in ("html/index.html", "conf/apache2", "conf/certificates", "logs", "cgi-bin"):
        assert os.stat(site.www / path).st_uid == SITE_UID, path
    vhost = (site.www / "conf/apache2" / f"{HOST}.vhost").read_text()
    assert "ServerAlias www.demo.example.test alias.example.test" in vhost
    certificate = site.exec("openssl", "x509", "-noout", "-ext", "subjectAltName", "-subject",
                            "-in", f"/var/www/conf/certificates/{HOST}.crt").stdout
    assert "DNS:demo.example.test, DNS:www.demo.example.test, DNS:alias.example.test" in certificate
    assert "subject=CN = demo.example.test" in certificate
    assert oct(os.stat(site.www / f"conf/certificates/{HOST}.key").st_mode & 0o777) == "0o600"


def test_alias_is_served_and_listing_refused(site):
    assert http_get(site.port, host="alias.example.test")[0] == 200
    (site.www / "html/empty-dir").mkdir()
    assert http_get(site.port, "/empty-dir/")[0] == 403


def test_php_runs_as_the_site_user(site):
    (site.www / "html/whoami.php").write_text("<?php echo posix_geteuid(), ' ', ini_get('memory_limit');")
    status, body = http_get(site.port, "/whoami.php")
    assert status == 200 and body == f"{SITE_UID} 256M"


def test_good_change_plus_flag_is_live_within_a_second(site):
    (site.www / "html/extra").mkdir()
    (site.www / "html/extra/index.html").write_text("extra site")
    (site.www / "conf/apache2/extra.vhost").write_text(
        "<VirtualHost *:80>\n  ServerName extra.example.test\n  DocumentRoot /var/www/html/extra\n</VirtualHost>\n")
    assert http_get(site.port, host="extra.example.test")[1] != "extra site", "not live before the flag"
    started = time.monotonic()
    (site.www / "conf/apache2.reload").touch()
    assert poll(lambda: http_get(site.port, host="extra.example.test")[1] == "extra site", timeout=1.0), \
        "the reloaded config answers within a second"
    elapsed = time.monotonic() - started
    assert poll(lambda: not (site.www / "conf/apache2.reload").exists(), timeout=1.0), "the flag is removed"
    print(f"flag to reloaded answer: {elapsed * 1000:.0f} ms")


def test_bad_vhost_plus_flag_keeps_the_site_up_and_reports(site):
    broken = site.www / "conf/apache2/broken.vhost"
    broken.write_text("<VirtualHost *:80>\n  ServerName broken.example.test\n  NoSuchDirective on\n</VirtualHost>\n")
    (site.www / "conf/apache2.reload").touch()
    error_file = site.www / "conf/apache2.reload.error"
    assert poll(error_file.exists, timeout=3.0), "the error file is written"
    report = error_file.read_text()
    assert "NoSuchDirective" in report and "broken.vhost" in report, report
    assert os.stat(error_file).st_uid == SITE_UID, "the webmaster can read and remove it"
    assert poll(lambda: not (site.www / "conf/apache2.reload").exists(), timeout=1.0)
    assert http_get(site.port)[0] == 200, "the site keeps serving the old config"
    broken.unlink()
    (site.www / "conf/apache2.reload").touch()
    assert poll(lambda: not error_file.exists(), timeout=3.0), "a good reload clears the error file"


def test_reload_that_kills_apache_falls_back_to_the_last_good_config(site):
    # Passes `apache2ctl -t`, fails only when Apache binds during the reload: the port is taken
    # by the init's own status endpoint.
    # A graceful reload re-reads the files after the signal: let the previous one finish first.
    time.sleep(1)
    late = site.www / "conf/apache2/late.vhost"
    late.write_text("Listen 127.0.0.1:9104\n")
    (site.www / "conf/apache2.reload").touch()
    error_file = site.www / "conf/apache2.reload.error"
    assert poll(error_file.exists, timeout=5.0), "the late failure is reported"
    report = error_file.read_text()
    assert "stopped during the reload" in report and "9104" in report, report
    assert poll(lambda: http_get(site.port)[0] == 200, timeout=5.0, interval=0.1), "back up on the last good config"
    assert metric(site, 'webvps_init_reloads_total{result="failed_late"}') == 1
    late.unlink()
    time.sleep(1)
    (site.www / "conf/apache2.reload").touch()
    assert poll(lambda: not error_file.exists(), timeout=5.0)
    assert poll(lambda: http_get(site.port, host="extra.example.test")[1] == "extra site", timeout=5.0, interval=0.1)


def test_burst_of_flags_coalesces_into_one_reload(site):
    before = metric(site, 'webvps_init_reloads_total{result="done"}')
    for _ in range(20):
        (site.www / "conf/apache2.reload").touch()
    assert poll(lambda: metric(site, 'webvps_init_reloads_total{result="done"}') > before, timeout=2.0)
    time.sleep(0.5)
    assert metric(site, 'webvps_init_reloads_total{result="done"}') - before <= 2


def metric(site, name):
    body = fetch_metrics(site)
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def fetch_metrics(site):
    # No curl in the image: PHP fetches the loopback status endpoint.
    return site.exec("php", "-r", "echo file_get_contents('http://127.0.0.1:9104/metrics');").stdout


def test_orphans_leave_no_zombie(site):
    site.exec("sh", "-c", 'for i in $(seq 200); do sh -c "sleep 0.5 &"; done')
    def zombies():
        listing = site.exec("sh", "-c", "cat /proc/[0-9]*/stat 2>/dev/null | awk '$3 == \"Z\"' | wc -l").stdout
        return int(listing.strip())
    assert poll(lambda: zombies() == 0, timeout=5.0, interval=0.25), f"{zombies()} zombies left"
    assert metric(site, "webvps_init_orphans_reaped_total") >= 200


def test_php_mail_leaves_a_nullmailer_file_in_the_site_queue(site):
    (site.www / "html/mail.php").write_text('<?php var_dump(mail("someone@example.net", "Hello", "Body text"));')
    status, body = http_get(site.port, "/mail.php")
    assert status == 200 and "bool(true)" in body, body
    queued = poll(lambda: list((site.mail / "queue").iterdir()), timeout=2.0)
    assert len(queued) == 1
    assert queued[0].stat().st_uid == SITE_UID, "written as the site (no set-uid nullmailer-queue): its quota covers it"
    lines = queued[0].read_text().split("\n")
    assert lines[0].endswith("@demo.example.test"), lines[0]
    assert lines[1] == "someone@example.net"
    assert lines[2] == ""
    assert "Subject: Hello" in lines


def test_killed_apache_is_restarted(site):
    pid = site.exec("cat", "/var/run/apache2/apache2.pid").stdout.strip()
    site.exec("kill", "-9", pid)
    def new_pid_serving():
        current = site.exec("cat", "/var/run/apache2/apache2.pid", check=False).stdout.strip()
        return current and current != pid and http_get(site.port)[0] == 200
    assert poll(new_pid_serving, timeout=5.0, interval=0.1)
    assert metric(site, 'webvps_init_service_restarts_total{service="apache"}') >= 1


def test_site_crontab_runs_as_the_site_user(site):
    (site.www / "conf/crontab").write_text("* * * * * id -u > /var/www/html/cron-uid\n")
    assert poll(lambda: (site.www / "html/cron-uid").exists(), timeout=75.0, interval=1.0), "cron ran within a minute"
    assert (site.www / "html/cron-uid").read_text().strip() == str(SITE_UID)


def test_docker_stop_exits_zero_well_within_the_deadline(site):
    started = time.monotonic()
    docker("stop", "--time", "10", site.name)
    elapsed = time.monotonic() - started
    state = json.loads(docker("inspect", "--format", "{{json .State}}", site.name).stdout)
    assert state["ExitCode"] == 0
    assert elapsed < 5, f"docker stop took {elapsed:.1f} s"


def test_init_is_reusable_in_another_image_with_one_copy_line(tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM debian:bookworm-slim\n"
        "COPY --from=webvps/phpserver /usr/local/ /usr/local/\n"
        "COPY services.yaml /etc/webvps/services.yaml\n"
        "ENV WEBVPS_INIT_STATUS_ADDRESS=127.0.0.1:9104 WEBVPS_INIT_PREPARE_SITE=false\n"
        'CMD ["phpserver-init"]\n')
    (tmp_path / "services.yaml").write_text(
        "services:\n  - name: worker\n    command: [sleep, infinity]\n    main: true\n")
    tag = f"webvps-test/reuse-{uuid.uuid4().hex[:8]}"
    docker("build", "-q", "-t", tag, str(tmp_path), timeout=300)
    name = tag.replace("/", "-")
    try:
        assert docker("run", "--rm", tag, "phpserver-init", "--version").stdout.startswith("phpserver-init ")
        docker("run", "-d", "--name", name, tag)
        assert poll(lambda: docker("exec", name, "phpserver-init", "--health", check=False).returncode == 0, timeout=10.0, interval=0.2)
        docker("stop", name)
        assert docker("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip() == "0"
    finally:
        docker("rm", "-f", name, check=False)
        docker("rmi", "-f", tag, check=False)


def test_site_with_a_broken_vhost_at_creation_stays_up_in_safe_mode(tmp_path):
    www = tmp_path / "www"
    (www / "html").mkdir(parents=True)
    (www / "conf/apache2").mkdir(parents=True)
    (www / "html/index.html").write_text("hello from the site")
    broken = www / "conf/apache2/site.vhost"
    broken.write_text("<VirtualHost *:80>\n  ServerName demo.example.test\n  Typo here\n</VirtualHost>\n")
    chown_tree(www, SITE_UID)  # the site's files are the site's, as the admin tool makes them
    name = f"webvps-test-php-safe-{uuid.uuid4().hex[:8]}"
    docker("run", "-d", "--name", name, "-p", "127.0.0.1::80", "-v", f"{www}:/var/www", "-e", f"WORKER_UID={SITE_UID}",
           "--health-interval=1s", "--health-start-period=1s", "webvps/phpserver")
    try:
        wait_for_health(name, "healthy", timeout=60)
        port = int(docker("port", name, "80/tcp").stdout.strip().rsplit(":", 1)[1])
        assert poll(lambda: http_get(port) == (200, "hello from the site"), timeout=5.0, interval=0.1)
        report = (www / "conf/apache2.reload.error").read_text()
        assert "failed its test at start" in report and "Typo" in report and "without the site's vhosts" in report, report
        broken.write_text("<VirtualHost *:80>\n  ServerName demo.example.test\n  DocumentRoot /var/www/html/fixed\n</VirtualHost>\n")
        (www / "html/fixed").mkdir()
        (www / "html/fixed/index.html").write_text("fixed")
        (www / "conf/apache2.reload").touch()
        assert poll(lambda: http_get(port) == (200, "fixed"), timeout=5.0, interval=0.1), "the fixed vhost is live"
        assert not (www / "conf/apache2.reload.error").exists()
    finally:
        docker("rm", "-f", name, check=False)
