"""proxy-gen in the real webvps/proxy image against the real Docker engine: sites are reached
by host name through the proxy the way a browser reaches them (HTTP and HTTPS with SNI)."""
import base64
import hashlib
import json
import os
import pathlib
import random
import socket
import ssl
import subprocess
import threading
import time
import uuid

import pytest

from conftest import docker, wait_for_health, wait_until

SOCKET = "/var/run/docker.sock"



def http_get(ip, host, path="/", timeout=3, method="GET", headers=()):
    """GET (or `method`) through the proxy with a Host header; returns (status, body, headers)."""
    with socket.create_connection((ip, 80), timeout=timeout) as sock:
        return _exchange(sock, host, path, method, headers)


def https_get(ip, host, cafile, path="/", timeout=3):
    """GET over TLS with SNI `host`, verifying the certificate against `cafile`."""
    context = ssl.create_default_context(cafile=str(cafile))
    with socket.create_connection((ip, 443), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname=host) as sock:
            return _exchange(sock, host, path)


def _exchange(sock, host, path, method="GET", headers=()):
    extra = "".join(f"{header}\r\n" for header in headers)
    length = "Content-Length: 0\r\n" if method == "POST" else ""
    sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}{length}Connection: close\r\n\r\n".encode())
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), body.decode(errors="replace"), headers


def status_of(ip, host, path="/"):
    try:
        return http_get(ip, host, path)[0]
    except OSError:
        return None


def ip_of(container, network):
    networks = json.loads(docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", container).stdout)
    return networks[network]["IPAddress"]


def status_json(ip, path):
    with socket.create_connection((ip, 9101), timeout=3) as sock:
        status, body, _ = _exchange(sock, "status", path)
    return status, body


def metric(ip, line_start):
    """The value of the first /metrics sample whose line starts with `line_start`, or 0."""
    _, body = status_json(ip, "/metrics")
    for line in body.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


class Stack:
    """A test network, a proxy and backends; everything is removed at the end."""

    def __init__(self, tmp_path):
        self.tag = uuid.uuid4().hex[:8]
        self.network = f"webvps-test-proxy-{self.tag}"
        # An explicit subnet, so that a test can move a backend to an address of its choice.
        self.prefix = f"10.{random.randint(100, 250)}.{random.randint(0, 250)}"
        self.containers = []
        self.tmp = tmp_path
        for sub in ("certs", "vhost.d", "htpasswd", "acme"):
            (tmp_path / sub).mkdir()
        docker("network", "create", "--subnet", f"{self.prefix}.0/24", self.network)

    def run(self, name, *args):
        full = f"webvps-test-{name}-{self.tag}"
        self.containers.append(full)
        docker("run", "-d", "--name", full, *args)
        return full

    def proxy(self, *extra, docker_socket=SOCKET, network=True, name="proxy"):
        args = ["--network", self.network] if network else ["--network", "none"]
        name = self.run(name, *args,
                        "-v", f"{docker_socket}:/var/run/docker.sock:ro" if docker_socket == SOCKET else docker_socket,
                        "-v", f"{self.tmp / 'certs'}:/etc/nginx/certs:ro",
                        "-v", f"{self.tmp / 'vhost.d'}:/etc/nginx/vhost.d:ro",
                        "-v", f"{self.tmp / 'htpasswd'}:/etc/nginx/htpasswd:ro",
                        "-v", f"{self.tmp / 'acme'}:/usr/share/nginx/html/.well-known/acme-challenge:ro",
                        "--health-interval", "1s", "-e", "WEBVPS_PROXY_GEN_STATUS_ADDRESS=:9101",
                        "-e", "WEBVPS_PROXY_GEN_DOCKER_RECONNECT_MAX=500ms",
                        "-e", "WEBVPS_PROXY_GEN_DOCKER_PING_INTERVAL=1s",
                        *extra, "webvps/proxy")
        return name

    def backend(self, name, host=None, *extra, env=(), ip=None, body=None):
        """A small nginx answering `body` (default `<name>`; nginx variables allowed) on port 80,
        without Docker health check unless asked."""
        body = body if body is not None else name
        conf = ('pid /tmp/nginx.pid; events {} http { access_log off; server { listen 80; '
                f'location / {{ return 200 "{body}\\n"; }} }} }}')
        args = ["--network", self.network, "-e", f"CONF={conf}"]
        if ip:
            args += ["--ip", ip]
        if host is not None:
            args += ["-e", f"VIRTUAL_HOST={host}"]
        for item in env:
            args += ["-e", item]
        if not any(arg.startswith("--health") for arg in extra):
            args.append("--no-healthcheck")
        return self.run(name, *args, *extra, "--entrypoint", "sh", "webvps/proxy", "-c",
                        'echo "$CONF" > /tmp/backend.conf && exec nginx -c /tmp/backend.conf -g "daemon off;"')

    def logs(self, container):
        result = docker("logs", container, check=False)
        return result.stdout + result.stderr

    def close(self):
        for name in reversed(self.containers):
            docker("rm", "-f", "-v", name, check=False)
        docker("network", "rm", self.network, check=False)


@pytest.fixture
def stack(tmp_path):
    s = Stack(tmp_path)
    try:
        yield s
    finally:
        s.close()


def make_certificate(directory, host):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={host}",
                    "-addext", f"subjectAltName=DNS:{host}",
                    "-keyout", directory / f"{host}.key.tmp", "-out", directory / f"{host}.crt.tmp"],
                   check=True, capture_output=True)
    # Key first, then the certificate, each renamed into place as a certificate tool would.
    os.rename(directory / f"{host}.key.tmp", directory / f"{host}.key")
    os.rename(directory / f"{host}.crt.tmp", directory / f"{host}.crt")
    return directory / f"{host}.crt"


