"""sshd-chroot in the real webvps/sshd image, used with the real OpenSSH ssh and sftp clients the
way webmasters use them: passwords and keys, uploads, jails that hold, live registry changes."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import time
import uuid

import pytest

from conftest import askpass_environment, docker, wait_for_health, wait_until

ALPHA, BETA = 10001, 10002


def registry_text(sites):
    lines = ["# the test's registry", "admin_email: admin@hoster.example", "sites:"]
    for name, site_id, ssh in sites:
        lines += [f"  - name: {name}", f"    id: {site_id}", f"    host: {name}.test", f"    email: webmaster@{name}.test"]
        if ssh:
            lines.append("    ssh:")
            lines += [f"      {line}" for line in ssh]
    return "\n".join(lines) + "\n"


class SshHost:
    """A sites directory, a webvps/sshd container serving it, and client helpers."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.tag = uuid.uuid4().hex[:8]
        self.sites = tmp_path / "sites"
        self.sites.mkdir()
        os.chmod(self.sites, 0o755)
        self.keys_volume = f"webvps-test-sshd-keys-{self.tag}"
        self.name = None
        self.client_key = tmp_path / "client_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.client_key)], check=True)
        self.public_key = (tmp_path / "client_key.pub").read_text().strip()

    def make_site(self, name, uid):
        """The site's files as the add-site script leaves them: www owned by the site, html/ inside."""
        www = self.sites / name / "volumes" / "www"
        (www / "html").mkdir(parents=True)
        (www / "html" / "index.html").write_text(f"{name} home\n")
        for path in (www, www / "html", www / "html" / "index.html"):
            os.chown(path, uid, uid)
        return www

    def write_registry(self, sites):
        path = self.sites / "webvps.yaml"
        path.write_text(registry_text(sites))

    def start(self, *extra, network="bridge"):
        self.name = f"webvps-test-sshd-{self.tag}-{uuid.uuid4().hex[:4]}"
        docker("run", "-d", "--name", self.name, "--health-interval", "1s", "--network", network,
               "-e", "WEBVPS_SSHD_CHROOT_RESCAN_INTERVAL=60s",
               "-v", f"{self.sites}:/home", "-v", f"{self.keys_volume}:/etc/ssh/keys", *extra, "webvps/sshd")
        wait_for_health(self.name, "healthy", timeout=120)
        self.ip = json.loads(docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", self.name).stdout)[network]["IPAddress"]

    def remove(self):
        if self.name:
            docker("rm", "-f", self.name, check=False)

    def logs(self):
        result = docker("logs", self.name, check=False)
        return result.stdout + result.stderr

    def exec(self, *args, check=True):
        return docker("exec", self.name, *args, check=check)

    def _options(self):
        return ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "-o", "ConnectTimeout=5"]

    def _password_env(self, password):
        return askpass_environment(self.tmp, password)

    def ssh(self, user, command, password=None, key=True):
        auth = ["-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no"] if password else \
            ["-i", str(self.client_key), "-o", "PasswordAuthentication=no", "-o", "BatchMode=yes"]
        return subprocess.run(["ssh", *self._options(), *auth, f"{user}@{self.ip}", command], capture_output=True, text=True,
                              timeout=60, env=self._password_env(password) if password else None, stdin=subprocess.DEVNULL)

    def sftp(self, user, batch, password=None):
        # -b implies BatchMode, which silences the password prompt: ssh takes the first value
        # given, so BatchMode=no before -b lets the askpass answer while a failing command still
        # ends the batch with a non-zero status.
        auth = ["-o", "BatchMode=no", "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no"] if password \
            else ["-i", str(self.client_key), "-o", "PasswordAuthentication=no", "-o", "BatchMode=yes"]
        batch_file = self.tmp / f"batch-{uuid.uuid4().hex[:6]}"
        batch_file.write_text(batch)
        return subprocess.run(["sftp", *self._options(), *auth, "-b", str(batch_file), f"{user}@{self.ip}"],
                              capture_output=True, text=True, timeout=60,
                              env=self._password_env(password) if password else None, stdin=subprocess.DEVNULL)

    def new_password(self, site):
        out = self.exec("sshd-chroot", "passwd", site).stdout
        match = re.search(rf"New password for {site}: (\S+)", out)
        assert match, out
        return match.group(1)


