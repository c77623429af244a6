"""The attack suite: a stack made by the project's own scripts with two shell sites, alpha (the
attacker, with a database) and beta (the neighbour), and every way the old design let a
webmaster reach root, another site, the shared containers or the host, tried for real. Each
attack must fail, the neighbour must keep serving and logging in, and the admin must see it in
the logs (docs/security.md lists them with the mechanism that stops each)."""
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import uuid

import pytest

from conftest import askpass_environment, docker, wait_for_health, wait_until
from stack import Stack

ALPHA, BETA = 10001, 10002


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("isolation") / "data"
    s = Stack(root)
    try:
        s.script("stack.sh", "up")
        s.script("site.sh", "add", "alpha", "--host", "alpha.test", "--email", "owner@alpha.test", "--lamp", "--ssh", "shell")
        s.script("site.sh", "add", "beta", "--host", "beta.test", "--email", "owner@beta.test", "--ssh", "shell")
        s.new_password("alpha")
        s.new_password("beta")
        wait_until(lambda: s.status("alpha.test") == 200 and s.status("beta.test") == 200, timeout=90, what="both sites")
        yield s
    finally:
        s.teardown()
        # A tree 100,000 levels deep is beyond shutil.rmtree's recursion: GNU rm walks it iteratively.
        subprocess.run(["rm", "-rf", "--one-file-system", str(root.parent)], check=False)


# --- helpers: the webmaster's own moves, made on the host as the site's uid would over SFTP ---

def www(stack, site):
    return stack.site_dir(site) / "volumes" / "www"


def put(stack, site, relative, content, uid=None):
    """Writes a file in the site's files, owned by the site, as an SFTP upload leaves it."""
    uid = uid or (ALPHA if site == "alpha" else BETA)
    path = www(stack, site) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chown(path.parent, uid, uid)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    os.chown(path, uid, uid)
    return path


def php(stack, site, code, path=None):
    """Runs `code` as the site's PHP, through the proxy, and returns what it printed."""
    name = path or f"probe-{uuid.uuid4().hex[:8]}.php"
    put(stack, site, f"html/{name}", "<?php " + code)
    return wait_until(lambda: (r := stack.get(f"{site}.test", f"/{name}"))[0] == 200 and r[1], timeout=30,
                      what=f"{site}'s PHP probe")


def reload_apache(stack, site):
    """The reload flag, as a webmaster drops it; waits until the init has taken it."""
    flag = put(stack, site, "conf/apache2.reload", "")
    wait_until(lambda: not flag.exists(), timeout=30, what=f"{site}'s reload flag taken")


def in_container(stack, site, *command, user=None, check=True, service="web"):
    args = ["exec"] + (["-u", str(user)] if user is not None else []) + [stack.site_container(site, service), *command]
    return docker(*args, check=check)


def md5_in(stack, site, path):
    return in_container(stack, site, "md5sum", path, user=0).stdout.split()[0]


def neighbours_are_fine(stack):
    """beta serves, its webmaster logs in; alpha's own site still answers."""
    wait_until(lambda: stack.status("beta.test") == 200, timeout=60, what="beta serving")
    wait_until(lambda: stack.status("alpha.test") == 200, timeout=60, what="alpha serving")
    assert stack.sftp("beta", "ls\n").returncode == 0, "beta's webmaster still logs in"


def site_log(stack, site):
    result = docker("logs", stack.site_container(site), check=False)
    return result.stdout + result.stderr


def stack_log(stack, service):
    result = docker("logs", stack.container(service), check=False)
    return result.stdout + result.stderr


# --- 1. root in the site's own container ---