def test_two_sites_answer_by_host_name_and_an_unknown_host_gets_503(stack):
    proxy = stack.proxy()
    stack.backend("alpha", "alpha.test,www.alpha.test")
    stack.backend("beta", "beta.test")
    ip = ip_of(proxy, stack.network)
    wait_for_health(proxy, "healthy", timeout=30)
    assert wait_until(lambda: http_get(ip, "alpha.test")[0] == 200, what="alpha.test")
    assert http_get(ip, "alpha.test")[1] == "alpha\n"
    assert http_get(ip, "www.alpha.test")[1] == "alpha\n"
    assert wait_until(lambda: http_get(ip, "beta.test")[1] == "beta\n", what="beta.test")
    assert http_get(ip, "unknown.test")[0] == 503
    status, body = status_json(ip, "/vhosts")
    vhosts = json.loads(body)
    assert status == 200 and {"alpha.test", "www.alpha.test", "beta.test"} <= set(vhosts["hosts"])
    assert vhosts["hosts"]["beta.test"]["locations"]["/"]["backends"][0]["container"].startswith("webvps-test-beta-")
    # HTTPS for a host without a certificate is refused, not answered with another site's.
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        https_get(ip, "alpha.test", make_certificate(stack.tmp, "unrelated.test"))


def test_a_stopped_site_gives_503_and_a_restart_on_a_new_address_answers_again(stack):
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    site = stack.backend("moving", "moving.test", ip=f"{stack.prefix}.50")
    assert wait_until(lambda: status_of(ip, "moving.test") == 200, what="the site")
    docker("stop", "-t", "1", site)
    assert wait_until(lambda: status_of(ip, "moving.test") == 503, what="503 after the stop")
    docker("network", "disconnect", stack.network, site)
    docker("network", "connect", "--ip", f"{stack.prefix}.60", stack.network, site)
    docker("start", site)
    assert ip_of(site, stack.network) == f"{stack.prefix}.60"
    assert wait_until(lambda: status_of(ip, "moving.test") == 200, what="the site on its new address")
    config = docker("exec", proxy, "cat", "/etc/nginx/conf.d/default.conf").stdout
    assert f"{stack.prefix}.60:80" in config and f"{stack.prefix}.50:80" not in config


HOSTILE = [
    ("semicolon", "evil.test;return 200 pwned"),
    ("brace", "evil.test}server{listen 81"),
    ("newline", "evil.test\ninclude /etc/passwd"),
    ("quote", "evil.test\"pwned"),
    ("variable", "$host"),
]


def test_hostile_containers_are_left_out_and_the_others_served(stack):
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    stack.backend("good", "good.test")
    for label, host in HOSTILE:
        stack.backend(f"hostile-{label}", host)
    # Passes the grammar (a regular expression), but nginx refuses it: proxy-gen must find it.
    stack.backend("badregex", "~^(unclosed")
    stack.backend("badport", "port.test", env=["VIRTUAL_PORT=80;"])
    assert wait_until(lambda: status_of(ip, "good.test") == 200, what="the good site")

    def settled():
        vhosts = json.loads(status_json(ip, "/vhosts")[1])
        return vhosts if len(vhosts["rejected"]) == len(HOSTILE) + 1 and vhosts["left_out_by_nginx"] else None

    vhosts = wait_until(settled, what="every hostile container looked at")
    assert set(vhosts["hosts"]) == {"good.test"}
    rejected = {r["container"].split("-" + stack.tag)[0]: r for r in vhosts["rejected"]}
    for label, _ in HOSTILE:
        assert rejected[f"webvps-test-hostile-{label}"]["setting"] == "VIRTUAL_HOST"
    assert rejected["webvps-test-badport"]["setting"] == "VIRTUAL_PORT"
    assert any("badregex" in entry["what"] for entry in vhosts["left_out_by_nginx"]), vhosts
    config = docker("exec", proxy, "cat", "/etc/nginx/conf.d/default.conf").stdout
    assert "pwned" not in config and "unclosed" not in config and "/etc/passwd" not in config
    assert metric(ip, 'webvps_proxy_rejections_total{setting="VIRTUAL_HOST"}') == len(HOSTILE)
    assert metric(ip, "webvps_proxy_nginx_exclusions_total") >= 1
    assert metric(ip, "webvps_proxy_rejected_containers") == len(HOSTILE) + 2
    logs = stack.logs(proxy)
    assert f"container webvps-test-hostile-semicolon-{stack.tag} left out: VIRTUAL_HOST: " in logs
    assert f"container webvps-test-badregex-{stack.tag} left out: nginx refused the config with it" in logs
    # Still healthy: one bad container is not the proxy's failure.
    assert docker("exec", proxy, "proxy-gen", "--health").stdout == "ok\n"