@pytest.fixture
def host(tmp_path):
    h = SshHost(tmp_path)
    h.make_site("alpha", ALPHA)
    h.make_site("beta", BETA)
    h.write_registry([("alpha", 1, ["access: sftp"]),
                      ("beta", 2, ["access: shell", "keys:", f"  - {h.public_key}"])])
    try:
        h.start()
        yield h
    finally:
        h.remove()
        docker("volume", "rm", "-f", h.keys_volume, check=False)



def test_password_from_passwd_logs_in_and_an_upload_lands_owned_by_the_site(host):
    password = host.new_password("alpha")
    registry = (host.sites / "webvps.yaml").read_text()
    assert password not in registry and '"$y$' in registry, "only the hash is stored"
    assert "# the test's registry" in registry, "the admin's comments survive"
    (host.tmp / "upload.txt").write_text("uploaded\n")
    result = wait_until(lambda: (r := host.sftp("alpha", f"put {host.tmp / 'upload.txt'} html/upload.txt\nls\n", password=password))
                        .returncode == 0 and r, what="the new password to work")
    assert "html" in result.stdout
    uploaded = host.sites / "alpha" / "volumes" / "www" / "html" / "upload.txt"
    assert uploaded.read_text() == "uploaded\n"
    assert (uploaded.stat().st_uid, uploaded.stat().st_gid) == (ALPHA, ALPHA)
    assert oct(uploaded.stat().st_mode & 0o777) == "0o644"
    assert password not in host.logs(), "never in a log"
    assert host.sftp("alpha", "ls\n", password="wrong-password").returncode != 0


def test_sftp_users_cannot_leave_their_jail_or_write_its_root(host):
    password = host.new_password("alpha")
    wait_until(lambda: host.sftp("alpha", "ls\n", password=password).returncode == 0, what="login")
    # The jail's root holds the site's files (www, seen at /var/www as in the site's container), and
    # the login starts there.
    listing = host.sftp("alpha", "ls -a /\nls /var/www\npwd\n", password=password)
    assert "/www" in listing.stdout and "/var" in listing.stdout and "beta" not in listing.stdout, listing.stdout
    assert "/var/www/html" in listing.stdout and "Remote working directory: /www" in listing.stdout, listing.stdout
    for batch in ("ls /../beta\n", "get /../../beta/volumes/www/html/index.html\n", "cd ../..\nls beta\n",
                  f"put {host.tmp / 'client_key.pub'} /rootfile\n", "mkdir /newdir\n"):
        result = host.sftp("alpha", batch, password=password)
        assert result.returncode != 0, f"{batch!r} should fail: {result.stdout}"
    assert not (host.sites / "alpha" / "volumes" / "www" / "rootfile").exists()
    # A symlink uploaded to point at another site's files resolves inside the jail only.
    host.sftp("alpha", "symlink /../../beta/volumes/www/html/index.html html/escape\n", password=password)
    escaped = host.sftp("alpha", f"get html/escape {host.tmp / 'escaped'}\n", password=password)
    assert escaped.returncode != 0 and not (host.tmp / "escaped").exists()
    # And a shell session is refused to an SFTP-only site.
    assert host.ssh("alpha", "id", password=password).returncode != 0


def test_a_shell_user_has_its_tools_and_sees_nobody_else(host):
    result = wait_until(lambda: (r := host.ssh("beta", "php -v && git --version && id && cat /etc/passwd && pwd && ls /var/www"))
                        .returncode == 0 and r, timeout=20, what="key login to the shell jail")
    out = result.stdout
    assert "PHP 8.2" in out and "git version" in out
    assert "uid=10002(beta) gid=10002(beta)" in out
    passwd = [line.split(":")[0] for line in out.splitlines() if line.count(":") >= 6]
    assert passwd == ["root", "beta"], out
    assert "/www\nhtml\n" in out, "the login starts in the site's files, at /var/www"
    # No set-id file anywhere in the jail, /tmp sticky, the jail's system directories read-only.
    setid = host.ssh("beta", "find / -xdev -perm /6000 -type f 2>/dev/null; stat -c %a /tmp; touch /usr/x; touch /x")
    assert setid.stdout.split() == ["1777"], setid.stdout
    assert "Permission denied" in setid.stderr
    # Another site's files are out of reach.
    other = host.ssh("beta", "ls /home; cat ../alpha/volumes/www/html/index.html; ls ../..")
    assert "alpha home" not in other.stdout and "alpha" not in other.stdout
    # Work done in the jail lands in the site's files with its uid.
    assert host.ssh("beta", "git init -q html/repo && echo '<?php echo 1+1;' > html/t.php && php html/t.php").stdout == "2"
    assert (host.sites / "beta" / "volumes" / "www" / "html" / "repo" / ".git").is_dir()
    assert (host.sites / "beta" / "volumes" / "www" / "html" / "t.php").stat().st_uid == BETA


