#!/usr/bin/env python3
"""The proxy on what users run: the real site image (webvps/phpserver, with its own HEALTHCHECK)
behind the real webvps/proxy. Prints a table and writes build/bench-results/proxy-traffic.json;
never asserts a time.

- `docker start` returned -> first 200 through the proxy, and the first 200 through the proxy
  after the first 200 straight from Apache (the proxy's own share), over STARTS starts; beside it,
  in the same run, the same proxy-gen with `proxy.require_healthy: true`: the behaviour before
  issue 16 (no traffic until Docker's first health check says `healthy`).
- Answers other than 200 while a client loops requests through each proxy during `docker restart`,
  and through a whole stack of the project's scripts during `scripts/site.sh restart` and
  `upgrade` (a second container beside the old one) against `site.sh stop` + `start` (what
  `restart` did before issue 16).
- Requests/s of a static page straight to Apache and through the proxy (HTTP, and HTTPS with
  HTTP/1.1 keepalive from wrk), three rounds of ROUND seconds each back to back, with the
  connections left in TIME_WAIT in the proxy's network namespace afterwards.

Traefik does not build from the Go module proxy here: its figures, measured on this machine
(issue 16), are quoted."""
import json
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from bench import docker, percentile  # bench.py beside this file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STARTS = int(os.environ.get("STARTS", "6"))
ROUND = int(os.environ.get("ROUND", "10"))
SITE_UID = 10001
PAGE = "<!DOCTYPE html><html><body>" + "static page " * 80 + "</body></html>\n"  # about 1 KB
# Traefik v3.7 on this machine (issue 16): start->first 200 with the image's HEALTHCHECK, first 200
# after healthy, req/s through it and straight to the backend.
TRAEFIK = {"start_with_healthcheck_ms": 30500, "after_ready_ms": 74, "through_rps": 2400, "direct_rps": 10800}