def test_a_certificate_dropped_in_enables_https_without_any_container_event(stack):
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    stack.backend("secure", "secure.test")
    assert wait_until(lambda: status_of(ip, "secure.test") == 200, what="HTTP before the certificate")
    reloads = metric(ip, 'webvps_proxy_reloads_total{result="ok"}')
    cert = make_certificate(stack.tmp / "certs", "secure.test")
    status, body, _ = wait_until(lambda: https_get(ip, "secure.test", cert), what="HTTPS with the new certificate")
    assert (status, body) == (200, "secure\n")
    # HTTP/2 on TLS: offered by ALPN.
    context = ssl.create_default_context(cafile=str(cert))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection((ip, 443), timeout=3) as raw, context.wrap_socket(raw, server_hostname="secure.test") as tls:
        assert tls.selected_alpn_protocol() == "h2"
    assert metric(ip, 'webvps_proxy_reloads_total{result="ok"}') > reloads
    # With a certificate, HTTP redirects to HTTPS (nginx-proxy's default), but not ACME challenges.
    status, _, headers = http_get(ip, "secure.test", "/page?x=1")
    assert status == 301 and headers["location"] == "https://secure.test/page?x=1"
    assert http_get(ip, "secure.test", "/.well-known/acme-challenge/token")[0] == 404
    # Another host's name on HTTPS gets no certificate at all.
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        https_get(ip, "other.test", cert)


def test_a_starting_backend_is_served_at_once_and_an_unhealthy_one_gets_the_503_page(stack):
    proxy = stack.proxy()
    waiting = stack.proxy("-e", "WEBVPS_PROXY_GEN_PROXY_REQUIRE_HEALTHY=true", name="waiting-proxy")
    ip, waiting_ip = ip_of(proxy, stack.network), ip_of(waiting, stack.network)
    site = stack.backend("slow", "slow.test", "--health-cmd", "test -f /tmp/ready && test ! -f /tmp/sick",
                         "--health-interval", "1s", "--health-retries", "1", "--health-start-period", "60s")
    # Docker says `starting` for up to a minute: served anyway, since it answers.
    assert wait_until(lambda: status_of(ip, "slow.test") == 200, what="traffic to the starting backend")
    assert json.loads(docker("inspect", "--format", "{{json .State.Health.Status}}", site).stdout) == "starting"
    # proxy.require_healthy waits for Docker's `healthy`: the 503 page meanwhile, never a 502.
    # (The catch-all's own 503 comes first, until the waiting proxy has rendered the host.)
    assert wait_until(lambda: "This site is starting or stopped" in http_get(waiting_ip, "slow.test")[1],
                      what="the 503 page of the waiting proxy")
    status, body, headers = http_get(waiting_ip, "slow.test")
    assert "This site is starting or stopped" in body and headers["retry-after"] == "5"
    vhosts = json.loads(status_json(waiting_ip, "/vhosts")[1])
    assert vhosts["hosts"]["slow.test"]["locations"]["/"]["backends"][0]["ready"] is False
    docker("exec", site, "touch", "/tmp/ready")
    assert wait_until(lambda: status_of(waiting_ip, "slow.test") == 200, what="traffic once healthy")
    # Unhealthy: out at once, on both.
    docker("exec", site, "touch", "/tmp/sick")
    assert wait_until(lambda: status_of(ip, "slow.test") == 503 and status_of(waiting_ip, "slow.test") == 503,
                      what="the 503 page once unhealthy")
    docker("exec", site, "rm", "/tmp/sick")
    assert wait_until(lambda: status_of(ip, "slow.test") == 200, what="traffic once healthy again")


def test_the_real_site_image_is_served_before_dockers_first_health_check_and_never_gives_502(stack, tmp_path):
    """webvps/phpserver with its own HEALTHCHECK (every 30 s): routed once Apache answers."""
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    wait_for_health(proxy, "healthy", timeout=30)
    www = tmp_path / "www"
    www.mkdir()
    site = stack.run("php", "--network", stack.network, "-v", f"{www}:/var/www", "-e", "VIRTUAL_HOST=php.test",
                     "-e", "WORKER_NAME=php", "-e", "WORKER_UID=10001", "-e", "HOST_DOMAIN_NAME=php.test",
                     "-e", "SERVER_MAIL=web@php.test", "--cap-drop", "ALL", "--cap-add", "CHOWN", "--cap-add", "SETUID",
                     "--cap-add", "SETGID", "--sysctl", "net.ipv4.ip_unprivileged_port_start=0", "webvps/phpserver")

    def answers():
        seen = set()
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline:
            status = status_of(ip, "php.test")
            seen.add(status)
            if status == 200:
                return seen
            time.sleep(0.05)
        raise AssertionError(f"php.test was not served within 25 s; answers: {seen}")

    seen = answers()
    health = json.loads(docker("inspect", "--format", "{{json .State.Health.Status}}", site).stdout)
    assert health == "starting", "served before Docker's first health check"
    assert seen <= {200, 503, None}, f"only the catch-all's or the site's 503, never a 502: {seen}"
    # A restart: the 503 page meanwhile, never a 502, and served again before any health check.
    docker("restart", "-t", "5", site)
    seen = answers()
    assert seen <= {200, 503, None}, f"no 502 across a restart: {seen}"