def make_ca_and_server_certificate(directory, name):
    """A CA and a certificate for `name` signed by it; returns (ca.crt, server.crt, server.key)."""
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", "/CN=webvps test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-keyout", "ca.key", "-out", "ca.crt")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", f"/CN={name}",
        "-keyout", "server.key", "-out", "server.csr")
    (directory / "san.ext").write_text(f"subjectAltName=DNS:{name}\nbasicConstraints=CA:FALSE\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "san.ext", "-out", "server.crt")
    os.chmod(directory / "server.key", 0o644)  # read by the server container's nginx user
    return directory / "ca.crt", directory / "server.crt", directory / "server.key"


def test_a_shell_jail_has_the_tools_of_a_php_webmaster_and_trusts_the_systems_cas(tmp_path):
    """curl, wget and git over HTTPS with the system CA bundle (here one the test installs into the
    image), composer, ssh-keygen, PHP with its time zones and no warning."""
    network = f"webvps-test-sshd-tools-{uuid.uuid4().hex[:8]}"
    docker("network", "create", network)
    certs = tmp_path / "tls"
    certs.mkdir()
    ca, _, _ = make_ca_and_server_certificate(certs, "tls.test")
    bundle = tmp_path / "ca-certificates.crt"
    system = docker("run", "--rm", "--entrypoint", "cat", "webvps/sshd", "/etc/ssl/certs/ca-certificates.crt").stdout
    bundle.write_text(system + ca.read_text())
    conf = ('pid /tmp/nginx.pid; events {} http { access_log off; server { listen 443 ssl; '
            'ssl_certificate /tls/server.crt; ssl_certificate_key /tls/server.key; '
            'location / { return 200 "over tls\\n"; } } }')
    server = f"webvps-test-tls-{uuid.uuid4().hex[:8]}"
    h = SshHost(tmp_path)
    try:
        docker("run", "-d", "--name", server, "--network", network, "--network-alias", "tls.test", "--no-healthcheck",
               "-v", f"{certs}:/tls:ro", "-e", f"CONF={conf}", "--entrypoint", "sh", "webvps/proxy", "-c",
               'echo "$CONF" > /tmp/tls.conf && exec nginx -c /tmp/tls.conf -g "daemon off;"')
        h.make_site("gamma", 10003)
        h.write_registry([("gamma", 3, ["access: shell", "keys:", f"  - {h.public_key}"])])
        h.start("-v", f"{bundle}:/etc/ssl/certs/ca-certificates.crt:ro", network=network)
        assert wait_until(lambda: h.ssh("gamma", "true").returncode == 0, timeout=20, what="key login to the shell jail")
        php = h.ssh("gamma", "php -v && php -r 'echo date_default_timezone_get(), \" \", "
                             "(new DateTime(\"2026-07-01\", new DateTimeZone(\"Europe/Paris\")))->format(\"T\"), \"\\n\";'")
        assert php.returncode == 0 and php.stderr == "", php.stderr
        assert "PHP 8.2" in php.stdout and php.stdout.endswith("UTC CEST\n"), php.stdout
        composer = h.ssh("gamma", "composer --version --no-interaction")
        assert composer.returncode == 0 and "Composer" in composer.stdout, composer.stdout + composer.stderr
        assert "Warning" not in composer.stderr and "Deprecat" not in composer.stderr, composer.stderr
        # The test's CA is in the bundle the jail got: HTTPS verifies without --insecure.
        fetched = h.ssh("gamma", "curl -sS https://tls.test/ && wget -q -O - https://tls.test/ && "
                                 "php -r 'echo file_get_contents(\"https://tls.test/\");' && "
                                 "git ls-remote https://tls.test/none.git 2>&1 | grep -c 'SSL certificate problem' || true")
        assert fetched.stdout == "over tls\nover tls\nover tls\n0\n", fetched.stdout + fetched.stderr
        # A host it does not know stays refused (the bundle is a real trust store, not a switch).
        untrusted = h.ssh("gamma", "curl -sS https://tls.test/ --cacert /etc/passwd")
        assert untrusted.returncode != 0
        keys = h.ssh("gamma", "ssh-keygen -q -t ed25519 -N '' -f /tmp/deploy && cat /tmp/deploy.pub && ssh -V")
        assert keys.returncode == 0 and keys.stdout.startswith("ssh-ed25519 "), keys.stdout + keys.stderr
    finally:
        h.remove()
        docker("rm", "-f", server, check=False)
        docker("volume", "rm", "-f", h.keys_volume, check=False)
        docker("network", "rm", network, check=False)


def test_crontab_in_a_shell_jail_edits_the_sites_conf_crontab_and_refuses_what_phpserver_init_would(host):
    crontab = host.sites / "beta" / "volumes" / "www" / "conf" / "crontab"
    assert wait_until(lambda: host.ssh("beta", "true").returncode == 0, timeout=20, what="key login to the shell jail")
    empty = host.ssh("beta", "crontab -l")
    assert empty.returncode == 1 and "no crontab for this site" in empty.stderr, empty.stderr
    # An editor as a script, the way EDITOR= runs any editor: it writes the job into the file given.
    editor = "printf '#!/bin/sh\\necho \"*/5 * * * * php /var/www/html/cron.php\" >> \"$1\"\\n' > /tmp/ed && chmod +x /tmp/ed"
    edited = host.ssh("beta", f"{editor} && EDITOR=/tmp/ed crontab -e")
    assert edited.returncode == 0 and "installed" in edited.stderr, edited.stderr
    assert crontab.read_text() == "*/5 * * * * php /var/www/html/cron.php\n"
    assert crontab.stat().st_uid == BETA, "the site's own file"
    assert host.ssh("beta", "crontab -l").stdout == "*/5 * * * * php /var/www/html/cron.php\n"
    # A line phpserver-init would refuse: the problem named with its line, the file left as it was.
    bad = host.ssh("beta", "printf '#!/bin/sh\\necho \"61 * * * * php x.php\" >> \"$1\"\\n' > /tmp/bad && "
                           "chmod +x /tmp/bad && EDITOR=/tmp/bad crontab -e")
    assert bad.returncode == 1 and "crontab:2: " in bad.stderr and "conf/crontab unchanged" in bad.stderr, bad.stderr
    assert crontab.read_text() == "*/5 * * * * php /var/www/html/cron.php\n"
    piped = host.ssh("beta", "echo '@daily php /var/www/html/nightly.php' | crontab - && crontab -l")
    assert piped.stdout == "@daily php /var/www/html/nightly.php\n", piped.stdout + piped.stderr
    assert host.ssh("beta", "crontab -u alpha -l").returncode == 1, "one crontab per jail: its site's"
    removed = host.ssh("beta", "crontab -r")
    assert removed.returncode == 0 and not crontab.exists()


def test_git_push_to_a_bare_repository_in_the_jail_deploys_into_html(host, tmp_path):
    """docs/sshd-chroot.md's deploy: a bare repository beside html/ whose post-receive hook checks
    the pushed branch out into html/."""
    assert wait_until(lambda: host.ssh("beta", "true").returncode == 0, timeout=20, what="key login to the shell jail")
    made = host.ssh("beta", "git init -q --bare -b main site.git")
    assert made.returncode == 0, made.stderr
    # The hook, as the webmaster uploads it (docs/sshd-chroot.md).
    hook = host.sites / "beta" / "volumes" / "www" / "site.git" / "hooks" / "post-receive"
    hook.write_text("#!/bin/sh\n"
                    "while read old new ref; do\n"
                    "  [ \"$ref\" = refs/heads/main ] && git --work-tree=/var/www/html --git-dir=/var/www/site.git checkout -f main\n"
                    "done\n")
    os.chown(hook, BETA, BETA)
    os.chmod(hook, 0o755)
    ssh = " ".join(["ssh", "-i", str(host.client_key), *host._options(), "-o", "BatchMode=yes"])
    environment = {**os.environ, "GIT_SSH_COMMAND": ssh, "GIT_AUTHOR_NAME": "web", "GIT_AUTHOR_EMAIL": "web@beta.test",
                   "GIT_COMMITTER_NAME": "web", "GIT_COMMITTER_EMAIL": "web@beta.test"}
    work = tmp_path / "work"

    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, env=environment, timeout=60)

    assert git("init", "-q", "-b", "main", str(work)).returncode == 0
    (work / "index.php").write_text("<?php echo 'deployed by git';\n")
    assert git("-C", str(work), "add", "index.php").returncode == 0
    assert git("-C", str(work), "commit", "-q", "-m", "first").returncode == 0
    pushed = git("-C", str(work), "push", f"beta@{host.ip}:/var/www/site.git", "main")
    assert pushed.returncode == 0, pushed.stderr
    html = host.sites / "beta" / "volumes" / "www" / "html"
    assert (html / "index.php").read_text() == "<?php echo 'deployed by git';\n"
    assert (html / "index.php").stat().st_uid == BETA
    assert (html / "index.html").exists(), "files that are not in the repository stay"
    cloned = git("clone", "-q", f"beta@{host.ip}:/var/www/site.git", str(tmp_path / "clone"))
    assert cloned.returncode == 0 and (tmp_path / "clone" / "index.php").exists(), cloned.stderr