def status(ip, host, port=80, timeout=2):
    try:
        with socket.create_connection((ip, port), timeout=timeout) as sock:
            sock.sendall(f"GET /bench.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            return int(sock.recv(64).decode(errors="replace").split()[1])
    except (OSError, IndexError, ValueError):
        return None


def ip_of(container, network):
    return json.loads(docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", container).stdout)[network]["IPAddress"]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            sys.exit(f"bench: {what} within {timeout} s")
        time.sleep(0.05)


class Setup:
    def __init__(self):
        self.tag = uuid.uuid4().hex[:8]
        self.network = f"webvps-bench-{self.tag}"
        self.tmp = tempfile.mkdtemp(prefix="webvps-bench-traffic-")
        os.chmod(self.tmp, 0o755)
        self.names = []

    def run(self, name, *args):
        full = f"webvps-bench-{name}-{self.tag}"
        self.names.append(full)
        docker("run", "-d", "--name", full, *args)
        return full

    def proxy(self, name, *env):
        certs = os.path.join(self.tmp, "certs")
        os.makedirs(certs, exist_ok=True)
        args = ["--network", self.network, "-v", "/var/run/docker.sock:/var/run/docker.sock:ro", "-v", f"{certs}:/etc/nginx/certs:ro"]
        for item in env:
            args += ["-e", item]
        return self.run(name, *args, "webvps/proxy")

    def close(self):
        for name in reversed(self.names):
            docker("rm", "-f", "-v", name, check=False)
        docker("network", "rm", self.network, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


def start_site(setup, tls_host):
    www = os.path.join(setup.tmp, "www")
    os.makedirs(www)
    # As compose/vps runs it, but with the image's own HEALTHCHECK (30 s), as `docker run` gets it.
    site = setup.run("site", "--network", setup.network, "-v", f"{www}:/var/www", "-e", f"VIRTUAL_HOST=plain.bench,{tls_host}",
                     "-e", "WORKER_NAME=bench", "-e", f"WORKER_UID={SITE_UID}", "-e", "HOST_DOMAIN_NAME=plain.bench",
                     "-e", "SERVER_MAIL=web@plain.bench", "--cap-drop", "ALL", "--cap-add", "CHOWN", "--cap-add", "SETUID",
                     "--cap-add", "SETGID", "--security-opt", "no-new-privileges:true",
                     "--sysctl", "net.ipv4.ip_unprivileged_port_start=0", "webvps/phpserver")
    html = os.path.join(www, "html")
    wait_for(lambda: os.path.isdir(html), 60, "the site's layout")
    page = os.path.join(html, "bench.html")
    with open(page, "w") as out:
        out.write(PAGE)
    os.chown(page, SITE_UID, SITE_UID)
    return site


def starts(setup, site, site_ip, new_ip, old_ip):
    """Per start: start->first 200 through each proxy, and the new proxy's lag behind Apache."""
    new, old, lag = [], [], []
    for _ in range(STARTS):
        docker("stop", "-t", "10", site)
        wait_for(lambda: status(new_ip, "plain.bench") == 503 and status(old_ip, "plain.bench") == 503, 30, "503 after the stop")
        docker("start", site)
        began = time.monotonic()
        direct_at = new_at = old_at = None
        while old_at is None:
            now = time.monotonic()
            if now - began > 90:
                sys.exit("bench: the site was not served within 90 s of its start")
            if direct_at is None and status(site_ip, "plain.bench", timeout=0.5) == 200:
                direct_at = time.monotonic()
            if new_at is None and status(new_ip, "plain.bench", timeout=0.5) == 200:
                new_at = time.monotonic()
            if new_at is not None and status(old_ip, "plain.bench", timeout=0.5) == 200:
                old_at = time.monotonic()
            time.sleep(0.002 if new_at is None else 0.05)
        new.append((new_at - began) * 1000)
        old.append((old_at - began) * 1000)
        lag.append(max(0.0, (new_at - (direct_at or new_at)) * 1000))
    return {"new_p50_ms": percentile(new, 0.5), "new_p95_ms": percentile(new, 0.95), "old_p50_ms": percentile(old, 0.5),
            "after_ready_p50_ms": percentile(lag, 0.5), "starts": STARTS, "new_ms": new, "old_ms": old, "lag_ms": lag}


def restart_loop(site, proxies):
    """Loops requests through each proxy (one client thread each) across a `docker restart`."""
    counts = {name: {"total": 0, "other": 0, "statuses": {}} for name in proxies}
    done = threading.Event()

    def client(name, ip):
        while not done.is_set():
            code = status(ip, "plain.bench", timeout=2)
            tally = counts[name]
            tally["total"] += 1
            if code != 200:
                tally["other"] += 1
                tally["statuses"][str(code)] = tally["statuses"].get(str(code), 0) + 1
            time.sleep(0.01)

    threads = [threading.Thread(target=client, args=item) for item in proxies.items()]
    for thread in threads:
        thread.start()
    time.sleep(2)
    docker("restart", "-t", "10", site)
    wait_for(lambda: status(proxies["new"], "plain.bench") == 200, 60, "the site after the restart")
    time.sleep(2)
    deadline = time.monotonic() + 60
    while status(proxies["old"], "plain.bench") != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)
    done.set()
    for thread in threads:
        thread.join()
    return counts


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def planned_restarts(rolls=3):
    """A stack of the project's scripts (its own compose project, ports and root) and one site:
    non-200 answers of a looping client during each way of restarting it."""
    tag = uuid.uuid4().hex[:6]
    project = f"webvps-bench-{tag}"
    root = tempfile.mkdtemp(prefix="webvps-bench-stack-")
    port = free_port()
    env = dict(os.environ, WEBVPS_ROOT=os.path.join(root, "data"), WEBVPS_PROJECT=project, WEBVPS_SITE_PREFIX=f"{project}-site-",
               WEBVPS_PROXY_NETWORK=f"{project}-proxy", WEBVPS_BIND="127.0.0.1", WEBVPS_HTTP_PORT=str(port),
               WEBVPS_HTTPS_PORT=str(free_port()), WEBVPS_SSH_PORT=str(free_port()), WEBVPS_ADMIN_EMAIL="admin@bench.test")

    def script(*args):
        run = subprocess.run([os.path.join(ROOT, "scripts", args[0]), *args[1:]], env=env, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"bench: {' '.join(args)}: {run.stdout}{run.stderr}")

    def loop_during(action):
        answers, done = [], threading.Event()

        def client():
            while not done.is_set():
                answers.append(status("127.0.0.1", "plain.bench", port=port))
                time.sleep(0.005)

        thread = threading.Thread(target=client)
        thread.start()
        time.sleep(1)
        began = time.monotonic()
        action()
        took = time.monotonic() - began
        time.sleep(1)
        done.set()
        thread.join()
        return {"total": len(answers), "other": sum(1 for a in answers if a != 200), "seconds": took}

    try:
        script("stack.sh", "up")
        script("site.sh", "add", "bench", "--host", "plain.bench", "--email", "web@plain.bench", "--ssh", "none")
        wait_for(lambda: status("127.0.0.1", "plain.bench", port=port) in (200, 404), 90, "the site through the stack")
        # The placeholder page answers / ; the benchmark's page is its own file.
        www = os.path.join(env["WEBVPS_ROOT"], "webvps", "bench", "volumes", "www", "html", "bench.html")
        with open(www, "w") as out:
            out.write(PAGE)
        with open(os.path.join(env["WEBVPS_ROOT"], "webvps", "bench", "site.env")) as site_env:
            uid = int(re.search(r"^SITE_UID=[\"']?(\d+)", site_env.read(), re.M).group(1))
        os.chown(www, uid, uid)
        wait_for(lambda: status("127.0.0.1", "plain.bench", port=port) == 200, 30, "the benchmark page")
        results = {"restart": [], "upgrade": [], "stop_start": []}
        for _ in range(rolls):
            results["restart"].append(loop_during(lambda: script("site.sh", "restart", "bench")))
            results["upgrade"].append(loop_during(lambda: script("site.sh", "upgrade", "bench")))
            results["stop_start"].append(loop_during(lambda: (script("site.sh", "stop", "bench"), script("site.sh", "start", "bench"))))
            wait_for(lambda: status("127.0.0.1", "plain.bench", port=port) == 200, 60, "the site after stop + start")
        return results
    finally:
        subprocess.run([os.path.join(ROOT, "scripts", "down.sh")], env=env, capture_output=True)
        ids = [line.split()[0] for line in docker("ps", "-a", "--format", '{{.ID}} {{.Label "com.docker.compose.project"}}',
                                                   check=False).stdout.splitlines()
               if len(line.split()) > 1 and line.split()[1].startswith(project)]
        if ids:
            docker("rm", "-f", "-v", *ids, check=False)
        for volume in docker("volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={project}", check=False).stdout.split():
            docker("volume", "rm", "-f", volume, check=False)
        docker("network", "rm", f"{project}-proxy", check=False)
        subprocess.run(["rm", "-rf", "--one-file-system", root], check=False)


def time_wait(container):
    pid = docker("inspect", "--format", "{{.State.Pid}}", container).stdout.strip()
    run = subprocess.run(["nsenter", "-t", pid, "-n", "ss", "-tan", "state", "time-wait"], capture_output=True, text=True)
    return max(0, len(run.stdout.splitlines()) - 1)


def wrk(url, host, rounds=3):
    results = []
    for _ in range(rounds):
        run = subprocess.run(["wrk", "-t2", "-c20", f"-d{ROUND}s", "-H", f"Host: {host}", url], capture_output=True, text=True)
        found = re.search(r"Requests/sec:\s+([0-9.]+)", run.stdout)
        if not found:
            sys.exit(f"bench: wrk {url}: {run.stdout}{run.stderr}")
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", run.stdout)
        results.append({"rps": float(found.group(1)), "non_2xx": int(non2xx.group(1)) if non2xx else 0})
    return results


def throughput(site_ip, proxy, proxy_ip):
    direct = wrk(f"http://{site_ip}/bench.html", "plain.bench")
    time.sleep(5)
    plain = wrk(f"http://{proxy_ip}/bench.html", "plain.bench")
    plain_tw = time_wait(proxy)
    time.sleep(5)
    tls = wrk(f"https://{proxy_ip}/bench.html", proxy_ip)
    tls_tw = time_wait(proxy)
    return {"round_s": ROUND, "direct": direct, "proxy_http": plain, "proxy_https": tls, "time_wait_http": plain_tw, "time_wait_https": tls_tw}


def main():
    if shutil.which("wrk") is None:
        sys.exit("bench: wrk is needed (scripts/install-deps.sh --bench installs it)")
    setup = Setup()
    try:
        docker("network", "create", setup.network)
        new = setup.proxy("proxy")
        old = setup.proxy("proxy-require-healthy", "WEBVPS_PROXY_GEN_PROXY_REQUIRE_HEALTHY=true")
        new_ip, old_ip = ip_of(new, setup.network), ip_of(old, setup.network)
        # wrk's TLS server name is the URL's host: the HTTPS site is named by the proxy's address.
        certs = os.path.join(setup.tmp, "certs")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                        "-days", "2", "-subj", f"/CN={new_ip}", "-addext", f"subjectAltName=IP:{new_ip}",
                        "-keyout", os.path.join(certs, f"{new_ip}.key"), "-out", os.path.join(certs, f"{new_ip}.crt")],
                       check=True, capture_output=True)
        os.chmod(os.path.join(certs, f"{new_ip}.key"), 0o644)
        site = start_site(setup, new_ip)
        site_ip = ip_of(site, setup.network)
        wait_for(lambda: status(old_ip, "plain.bench") == 200, 90, "the site through both proxies")
        start = starts(setup, site, site_ip, new_ip, old_ip)
        restart = restart_loop(site, {"new": new_ip, "old": old_ip})
        traffic = throughput(site_ip, new, new_ip)
        planned = planned_restarts()
        memory = {}
        for name, container in (("proxy", new),):
            pid = docker("inspect", "--format", "{{.State.Pid}}", container).stdout.strip()
            total = 0
            for child in subprocess.run(["pgrep", "-P", pid], capture_output=True, text=True).stdout.split() + [pid]:
                with open(f"/proc/{child}/status") as lines:
                    total += next(int(line.split()[1]) for line in lines if line.startswith("VmRSS:")) / 1024
            memory[name] = total
    finally:
        setup.close()

    def mean(rounds):
        return statistics.mean(r["rps"] for r in rounds)

    direct = mean(traffic["direct"])

    def tally(runs):
        return f"{sum(r['other'] for r in runs)} of {sum(r['total'] for r in runs)}"
    rows = [
        ("docker start -> first 200, p50 (ms)", f"{start['new_p50_ms']:.0f}", f"{start['old_p50_ms']:.0f}",
         f"{TRAEFIK['start_with_healthcheck_ms']}", "< 500"),
        ("  p95 (ms)", f"{start['new_p95_ms']:.0f}", "", "", ""),
        ("first 200 after Apache's first 200, p50 (ms)", f"{start['after_ready_p50_ms']:.0f}", "", f"{TRAEFIK['after_ready_ms']}", "< 50"),
        ("non-200 during docker restart (no second container)", f"{restart['new']['other']} of {restart['new']['total']}",
         f"{restart['old']['other']} of {restart['old']['total']}", "", "0 (planned restart)"),
        *[(f"non-200 during site.sh {verb}, {len(planned[key])} times", tally(planned[key]), tally(planned["stop_start"]) if key == "restart" else "",
           "", "0") for key, verb in (("restart", "restart"), ("upgrade", "upgrade"))],
        ("  seconds per site.sh restart / stop + start", f"{statistics.mean(r['seconds'] for r in planned['restart']):.1f}",
         f"{statistics.mean(r['seconds'] for r in planned['stop_start']):.1f}", "", ""),
        ("req/s straight to Apache, 3 rounds", " / ".join(f"{r['rps']:.0f}" for r in traffic["direct"]), "", f"{TRAEFIK['direct_rps']}", ""),
        ("req/s through the proxy, HTTP", " / ".join(f"{r['rps']:.0f}" for r in traffic["proxy_http"]), "", f"{TRAEFIK['through_rps']}", ""),
        ("  of direct", f"{mean(traffic['proxy_http']) / direct:.2f}", "0.10-0.27", f"{TRAEFIK['through_rps'] / TRAEFIK['direct_rps']:.2f}", ">= 0.5"),
        ("req/s through the proxy, HTTPS", " / ".join(f"{r['rps']:.0f}" for r in traffic["proxy_https"]), "", "", ""),
        ("  of direct", f"{mean(traffic['proxy_https']) / direct:.2f}", "", "", ""),
        ("TIME_WAIT in the proxy after HTTP / HTTPS", f"{traffic['time_wait_http']} / {traffic['time_wait_https']}", "~14200", "~300", ""),
        ("proxy container RSS, nginx + proxy-gen (MB)", f"{memory['proxy']:.1f}", "", "79", ""),
    ]
    print(f"proxy traffic ({os.cpu_count()} cores; webvps/phpserver with its HEALTHCHECK; {STARTS} starts; wrk -t2 -c20, "
          f"rounds of {ROUND} s; 'before' is proxy-gen with proxy.require_healthy, measured in the same run, or quoted "
          f"from issue 16, and site.sh stop + start beside site.sh restart; Traefik quoted from issue 16)")
    print(f"{'figure':46} {'webvps':>22} {'before':>14} {'Traefik':>9}  goal")
    for row in rows:
        print(f"{row[0]:46} {row[1]:>22} {row[2]:>14} {row[3]:>9}  {row[4]}")
    results = {"start": start, "restart": restart, "planned": planned, "traffic": traffic, "memory_mb": memory, "traefik": TRAEFIK}
    os.makedirs(os.path.join(ROOT, "build", "bench-results"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "bench-results", "proxy-traffic.json"), "w") as out:
        json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