def test_upstream_connections_are_kept_and_a_websocket_still_upgrades(stack):
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    # The backend answers with its connection's serial number: kept connections repeat it.
    stack.backend("kept", "kept.test", body="$connection")
    assert wait_until(lambda: status_of(ip, "kept.test") == 200, what="the site")
    connections = [http_get(ip, "kept.test")[1].strip() for _ in range(20)]
    # 20 client connections; one upstream connection per nginx worker (two cores) would do.
    assert len(set(connections)) <= 4, f"a new backend connection per request: {connections}"
    # A websocket: the upgrade and the bytes both ways pass through the keepalive upstream.
    stack.run("ws", "--network", stack.network, "-e", "VIRTUAL_HOST=ws.test", "-e", "VIRTUAL_PORT=8080",
              "--no-healthcheck", "--entrypoint", "php", "webvps/phpserver", "-r", WEBSOCKET_ECHO)
    key = "dGhlIHNhbXBsZSBub25jZQ=="

    def upgraded():
        sock = socket.create_connection((ip, 80), timeout=3)
        sock.sendall(f"GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                raise OSError(f"closed after {head!r}")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            sock.close()
            raise OSError(f"not upgraded: {head[:200]!r}")
        return sock, head

    sock, head = wait_until(upgraded, what="the websocket upgrade")
    with sock:
        assert b"sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=" in head.lower()
        sock.sendall(b"hello over the tunnel\n")
        echoed = b""
        while not echoed.endswith(b"\n"):
            echoed += sock.recv(4096)
        assert echoed == b"echo: hello over the tunnel\n"
    assert status_of(ip, "kept.test") == 200


# One connection at a time: the RFC 6455 handshake, then every line back with "echo: ".
WEBSOCKET_ECHO = r"""
$server = stream_socket_server("tcp://0.0.0.0:8080", $errno, $error) or die($error);
while ($client = stream_socket_accept($server, -1)) {
    $head = "";
    while (!str_contains($head, "\r\n\r\n") && ($line = fgets($client)) !== false) $head .= $line;
    if (!preg_match('/^Sec-WebSocket-Key: *(\S+)/mi', $head, $key) || !preg_match('/^Connection:.*upgrade/mi', $head)) {
        fwrite($client, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        fclose($client);
        continue;
    }
    $accept = base64_encode(sha1($key[1] . "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", true));
    fwrite($client, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  . "Sec-WebSocket-Accept: $accept\r\n\r\n");
    while (($line = fgets($client)) !== false) fwrite($client, "echo: " . $line);
    fclose($client);
}
"""


def test_forwarded_headers_a_client_sends_never_reach_a_site(stack):
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    stack.backend("told", "told.test", body="proto=$http_x_forwarded_proto for=$http_x_forwarded_for port=$http_x_forwarded_port "
                  "host=$http_x_forwarded_host ssl=$http_x_forwarded_ssl")
    assert wait_until(lambda: status_of(ip, "told.test") == 200, what="the site")
    with socket.create_connection((ip, 80), timeout=3) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: told.test\r\nX-Forwarded-Proto: https\r\n"
                     b"X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Port: 443\r\nX-Forwarded-Host: admin.test\r\n"
                     b"X-Forwarded-Ssl: on\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    client = subprocess.run(["ip", "-o", "route", "get", ip], capture_output=True, text=True).stdout.split(" src ")[1].split()[0]
    assert data.decode().endswith(f"proto=http for={client} port=80 host=told.test ssl=off\n"), data.decode()
    # nginx-proxy's TRUST_DOWNSTREAM_PROXY=true: the proxy in front is believed (here, anyone is).
    trusting = ip_of(stack.proxy("-e", "TRUST_DOWNSTREAM_PROXY=true", name="trusting-proxy"), stack.network)
    forwarded = ("X-Forwarded-Proto: https", "X-Forwarded-For: 192.0.2.10", "X-Forwarded-Port: 443",
                 "X-Forwarded-Host: shop.example")
    assert wait_until(lambda: status_of(trusting, "told.test") == 200, what="the site through the trusting proxy")
    body = http_get(trusting, "told.test", headers=forwarded)[1]
    assert body == f"proto=https for=192.0.2.10, {client} port=443 host=shop.example ssl=on\n", body


def test_acme_challenges_are_answered_by_the_proxy_for_hosts_without_a_certificate(stack):
    """nginx-proxy's ACME_HTTP_CHALLENGE_LOCATION: an ACME client's webroot, for every HTTP host."""
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    stack.backend("nocert", "nocert.test")
    stack.backend("noredirect", "noredirect.test", env=("HTTPS_METHOD=noredirect",))
    stack.backend("own", "own.test", env=("ACME_HTTP_CHALLENGE_LOCATION=false",))
    (stack.tmp / "acme" / "tok3n").write_text("tok3n.thumbprint\n")
    for host in ("nocert.test", "noredirect.test"):
        assert wait_until(lambda: http_get(ip, host, "/.well-known/acme-challenge/tok3n")[1] == "tok3n.thumbprint\n",
                          what=f"the challenge on {host}")
        assert http_get(ip, host, "/.well-known/acme-challenge/other")[0] == 404
        assert http_get(ip, host)[1] == host.split(".")[0] + "\n", "everything else still goes to the site"
    # A container that answers its own challenges keeps them.
    assert wait_until(lambda: http_get(ip, "own.test", "/.well-known/acme-challenge/tok3n")[1] == "own\n",
                      what="the site's own challenge path")


def test_a_wildcard_host_gets_its_domains_certificate(stack):
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    stack.backend("wild", "*.wild.test")
    certs = stack.tmp / "certs"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=*.wild.test", "-addext", "subjectAltName=DNS:*.wild.test,DNS:wild.test",
                    "-keyout", certs / "wild.test.key", "-out", certs / "wild.test.crt"], check=True, capture_output=True)
    status, body, _ = wait_until(lambda: https_get(ip, "shop.wild.test", certs / "wild.test.crt"), what="HTTPS for a wildcard host")
    assert (status, body) == (200, "wild\n")
    status, _, headers = http_get(ip, "blog.wild.test", "/x")
    assert status == 301 and headers["location"] == "https://blog.wild.test/x"