def test_registry_changes_apply_within_two_seconds_without_restarting_sshd(host):
    host.make_site("gamma", 10003)
    host.write_registry([("alpha", 1, ["access: sftp"]),
                         ("beta", 2, ["access: shell", "keys:", f"  - {host.public_key}"]),
                         ("gamma", 3, ["access: sftp", "keys:", f"  - {host.public_key}"])])
    started = time.monotonic()
    wait_until(lambda: host.sftp("gamma", "ls\n").returncode == 0, timeout=5, what="the new site's login")
    assert time.monotonic() - started < 2.5, "a new site logs in within about 2 s"
    # The removed site is refused; its files stay.
    host.write_registry([("beta", 2, ["access: shell", "keys:", f"  - {host.public_key}"]),
                         ("gamma", 3, ["access: sftp", "keys:", f"  - {host.public_key}"])])
    wait_until(lambda: "alpha" not in host.exec("sshd-chroot", "list").stdout, what="alpha removed")
    assert host.sftp("alpha", "ls\n", password="anything").returncode != 0
    assert (host.sites / "alpha" / "volumes" / "www" / "html" / "index.html").exists()
    # A registry that does not parse leaves the last good one in force.
    (host.sites / "webvps.yaml").write_text("sites: [ {name: broken\n")
    time.sleep(1)
    assert host.sftp("gamma", "ls\n").returncode == 0
    assert "The registry was refused" in host.exec("sshd-chroot", "list").stdout
    assert host.logs().count("started sshd (pid") == 1, "sshd was never restarted"