def test_a_piped_error_log_runs_as_the_site_not_root(stack):
    vhost = put(stack, "alpha", "conf/apache2/piped.vhost",
                'Listen 8081\n<VirtualHost *:8081>\n  ErrorLog "|/bin/sh -c \'id > /var/www/html/piped.txt; '
                'cat /etc/shadow > /var/www/html/shadow.txt 2>&1\'"\n</VirtualHost>\n')
    try:
        reload_apache(stack, "alpha")
        piped = www(stack, "alpha") / "html" / "piped.txt"
        shadow = www(stack, "alpha") / "html" / "shadow.txt"
        wait_until(lambda: piped.exists() and piped.read_text() and shadow.exists() and shadow.read_text(), timeout=30,
                   what="the piped log to run")
        assert piped.read_text().startswith(f"uid={ALPHA}("), piped.read_text()
        assert "root:" not in shadow.read_text() and "Permission denied" in shadow.read_text(), shadow.read_text()
    finally:
        vhost.unlink()
        reload_apache(stack, "alpha")
    neighbours_are_fine(stack)


def test_a_module_loaded_from_the_sites_files_runs_as_the_site_not_root(stack, tmp_path):
    source = tmp_path / "evil.c"
    source.write_text('#include <stdlib.h>\n__attribute__((constructor)) static void run(void) {\n'
                      '  system("id > /var/www/html/module.txt");\n}\n')
    library = tmp_path / "evil.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    put(stack, "alpha", "html/evil.so", library.read_bytes())
    vhost = put(stack, "alpha", "conf/apache2/module.vhost", "LoadModule evil_module /var/www/html/evil.so\n")
    try:
        reload_apache(stack, "alpha")
        marker = www(stack, "alpha") / "html" / "module.txt"
        wait_until(lambda: marker.exists() and marker.read_text(), timeout=30, what="the module's constructor")
        assert marker.read_text().startswith(f"uid={ALPHA}("), "code the site loads runs with the site's rights only"
        error = www(stack, "alpha") / "conf" / "apache2.reload.error"
        wait_until(lambda: error.exists() and "evil_module" in error.read_text(), timeout=30, what="the refusal, saying why")
    finally:
        vhost.unlink()
        reload_apache(stack, "alpha")
    neighbours_are_fine(stack)


def test_a_log_symlink_lets_apache_write_nowhere_it_points(stack):
    before = md5_in(stack, "alpha", "/etc/apache2/apache2.conf")
    logs = www(stack, "alpha") / "logs"
    link = logs / "evil.log"
    os.symlink("/etc/apache2/apache2.conf", link)
    os.lchown(link, ALPHA, ALPHA)
    vhost = put(stack, "alpha", "conf/apache2/logs.vhost",
                "Listen 8082\n<VirtualHost *:8082>\n  CustomLog /var/www/logs/evil.log combined\n</VirtualHost>\n")
    try:
        reload_apache(stack, "alpha")
        # Apache's parent, the site's uid, cannot open it: the reload fails late, the last good
        # configuration comes back, and the file it pointed at is untouched.
        wait_until(lambda: "died during the reload" in site_log(stack, "alpha"), timeout=30, what="the failed reload")
        assert md5_in(stack, "alpha", "/etc/apache2/apache2.conf") == before
    finally:
        vhost.unlink()
        link.unlink()
        reload_apache(stack, "alpha")
    neighbours_are_fine(stack)


def test_nothing_of_a_site_runs_as_root_or_with_a_capability(stack):
    for site in ("alpha", "beta"):
        processes = in_container(stack, site, "ps", "-eo", "user:20,pid,comm", "--no-headers").stdout.splitlines()
        own = [line for line in processes if not line.split()[2] == "ps"]
        assert own and all(line.split()[0] == "www-data" for line in own), processes
        status = in_container(stack, site, "cat", "/proc/1/status").stdout
        assert re.search(r"^CapEff:\s+0+$", status, re.M) and re.search(r"^CapPrm:\s+0+$", status, re.M), status
        assert re.search(r"^NoNewPrivs:\s+1$", status, re.M)
    db = in_container(stack, "alpha", "cat", "/proc/1/status", service="db").stdout
    assert re.search(rf"^Uid:\s+{ALPHA}\s", db, re.M) and re.search(r"^CapEff:\s+0+$", db, re.M), db


def test_pid_one_cannot_be_read_or_traced_by_the_sites_code(stack):
    out = php(stack, "alpha", "echo @file_get_contents('/proc/1/environ') === false ? 'refused' : 'read';"
                              "echo ' ', @file_get_contents('/proc/1/mem') === false ? 'refused' : 'read';")
    assert out == "refused refused", out