def test_a_host_with_paths_only_answers_404_elsewhere_not_the_proxys_web_root(stack):
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    stack.backend("api", "api.test", env=("VIRTUAL_PATH=/v1/",), body="api")
    assert wait_until(lambda: http_get(ip, "api.test", "/v1/users")[0] == 200, what="the path")
    for path in ("/", "/index.html", "/50x.html"):
        status, body, _ = http_get(ip, "api.test", path)
        assert status == 404 and "welcome to nginx" not in body.lower(), (path, status, body[:200])


def test_the_socket_where_nginx_proxys_examples_mount_it_is_found(stack):
    proxy = stack.proxy(docker_socket=f"{SOCKET}:/tmp/docker.sock:ro")
    ip = ip_of(proxy, stack.network)
    stack.backend("tmpsock", "tmpsock.test")
    assert wait_until(lambda: status_of(ip, "tmpsock.test") == 200, what="a site through /tmp/docker.sock")
    assert "following Docker at /tmp/docker.sock" in stack.logs(proxy)


def test_an_admin_conf_d_file_with_its_own_default_server_freezes_nothing(stack):
    """nginx-proxy users put their own default server in conf.d: every site is still served."""
    admin = stack.tmp / "admin.conf"
    admin.write_text("server {\n    listen 80 default_server;\n    server_name _;\n    return 418;\n}\n")
    proxy = stack.proxy("-v", f"{admin}:/etc/nginx/conf.d/admin.conf:ro")
    ip = ip_of(proxy, stack.network)
    stack.backend("served", "served.test")
    assert wait_until(lambda: status_of(ip, "served.test") == 200, what="the site beside the admin's default server")
    assert status_of(ip, "nobody.test") == 418, "the admin's default server answers unknown hosts"
    assert "refused" not in stack.logs(proxy)


def test_an_nginx_proxy_setting_webvps_does_not_read_is_named_in_the_log(stack):
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    stack.backend("multi", "multi.test", "--label", "com.github.nginx-proxy.nginx-proxy.http2.enable=false",
                  env=("SERVER_TOKENS=on",))
    assert wait_until(lambda: status_of(ip, "multi.test") == 200, what="the site, served without the setting")
    logs = stack.logs(proxy)
    name = f"webvps-test-multi-{stack.tag}"
    assert f"container {name}: SERVER_TOKENS: an nginx-proxy setting webvps does not read" in logs
    assert f"container {name}: label com.github.nginx-proxy.nginx-proxy.http2.enable: an nginx-proxy setting" in logs
    assert "server_tokens" not in docker("exec", proxy, "cat", "/etc/nginx/conf.d/default.conf").stdout
    assert json.loads(status_json(ip, "/vhosts")[1])["unsupported"] == [
        f"{name}: SERVER_TOKENS", f"{name}: label com.github.nginx-proxy.nginx-proxy.http2.enable"]


def sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


def test_per_path_wildcard_and_regex_files_are_included_as_nginx_proxy_names_them(stack):
    vhost, htpasswd = stack.tmp / "vhost.d", stack.tmp / "htpasswd"
    api = f"app.test_{sha1('/api/')}"
    (vhost / f"{api}_location").write_text("add_header X-File api-location;\n")
    (vhost / "app.test_location").write_text("add_header X-File app-location;\n")
    password = subprocess.run(["openssl", "passwd", "-apr1", "s3cret"], capture_output=True, text=True, check=True).stdout.strip()
    (htpasswd / api).write_text(f"webmaster:{password}\n")
    (vhost / "*.wild.test_location").write_text("add_header X-File wild-location;\n")
    # A file of another host that a glob `*.wild.test_location` would also include: it must not be.
    (vhost / "x.wild.test_location").write_text("add_header X-Decoy included;\n")
    (vhost / f"{sha1('~^re[0-9]+[.]test$')}_location").write_text("add_header X-File regex-location;\n")
    (vhost / "over.test_location_override").write_text('location / {\n    return 200 "overridden\\n";\n}\n')
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    stack.backend("root", "app.test")
    stack.backend("api", "app.test", env=("VIRTUAL_PATH=/api/",))
    stack.backend("wild", "*.wild.test")
    stack.backend("regex", "~^re[0-9]+[.]test$")
    stack.backend("over", "over.test")
    assert wait_until(lambda: status_of(ip, "over.test") == 200 and status_of(ip, "re7.test") == 200, what="the hosts")
    status, body, headers = http_get(ip, "app.test", "/")
    assert (status, body, headers.get("x-file")) == (200, "root\n", "app-location")
    assert http_get(ip, "app.test", "/api/x")[0] == 401, "the per-path htpasswd file guards /api/ only"
    basic = "Authorization: Basic " + base64.b64encode(b"webmaster:s3cret").decode()
    status, body, headers = http_get(ip, "app.test", "/api/x", headers=(basic,))
    assert (status, body, headers.get("x-file")) == (200, "api\n", "api-location")
    status, body, headers = http_get(ip, "shop.wild.test")
    assert (status, body, headers.get("x-file"), headers.get("x-decoy")) == (200, "wild\n", "wild-location", None)
    status, body, headers = http_get(ip, "re7.test")
    assert (status, body, headers.get("x-file")) == (200, "regex\n", "regex-location")
    assert http_get(ip, "over.test")[:2] == (200, "overridden\n"), "the override replaces the location, proxy_pass and all"