def test_keys_in_the_sites_own_file_work_and_bad_lines_are_refused(host):
    host.write_registry([("alpha", 1, ["access: sftp"]), ("beta", 2, ["access: shell"])])
    wait_until(lambda: host.ssh("beta", "true").returncode != 0, what="beta's registry key gone")
    ssh_dir = host.sites / "beta" / "volumes" / "www" / ".ssh"
    assert ssh_dir.is_dir() and ssh_dir.stat().st_uid == BETA, "sshd-chroot made .ssh for the webmaster"
    (ssh_dir / "authorized_keys").write_text(f'command="/bin/sh" {host.public_key}\n{host.public_key}\n')
    wait_until(lambda: host.ssh("beta", "true").returncode == 0, what="the site's own key")
    assert "key refused" in host.logs() and "authorized_keys:1:" in host.logs()
    # A symlinked key file is never followed by root.
    (ssh_dir / "authorized_keys").unlink()
    os.symlink("/etc/ssh/authorized_keys/alpha", ssh_dir / "authorized_keys")
    wait_until(lambda: "a symbolic link; ignored" in host.logs(), what="the symlink refused")


def test_check_list_and_host_keys_that_survive_re_creation(host):
    check = host.exec("sshd-chroot", "check", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    listing = host.exec("sshd-chroot", "list").stdout
    assert re.search(r"alpha\s+10001\s+sftp", listing) and re.search(r"beta\s+10002\s+shell", listing)
    before = subprocess.run(["ssh-keyscan", "-t", "ed25519", host.ip], capture_output=True, text=True).stdout.split()[-1]
    host.remove()
    host.start()
    after = subprocess.run(["ssh-keyscan", "-t", "ed25519", host.ip], capture_output=True, text=True).stdout.split()[-1]
    assert before == after
    # The jail's tools are unchanged in the store: nothing copied again.
    assert "already in the store" in host.logs()


def test_no_privileged_mode_and_default_capabilities_only(host):
    info = json.loads(docker("inspect", "--format", "{{json .HostConfig}}", host.name).stdout)
    assert info["Privileged"] is False and not info["CapAdd"]