# --- 2. from there, every shell site: the jails' tools ---

def test_no_site_container_can_reach_the_jail_tools(stack):
    bash = stack.site_dir("beta") / "volumes" / "usr" / "bin" / "bash"
    wait_until(lambda: bash.exists(), timeout=30, what="beta's shell jail")
    inode, digest = bash.stat().st_ino, hashlib.md5(bash.read_bytes()).hexdigest()
    for site in ("alpha", "beta"):
        # As root in the site's container, the worst case: no mount holds the jail root or the store.
        found = in_container(stack, site, "sh", "-c", f"find /var/www /home/mail /run/secrets -xdev -inum {inode} 2>/dev/null",
                             user=0, check=False)
        assert found.stdout.strip() == "", found.stdout
        mounts = json.loads(docker("inspect", stack.site_container(site)).stdout)[0]["Mounts"]
        assert {m["Source"].rsplit("/volumes/", 1)[-1] for m in mounts if "/volumes/" in m["Source"]} <= {"www", "home/mail"}
    # The jail user cannot carry a tool into the site's files (protected_hardlinks): not its file.
    linked = stack.ssh("alpha", "ln /usr/bin/bash /var/www/html/bash-link; echo rc=$?")
    assert "rc=0" not in linked.stdout, linked.stdout + linked.stderr
    assert hashlib.md5(bash.read_bytes()).hexdigest() == digest
    neighbours_are_fine(stack)


# --- 3. from there, the sshd container ---

def test_a_set_uid_root_file_raises_nobody_in_the_sshd_container(stack):
    # As root in alpha's container (the admin's docker exec, the worst case): a set-uid-root shell
    # planted in the site's files.
    planted = in_container(stack, "alpha", "sh", "-c",
                           "chown 0 /var/www/html && cp /bin/dash /var/www/html/rootsh && chmod 4755 /var/www/html/rootsh "
                           "&& chown 10001 /var/www/html && stat -c '%u %a' /var/www/html/rootsh", user=0)
    assert planted.stdout.split() == ["0", "4755"], planted.stdout
    ran = stack.ssh("alpha", "/var/www/html/rootsh -p -c 'id -u; id -un'")
    assert ran.stdout.split()[:1] == [str(ALPHA)], ran.stdout + ran.stderr
    mounts = docker("exec", stack.container("sshd"), "grep", " /home ", "/proc/mounts").stdout
    assert "nosuid" in mounts and "nodev" in mounts, mounts
    status = docker("exec", stack.container("sshd"), "cat", "/proc/1/status").stdout
    assert re.search(r"^NoNewPrivs:\s+1$", status, re.M)
    (www(stack, "alpha") / "html" / "rootsh").unlink()
    neighbours_are_fine(stack)


# --- 4. the network ---

def test_no_raw_or_packet_socket_in_a_site_container(stack):
    probe = ("use Socket; for ([17, 3, 'packet'], [PF_INET, SOCK_RAW, 'raw']) { my ($d, $t, $n) = @$_; "
             "print socket(my $s, $d, $t, $d == 17 ? 0 : 1) ? \"$n open\\n\" : \"$n refused\\n\" }")
    for user in (ALPHA, 0):
        out = in_container(stack, "alpha", "perl", "-e", probe, user=user).stdout
        assert out == "packet refused\nraw refused\n", f"as uid {user}: {out}"
    # The same from the site's own PHP (which offers raw sockets of AF_INET only).
    php_out = php(stack, "alpha", "echo @socket_create(AF_INET, SOCK_RAW, 1) === false ? 'refused' : 'open';")
    assert php_out == "refused"