def test_default_root_missing_certificates_and_redirects_of_posts_as_nginx_proxy_sets_them(stack):
    make_certificate(stack.tmp / "certs", "post.test")
    proxy = stack.proxy("-e", "DEFAULT_ROOT=418", "-e", "EXTERNAL_HTTPS_PORT=8443")
    ip = ip_of(proxy, stack.network)
    stack.backend("paths", "paths.test", env=("VIRTUAL_PATH=/v1/",))
    stack.backend("strict", "strict.test", env=("HTTPS_METHOD=nohttp", "ENABLE_HTTP_ON_MISSING_CERT=false"))
    stack.backend("lenient", "lenient.test", env=("HTTPS_METHOD=nohttp",))
    stack.backend("post", "post.test", "--label", "com.github.nginx-proxy.nginx-proxy.loadbalance=least_conn",
                  "--label", "com.github.nginx-proxy.nginx-proxy.keepalive=disabled", env=("NON_GET_REDIRECT=308",))
    assert wait_until(lambda: status_of(ip, "paths.test", "/v1/") == 200 and status_of(ip, "lenient.test") == 200 and
                      status_of(ip, "post.test") == 301, what="the hosts")
    assert status_of(ip, "paths.test", "/") == 418, "DEFAULT_ROOT"
    assert status_of(ip, "strict.test") == 503, "nohttp without a certificate and ENABLE_HTTP_ON_MISSING_CERT=false: the catch-all"
    status, _, headers = http_get(ip, "post.test", "/form")
    assert (status, headers["location"]) == (301, "https://post.test:8443/form")
    status, _, headers = http_get(ip, "post.test", "/form", method="POST")
    assert (status, headers["location"]) == (308, "https://post.test:8443/form"), "a POST keeps its method through the redirect"
    config = docker("exec", proxy, "cat", "/etc/nginx/conf.d/default.conf").stdout
    assert "    least_conn;  # label loadbalance\n" in config
    post_upstream = config[config.index("# post.test"):config.index("server {", config.index("# post.test"))]
    assert "keepalive" not in post_upstream


class SocketRelay:
    """A Unix socket relay to the Docker daemon that the test can cut and restore."""

    def __init__(self, directory):
        self.path = str(directory / "docker.sock")
        self.listener = None
        self.connections = []
        self.lock = threading.Lock()

    def start(self):
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(SOCKET)
            with self.lock:
                self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        self.listener.close()
        with self.lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()
            self.connections = []
        os.unlink(self.path)


def test_losing_the_docker_connection_is_recovered_with_a_resync(stack, tmp_path):
    relay_dir = tmp_path / "relay"
    relay_dir.mkdir()
    relay = SocketRelay(relay_dir)
    relay.start()
    try:
        proxy = stack.proxy("-e", "DOCKER_HOST=unix:///relay/docker.sock", docker_socket=f"{relay_dir}:/relay")
        ip = ip_of(proxy, stack.network)
        stack.backend("before", "before.test")
        assert wait_until(lambda: status_of(ip, "before.test") == 200, what="the first site")
        relay.cut()
        assert wait_until(lambda: docker("exec", proxy, "proxy-gen", "--health", check=False).returncode == 1,
                          what="unhealthy while Docker is unreachable")
        stack.backend("during", "during.test")
        time.sleep(1)
        assert status_of(ip, "before.test") == 200, "nginx keeps serving while Docker is away"
        assert status_of(ip, "during.test") == 503
        relay.start()
        assert wait_until(lambda: status_of(ip, "during.test") == 200, what="the site started during the outage")
        assert metric(ip, 'webvps_proxy_resyncs_total{reason="reconnect"}') >= 1
        assert "lost Docker: " in stack.logs(proxy)
        wait_for_health(proxy, "healthy", timeout=30)
    finally:
        relay.cut() if relay.listener.fileno() != -1 else None


