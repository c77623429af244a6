"""A host moved from Debian's Compose 1.29 to Compose v2 and back with `make up` alone
(scripts/up.sh), as a hoster who installs Docker's compose plugin on a running host would: the
shared stack and every site taken over, each site's web container recreated once, beside itself,
with no failed request of a client looping on it; the lamp site's database taken over too; the
proxy network (made by scripts/stack.sh, external to both) shared; `make down` under either
version leaves nothing behind. Needs both versions: `make test` builds v2 from the Go module proxy
(scripts/install-compose-v2.sh) and runs this file with it, or reports it as not run."""
import subprocess
import time

import pytest

from conftest import docker, wait_until
from stack import REPO, LoopingClient, Stack

SITES = ("alpha", "beta")
SHARED = ("proxy", "proxy-gen", "sshd", "mailer")
DB_PAGE = ("<?php $c = parse_ini_file('/var/www/conf/database.ini');\n"
           "$db = new mysqli($c['host'], $c['user'], $c['password'], $c['name']);\n"
           "echo 'db ', $db->query('SELECT 40 + 2')->fetch_row()[0];\n")


def installed(command):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30).returncode == 0
    except OSError:
        return False


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    missing = [name for name, command in (("docker-compose 1.29 (apt-get install docker-compose)", ["docker-compose", "version"]),
                                          ("Compose v2 (scripts/install-compose-v2.sh)", ["docker", "compose", "version"]))
               if not installed(command)]
    if missing:
        pytest.fail("moving a host between Compose versions needs both; missing: " + ", ".join(missing))
    root = tmp_path_factory.mktemp("versions") / "data"
    s = Stack(root)
    s.env.update(WEBVPS_DEMO="0", WEBVPS_COMPOSE="v1")
    try:
        s.script("up.sh")
        s.script("site.sh", "add", "alpha", "--host", "alpha.test", "--email", "owner@alpha.test", "--lamp")
        s.script("site.sh", "add", "beta", "--host", "beta.test", "--email", "owner@beta.test")
        s.new_password("alpha")
        s.upload("alpha", "html/db.php", DB_PAGE)
        yield s
    finally:
        s.teardown()
        subprocess.run(["rm", "-rf", "--one-file-system", str(root)], check=False)


def made_by(container):
    """The major version of the Compose that made a container ("1" or "2")."""
    label = docker("inspect", "-f", '{{index .Config.Labels "com.docker.compose.version"}}', container).stdout.strip()
    return label.split(".")[0]


def web(stack, site):
    ids = stack.site_container(site).split()
    assert len(ids) == 1, f"{site} has {len(ids)} web containers: {ids}"
    return ids[0]


def shared(stack):
    ids = {service: stack.container(service) for service in SHARED}
    assert all(ids.values()), f"a shared service is not running: {ids}"
    return ids


def serving(stack):
    for site in SITES:
        wait_until(lambda: stack.status(f"{site}.test") == 200, timeout=90, what=f"{site} through the proxy")
    wait_until(lambda: stack.get("alpha.test", "/db.php")[1] == "db 42", timeout=90, what="alpha's PHP reaching its MariaDB")


def take_over(stack, version, major):
    stack.env["WEBVPS_COMPOSE"] = version
    # The shared stack first (as `make up` does): the other version's containers are recreated
    # once; the proxy with them (its restart is the only gap, before the sites are touched).
    result = stack.script("stack.sh", "up")
    assert "obsolete" not in result.stdout + result.stderr, "no `version:` key in the compose files"
    ids = shared(stack)
    assert {service: made_by(i) for service, i in ids.items()} == {service: major for service in SHARED}
    serving(stack)
    webs = {site: web(stack, site) for site in SITES}
    assert {site: made_by(i) for site, i in webs.items()} != {site: major for site in SITES}, "the sites are the other version's"
    db = stack.site_container("alpha", "db")

    with LoopingClient(stack, "alpha.test") as alpha, LoopingClient(stack, "beta.test") as beta:
        time.sleep(1)
        result = stack.script("up.sh")
        time.sleep(1)
    alpha.check(stack)
    beta.check(stack)
    assert "obsolete" not in result.stdout + result.stderr
    taken = {site: web(stack, site) for site in SITES}
    for site in SITES:
        assert taken[site] != webs[site], f"{site}'s web container is recreated by {version}"
        assert made_by(taken[site]) == major, f"{site}'s web container is {version}'s"
    new_db = stack.site_container("alpha", "db")
    assert new_db != db and made_by(new_db) == major, "the database is taken over too"
    assert shared(stack) == ids, "the shared stack is not recreated twice"
    serving(stack)
    assert stack.sftp("alpha", "ls html\n").returncode == 0, "the same SFTP password"

    # `make up` again changes nothing: each container was recreated once.
    stack.script("up.sh")
    assert {site: web(stack, site) for site in SITES} == taken
    assert stack.site_container("alpha", "db") == new_db
    assert shared(stack) == ids


def test_every_container_is_made_by_1_29_to_begin_with(stack):
    assert {service: made_by(i) for service, i in shared(stack).items()} == {service: "1" for service in SHARED}
    assert all(made_by(web(stack, site)) == "1" for site in SITES)
    network = docker("network", "inspect", "-f", '{{index .Labels "org.webvps.network"}}', f"{stack.project}-proxy").stdout.strip()
    assert network == "proxy", "the proxy network is the stack's, made by scripts/stack.sh, not by compose"
    serving(stack)


def test_compose_v2_takes_over_a_host_of_1_29_with_make_up_alone(stack):
    take_over(stack, "v2", "2")


def test_and_1_29_takes_it_back(stack):
    take_over(stack, "v1", "1")


def test_make_down_under_either_version_leaves_nothing_running(stack):
    for version in ("v2", "v1"):
        stack.env["WEBVPS_COMPOSE"] = version
        stack.script("up.sh")
        serving(stack)
        stack.script("down.sh")
        left = docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={stack.project}").stdout.split()
        left += [i for site in SITES
                 for i in docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={stack.project}-site-{site}").stdout.split()]
        assert not left, f"make down under {version} left containers: {left}"
        gone = docker("network", "inspect", f"{stack.project}-proxy", check=False)
        assert gone.returncode != 0, f"make down under {version} left the proxy network"


def test_names_compose_v2_refuses_are_refused_before_either_version_sees_them(tmp_path):
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "WEBVPS_ROOT": str(tmp_path / "data")}
    for variable, value, says in (("WEBVPS_PROJECT", "Webvps", "WEBVPS_PROJECT: 'Webvps' is not a compose project name"),
                                  ("WEBVPS_PROJECT", "-x", "WEBVPS_PROJECT: '-x' is not a compose project name"),
                                  ("WEBVPS_SITE_PREFIX", "Site.", "WEBVPS_SITE_PREFIX: 'Site.' cannot start a compose project name"),
                                  ("WEBVPS_COMPOSE", "v3", "WEBVPS_COMPOSE: 'v3' is none of v2, v1, auto")):
        result = subprocess.run([str(REPO / "scripts" / "stack.sh"), "up"], env=dict(env, **{variable: value}),
                                capture_output=True, text=True, timeout=60)
        assert result.returncode != 0 and says in result.stderr, (variable, value, result.stderr)
    assert not (tmp_path / "data").exists(), "nothing was made"