def test_internal_network_access_refuses_the_other_sites(stack):
    name = f"{stack.project}-extra-internal"
    docker("run", "-d", "--name", name, "--network", f"{stack.project}-proxy", "--label",
           f"com.docker.compose.project={stack.project}-extra", "-e", "VIRTUAL_HOST=internal.test", "-e", "NETWORK_ACCESS=internal",
           "-e", "WORKER_UID=10090", "-e", "HOST_DOMAIN_NAME=internal.test", "--cap-drop", "ALL", "--cap-add", "CHOWN",
           "--cap-add", "SETUID", "--cap-add", "SETGID", "--health-interval=1s", "webvps/phpserver")
    wait_for_health(name, "healthy", timeout=60)
    proxy_ip = json.loads(docker("inspect", stack.container("proxy")).stdout)[0]["NetworkSettings"]["Networks"][
        f"{stack.project}-proxy"]["IPAddress"]
    fetch = ("$c = stream_context_create(['http' => ['header' => \"Host: %s\\r\\n\", 'ignore_errors' => true, 'timeout' => 5]]);"
             f"@file_get_contents('http://{proxy_ip}/', false, $c); echo $http_response_header[0] ?? 'none';")
    wait_until(lambda: php(stack, "beta", fetch % "beta.test").endswith("200 OK"), timeout=30, what="beta through the proxy")
    # A co-tenant on the proxy's network is not "internal", whatever private address it has.
    assert "403" in php(stack, "beta", fetch % "internal.test")
    # Nor the host through Docker's userland proxy (the network's gateway).
    wait_until(lambda: stack.status("internal.test") == 403, timeout=30, what="403 from the host's published port")
    docker("rm", "-f", name)


def test_a_site_reaches_no_other_sites_database(stack):
    db = stack.site_container("alpha", "db")
    networks = json.loads(docker("inspect", db).stdout)[0]["NetworkSettings"]["Networks"]
    addresses = [n["IPAddress"] for n in networks.values()]
    assert addresses and all(addresses)
    secret = (stack.site_dir("alpha") / "secrets" / "database.ini").read_text()
    password = re.search(r"password = (\S+)", secret).group(1)
    for address in addresses + ["db"]:
        out = php(stack, "beta", "mysqli_report(MYSQLI_REPORT_OFF); $m = mysqli_init(); "
                                 "$m->options(MYSQLI_OPT_CONNECT_TIMEOUT, 3);"
                                 f"echo @$m->real_connect('{address}', 'alpha', '{password}', 'alpha') ? 'connected' : 'refused';")
        assert out == "refused", f"beta reached alpha's database at {address}"
    # beta's files never hold alpha's credentials, and alpha's secrets directory is root's.
    assert (stack.site_dir("alpha") / "secrets").stat().st_uid == 0


# --- 5. a planted link at site creation ---

def test_a_database_ini_symlink_over_kept_files_is_refused_at_add(stack):
    shadow = os.stat("/etc/shadow")
    kept = stack.site_dir("gamma") / "volumes" / "www" / "conf"
    kept.mkdir(parents=True)
    os.symlink("/etc/shadow", kept / "database.ini")
    ssh_link = stack.site_dir("gamma") / "volumes" / "www" / ".ssh"
    os.symlink("/root", ssh_link)
    result = stack.script("site.sh", "add", "gamma", "--host", "gamma.test", "--lamp", check=False)
    assert result.returncode != 0
    assert "conf/database.ini is a symlink: refused" in result.stderr, result.stderr
    assert "gamma" not in (stack.root / "webvps" / "webvps.yaml").read_text(), "the registry is unchanged"
    after = os.stat("/etc/shadow")
    assert (after.st_uid, after.st_gid, after.st_mode, after.st_mtime) == (shadow.st_uid, shadow.st_gid, shadow.st_mode, shadow.st_mtime)
    assert os.stat("/root").st_uid == 0, "the .ssh link was not followed either"
    shutil.rmtree(stack.site_dir("gamma"))


# --- 8. phpserver-init and what the site plants in conf/ ---