def test_split_mode_reloads_an_nginx_container_through_the_docker_api(stack, tmp_path):
    conf = tmp_path / "conf.d"
    conf.mkdir()
    shared = ["-v", f"{conf}:/etc/nginx/conf.d",
              "-v", f"{stack.tmp / 'certs'}:/etc/nginx/certs:ro",
              "-v", f"{stack.tmp / 'vhost.d'}:/etc/nginx/vhost.d:ro",
              "-v", f"{stack.tmp / 'htpasswd'}:/etc/nginx/htpasswd:ro"]
    nginx = stack.run("nginx", "--network", stack.network, "--label", "webvps.proxy.role=nginx", "--no-healthcheck",
                      *shared, "webvps/proxy", "nginx", "-g", "daemon off;")
    # proxy-gen alone holds the Docker socket and sits on no network at all.
    # Health asked every second: the image's 30 s interval would put the first probe at the timeout.
    generator = stack.run("generator", "--network", "none", "-v", f"{SOCKET}:/var/run/docker.sock:ro", *shared,
                          "--health-interval", "1s", "-e", "WEBVPS_PROXY_GEN_NGINX_MODE=container", "webvps/proxy")
    ip = ip_of(nginx, stack.network)
    stack.backend("split", "split.test")
    assert wait_until(lambda: status_of(ip, "split.test") == 200, what="the site through the nginx container")
    assert http_get(ip, "split.test")[1] == "split\n"
    assert status_of(ip, "nowhere.test") == 503
    wait_for_health(generator, "healthy", timeout=30)
    logs = stack.logs(generator)
    assert "nginx container webvps-test-nginx-" in logs and "in another container, reloaded through the Docker API" in logs


def test_the_access_log_follows_log_json_log_format_and_disable_access_logs(stack):
    proxies = {"json": stack.proxy("-e", "LOG_JSON=true", name="json-proxy"),
               "format": stack.proxy("-e", "LOG_FORMAT=custom $host $status", name="format-proxy"),
               "none": stack.proxy("-e", "DISABLE_ACCESS_LOGS=true", name="quiet-proxy")}
    stack.backend("logged", "logged.test")
    for proxy in proxies.values():
        ip = ip_of(proxy, stack.network)
        assert wait_until(lambda: status_of(ip, "logged.test", "/marker") == 200, what="the site through each proxy")
    time.sleep(1.5)  # the log's buffer is flushed every second
    json_lines = [json.loads(line) for line in stack.logs(proxies["json"]).splitlines() if line.startswith("{")]
    assert any(entry["vhost"] == "logged.test" and entry["request"] == "GET /marker HTTP/1.1" and entry["status"] == "200"
               for entry in json_lines), json_lines[-5:]
    assert "custom logged.test 200" in stack.logs(proxies["format"])
    assert "/marker" not in stack.logs(proxies["none"])


def test_virtual_host_multiports_routes_hosts_and_paths_to_the_ports_of_one_container(stack):
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    # One container, three ports; each answers with its port and the path it was asked for.
    conf = ('pid /tmp/nginx.pid; events {} http { access_log off; '
            'server { listen 80; location / { return 200 "80 $uri\\n"; } } '
            'server { listen 8080; location / { return 200 "8080 $uri\\n"; } } '
            'server { listen 9000; location / { return 200 "9000 $uri\\n"; } } }')
    multiports = ('www.multi.test:\n'
                  'service.multi.test:\n'
                  '  "/":\n'
                  '    port: 8080\n'
                  '  "/sub/":\n'
                  '    port: 9000\n'
                  '    dest: /receiver/\n')
    stack.run("multi", "--network", stack.network, "-e", f"CONF={conf}", "-e", f"VIRTUAL_HOST_MULTIPORTS={multiports}",
              "--no-healthcheck", "--entrypoint", "sh", "webvps/proxy", "-c",
              'echo "$CONF" > /tmp/backend.conf && exec nginx -c /tmp/backend.conf -g "daemon off;"')
    assert wait_until(lambda: status_of(ip, "service.multi.test") == 200, what="the multiports host")
    assert http_get(ip, "www.multi.test", "/a")[:2] == (200, "80 /a\n"), "a host without paths: the default port"
    assert http_get(ip, "service.multi.test", "/a")[:2] == (200, "8080 /a\n")
    assert http_get(ip, "service.multi.test", "/sub/x")[:2] == (200, "9000 /receiver/x\n"), "port and dest of the path"
    # A bad value names the entry and leaves only that container out.
    bad = stack.backend("bad", None, env=('VIRTUAL_HOST_MULTIPORTS=bad.test: {"/": {port: 99999}}',))
    assert wait_until(lambda: "port \"99999\"" in stack.logs(proxy), what="the rejection in the log")
    assert f"webvps-test-bad-{stack.tag}" in stack.logs(proxy) and status_of(ip, "service.multi.test") == 200
    assert bad


def test_client_certificates_are_required_where_the_hosts_ca_is_there(stack, tmp_path):
    certs = stack.tmp / "certs"
    server = make_certificate(certs, "mtls.test")
    make_certificate(certs, "open.test")
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)
    # The host's client CA, and a client certificate it signed.
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=clients", "-keyout", tmp_path / "ca.key",
        "-out", tmp_path / "ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=webmaster", "-keyout", tmp_path / "client.key", "-out", tmp_path / "client.csr")
    run("x509", "-req", "-in", tmp_path / "client.csr", "-CA", tmp_path / "ca.crt", "-CAkey", tmp_path / "ca.key", "-CAcreateserial",
        "-days", "2", "-out", tmp_path / "client.crt")
    (certs / "mtls.test.ca.crt").write_bytes((tmp_path / "ca.crt").read_bytes())
    proxy = stack.proxy()
    ip = ip_of(proxy, stack.network)
    stack.backend("mtls", "mtls.test")
    stack.backend("open", "open.test")

    def get(host, cafile, client=None):
        context = ssl.create_default_context(cafile=str(cafile))
        if client:
            context.load_cert_chain(str(tmp_path / "client.crt"), str(tmp_path / "client.key"))
        with socket.create_connection((ip, 443), timeout=3) as raw:
            with context.wrap_socket(raw, server_hostname=host) as sock:
                return _exchange(sock, host, "/")[:2]

    assert wait_until(lambda: get("open.test", certs / "open.test.crt")[0] == 200, what="HTTPS of the host without a CA")
    assert wait_until(lambda: get("mtls.test", server, client=True) == (200, "mtls\n"), what="the host with a client certificate")
    status, body = get("mtls.test", server)
    assert status == 400 and "No required SSL certificate was sent" in body, (status, body[:200])
    assert get("open.test", certs / "open.test.crt") == (200, "open\n"), "the other host asks for no certificate"

def test_an_admins_error_page_and_the_external_http_port_as_nginx_proxy_sets_them(stack):
    errors = stack.tmp / "errors"
    errors.mkdir()
    (errors / "50x.html").write_text("<h1>Our own sorry page</h1>\n")
    proxy = stack.proxy("-v", f"{errors}:/usr/share/nginx/html/errors:ro", "-e", "EXTERNAL_HTTP_PORT=8080")
    ip = ip_of(proxy, stack.network)
    stack.backend("up", "up.test", body="port=$http_x_forwarded_port")
    # Its nginx listens on 80, so 81 is refused: nginx's own 502, answered with the admin's page as 503.
    stack.backend("refusing", "refusing.test", env=("VIRTUAL_PORT=81",))
    assert wait_until(lambda: status_of(ip, "up.test") == 200 and status_of(ip, "refusing.test") == 503, what="the hosts")
    assert http_get(ip, "up.test")[1] == "port=8080\n", "X-Forwarded-Port is the port the client reached"
    for host in ("refusing.test", "nobody.test"):
        status, body, headers = http_get(ip, host, "/some/page")
        assert (status, body) == (503, "<h1>Our own sorry page</h1>\n"), (host, status, body)
        assert headers["cache-control"] == "no-store"
        status, body, _ = http_get(ip, host, "/form", method="POST")
        assert (status, body) == (503, "<h1>Our own sorry page</h1>\n"), "a POST gets the page too, not 405"
    # The page's path is the proxy's own and internal: not reachable as a page of a site.
    assert http_get(ip, "up.test", "/.webvps/50x.html")[0] == 404
    # Without the file, webvps's own 503 page, at the next apply.
    (errors / "50x.html").unlink()
    stack.backend("later", "later.test")
    assert wait_until(lambda: status_of(ip, "later.test") == 200, what="the next apply")
    status, body, headers = http_get(ip, "refusing.test")
    assert status == 503 and "This site is starting or stopped" in body and headers["retry-after"] == "5"


def proxied_request(ip, host, proxy_line):
    """A request behind a PROXY protocol header (`proxy_line`, or none): the response, or b"" when
    nginx closes the connection."""
    with socket.create_connection((ip, 80), timeout=3) as sock:
        sock.sendall(proxy_line + f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: 198.51.100.9\r\n"
                                  "Connection: close\r\n\r\n".encode())
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    return data.decode(errors="replace")


def test_the_proxy_protocol_names_the_client_only_from_a_trusted_load_balancer(stack):
    gateway = f"{stack.prefix}.1"  # where this test's connections come from
    trusting = stack.proxy("-e", "ENABLE_PROXY_PROTOCOL=true", "-e", f"WEBVPS_PROXY_GEN_PROXY_TRUSTED_PROXIES={gateway}/32",
                           name="pp-proxy")
    distrusting = stack.proxy("-e", "ENABLE_PROXY_PROTOCOL=true", "-e", "WEBVPS_PROXY_GEN_PROXY_TRUSTED_PROXIES=192.0.2.0/24",
                              name="pp-other-proxy")
    stack.backend("seen", "seen.test", body="real=$http_x_real_ip for=$http_x_forwarded_for")
    header = f"PROXY TCP4 203.0.113.7 {gateway} 40000 80\r\n".encode()
    ip = ip_of(trusting, stack.network)
    assert wait_until(lambda: proxied_request(ip, "seen.test", header).endswith("\r\n\r\nreal=203.0.113.7 for=203.0.113.7\n"),
                      what="the client named by a trusted load balancer")
    assert proxied_request(ip, "seen.test", b"") == "", "a connection without a PROXY header is closed"
    # The same header from a source that is not a trusted proxy names nobody: the site sees the source.
    other = ip_of(distrusting, stack.network)
    assert wait_until(lambda: proxied_request(other, "seen.test", header).endswith(f"real={gateway} for={gateway}\n"),
                      what="an untrusted source's PROXY header ignored")
    # Refused without trusted proxies, with the reason, before anything is served.
    refused = stack.run("pp-refused", "--network", stack.network, "-v", f"{SOCKET}:/var/run/docker.sock:ro",
                        "-e", "ENABLE_PROXY_PROTOCOL=true", "webvps/proxy")
    assert wait_until(lambda: docker("inspect", "--format", "{{.State.Running}}", refused).stdout.strip() == "false",
                      what="the proxy refusing its settings")
    assert "proxy.proxy_protocol: needs proxy.trusted_proxies" in stack.logs(refused)