def test_reload_error_and_crontab_symlinks_are_never_followed(stack):
    shadow = md5_in(stack, "alpha", "/etc/shadow")
    conf = www(stack, "alpha") / "conf"
    for name in ("apache2.reload.error", "crontab"):
        if (conf / name).exists() or (conf / name).is_symlink():
            (conf / name).unlink()
        os.symlink("/etc/shadow", conf / name)
        os.lchown(conf / name, ALPHA, ALPHA)
    vhost = put(stack, "alpha", "conf/apache2/broken.vhost", "<VirtualHost *:80>\n  NoSuchDirective on\n</VirtualHost>\n")
    try:
        reload_apache(stack, "alpha")
        report = conf / "apache2.reload.error"
        wait_until(lambda: not report.is_symlink() and report.exists(), timeout=30, what="the error file")
        assert "NoSuchDirective" in report.read_text() and "root:" not in report.read_text()
        # The crontab link (moved away and back, as an editor saves): refused, said in conf/crontab.error.
        (conf / "crontab").rename(conf / "crontab.tmp")
        (conf / "crontab.tmp").rename(conf / "crontab")
        crontab_error = conf / "crontab.error"
        wait_until(lambda: crontab_error.exists(), timeout=30, what="crontab.error")
        assert "refused" in crontab_error.read_text() and "root:" not in crontab_error.read_text()
        assert md5_in(stack, "alpha", "/etc/shadow") == shadow
    finally:
        vhost.unlink()
        (conf / "crontab").unlink()
    neighbours_are_fine(stack)


def test_a_symlinked_conf_directory_does_not_crash_loop_the_site(stack):
    conf = www(stack, "alpha") / "conf"
    (conf / "apache2").rename(conf / "apache2.saved")
    os.symlink("/etc/apache2", conf / "apache2")
    os.lchown(conf / "apache2", ALPHA, ALPHA)
    try:
        before = md5_in(stack, "alpha", "/etc/apache2/apache2.conf")
        docker("restart", stack.site_container("alpha"))
        wait_for_health(stack.site_container("alpha"), "healthy", timeout=90)
        wait_until(lambda: stack.status("alpha.test") == 200, timeout=60, what="alpha serving after the restart")
        assert md5_in(stack, "alpha", "/etc/apache2/apache2.conf") == before
        assert json.loads(docker("inspect", stack.site_container("alpha")).stdout)[0]["RestartCount"] == 0
    finally:
        (conf / "apache2").unlink()
        (conf / "apache2.saved").rename(conf / "apache2")
        reload_apache(stack, "alpha")
    neighbours_are_fine(stack)


def test_a_fifo_include_is_cut_off_and_the_site_keeps_serving(stack):
    fifo = www(stack, "alpha") / "conf" / "blocker"
    os.mkfifo(fifo)
    os.chown(fifo, ALPHA, ALPHA)
    vhost = put(stack, "alpha", "conf/apache2/fifo.vhost", "Include /var/www/conf/blocker\n")
    try:
        started = time.monotonic()
        reload_apache(stack, "alpha")
        report = www(stack, "alpha") / "conf" / "apache2.reload.error"
        wait_until(lambda: report.exists() and "took too long" in report.read_text(), timeout=30, what="the cut-off config test")
        assert time.monotonic() - started < 25
        assert stack.status("alpha.test") == 200, "Apache kept serving its configuration"
        assert docker("exec", stack.site_container("alpha"), "phpserver-init", "--health").stdout == "ok\n"
    finally:
        vhost.unlink()
        fifo.unlink()
    neighbours_are_fine(stack)


# --- 9. the Docker socket ---

def test_the_internet_facing_nginx_and_the_sites_have_no_docker_api(stack):
    for container in (stack.container("proxy"), stack.site_container("alpha"), stack.container("sshd"), stack.container("mailer")):
        probe = docker("exec", container, "sh", "-c",
                       "for s in /var/run/docker.sock /run/docker.sock /tmp/docker.sock; do [ -e $s ] && echo $s; done; true")
        assert probe.stdout == "", f"{container} holds {probe.stdout}"
    generator = json.loads(docker("inspect", stack.container("proxy-gen")).stdout)[0]
    assert generator["HostConfig"]["NetworkMode"] == "none", "the socket's holder is on no network"
    for container in (stack.container("proxy"), stack.site_container("alpha")):
        env = json.loads(docker("inspect", container).stdout)[0]["Config"]["Env"]
        assert not any(variable.startswith("MAILER_SMTP=") for variable in env)


# --- 7. uid reuse ---

def test_a_removed_sites_uid_is_never_handed_to_a_new_site(stack):
    stack.script("site.sh", "add", "epsilon", "--host", "epsilon.test", "--no-start")
    epsilon = stack.site_dir("epsilon") / "volumes" / "www"
    old_uid = epsilon.stat().st_uid
    stack.script("site.sh", "remove", "epsilon")  # its files are kept
    stack.script("site.sh", "add", "zeta", "--host", "zeta.test", "--no-start")
    zeta_uid = (stack.site_dir("zeta") / "volumes" / "www").stat().st_uid
    assert zeta_uid != old_uid and zeta_uid > old_uid, (old_uid, zeta_uid)
    assert epsilon.stat().st_uid == old_uid, "the old tenant's files keep their owner, whom nobody else is"
    stack.script("site.sh", "add", "epsilon", "--host", "epsilon.test", "--no-start")
    assert epsilon.stat().st_uid == old_uid, "the same site added again gets its own uid back"
    record = (stack.root / "webvps" / ".site-ids").read_text()
    assert re.search(rf"^{old_uid - 10000} epsilon ", record, re.M), record
    for site in ("epsilon", "zeta"):
        stack.script("site.sh", "remove", site, "--purge")


# --- 6. deep trees in a jail: last, it takes beta's shell and then beta away ---

def make_deep_tree(top, depth, uid):
    """What a webmaster's `mkdir -p a/a/a/...` 100,000 levels deep leaves, made as the site's uid."""
    # Opened as root first: pytest's temporary directories above it are root's, 0700.
    top_fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.fchdir(top_fd)
            for _ in range(depth):
                os.mkdir("d")
                os.chdir("d")
            open("leaf", "w").close()
            os._exit(0)
        except BaseException:
            os._exit(1)
    os.close(top_fd)
    assert os.waitpid(pid, 0)[1] == 0


def leaf_exists(top, depth):
    """Walks down by descriptors (the path is too long to name at once)."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            next_fd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        os.stat("leaf", dir_fd=fd)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def test_a_hundred_thousand_levels_in_tmp_survive_shell_to_sftp_and_removal(stack):
    tmp = stack.site_dir("beta") / "volumes" / "tmp"
    make_deep_tree(tmp, 100_000, BETA)
    session = subprocess.Popen(["ssh", "-p", str(stack.ssh_port), "-o", "StrictHostKeyChecking=no", "-o",
                                "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "PreferredAuthentications=password",
                                "-o", "PubkeyAuthentication=no", "beta@127.0.0.1", "sleep 120"], stdin=subprocess.DEVNULL,
                               env=askpass_environment(stack.tmp, stack.passwords["beta"]))
    time.sleep(2)
    stack.script("site.sh", "set", "beta", "--ssh", "sftp")
    wait_until(lambda: not (stack.site_dir("beta") / "volumes" / "usr").exists(), timeout=30, what="beta's shell jail removed")
    assert session.wait(timeout=30) != 0, "the shell session ended with the shell"
    assert leaf_exists(tmp, 100_000), "nothing of the webmaster's was deleted"
    logs = stack_log(stack, "sshd")
    assert re.search(r"site beta: sftp jail: .* of the webmaster's kept", logs), logs[-2000:]
    assert "site beta: its shell is gone" in logs
    assert stack.sftp("beta", "ls\n").returncode == 0 and stack.ssh("alpha", "echo still").stdout == "still\n"
    # Taken out of the registry: the login and the jail go, the files stay.
    stack.script("site.sh", "remove", "beta")
    wait_until(lambda: "site beta" not in docker("exec", stack.container("sshd"), "sshd-chroot", "list").stdout, timeout=30,
               what="beta's login gone")
    assert leaf_exists(tmp, 100_000)
    assert stack.ssh("alpha", "echo still").stdout == "still\n", "the other sites keep logging in"
    assert docker("inspect", "-f", "{{.State.Health.Status}}", stack.container("sshd")).stdout.strip() == "healthy"
    # Purged: the whole tree goes, iteratively.
    result = stack.script("site.sh", "remove", "beta", "--purge")
    assert "files are deleted" in result.stdout
    assert not stack.site_dir("beta").exists()
