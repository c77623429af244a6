#!/usr/bin/env python3
"""phpserver-init benchmark: flag-to-reload delay, and the init's RSS next to tini and supervisord
running the same Apache + cron. Prints a table; never asserts a time."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

IMAGE = "webvps-bench/phpserver-incumbents"
RELOADS = int(os.environ.get("RELOADS", "30"))


def sh(*args, check=True):
    return subprocess.run(args, capture_output=True, text=True, check=check)


def get(port, host):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.read().decode()
    except OSError:
        return ""


def start(name, www, command=()):
    sh("docker", "run", "-d", "--name", name, "-p", "127.0.0.1::80", "-v", f"{www}:/var/www",
       "-e", "WORKER_UID=10001", "-e", "HOST_DOMAIN_NAME=bench.example.test", IMAGE, *command)
    port = int(sh("docker", "port", name, "80/tcp").stdout.strip().rsplit(":", 1)[1])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not get(port, "bench.example.test"):
        time.sleep(0.1)
    return port


def rss_kib(name, pid_expr):
    """(VmRSS, RssAnon) of the process in KiB: all resident pages, and the private ones only."""
    out = sh("docker", "exec", name, "sh", "-c", f"grep -E '^(VmRSS|RssAnon):' /proc/{pid_expr}/status").stdout.split()
    return int(out[1]), int(out[4])


def reload_delays(name, port, www):
    delays = []
    vhost = os.path.join(www, "conf/apache2/bench.vhost")
    for i in range(RELOADS):
        marker = f"version-{i}"
        os.makedirs(os.path.join(www, "html", marker), exist_ok=True)
        with open(os.path.join(www, "html", marker, "index.html"), "w") as page:
            page.write(marker)
        with open(vhost, "w") as conf:
            conf.write(f"<VirtualHost *:80>\n ServerName reload.example.test\n DocumentRoot /var/www/html/{marker}\n</VirtualHost>\n")
        started = time.monotonic()
        with open(os.path.join(www, "conf/apache2.reload"), "w"):
            pass
        while get(port, "reload.example.test") != marker:
            if time.monotonic() - started > 10:
                raise SystemExit(f"reload {i} did not answer within 10 s")
            time.sleep(0.005)
        delays.append((time.monotonic() - started) * 1000)
        time.sleep(0.2)  # let the graceful reload settle before the next one
    return delays


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    sh("docker", "build", "-q", "-t", IMAGE, here)
    names = []
    with tempfile.TemporaryDirectory() as root:
        try:
            rows = []
            for label, command, pid in [
                ("phpserver-init", (), "1"),
                ("tini (Debian)", ("tini", "--", "/etc/webvps-bench/two-services.sh"), "1"),
                ("supervisord (Debian)", ("supervisord", "-c", "/etc/webvps-bench/supervisord.conf"), "1"),
            ]:
                www = os.path.join(root, label.split()[0])
                os.makedirs(www)
                name = f"webvps-bench-init-{label.split()[0]}"
                sh("docker", "rm", "-f", name, check=False)
                names.append(name)
                if command:
                    # The incumbents do not prepare the site: give them the same vhost the init wrote.
                    os.makedirs(os.path.join(www, "conf/apache2"))
                    os.makedirs(os.path.join(www, "html"))
                    os.makedirs(os.path.join(www, "logs"))
                    with open(os.path.join(www, "conf/apache2/bench.example.test.vhost"), "w") as conf:
                        conf.write("<VirtualHost *:80>\n ServerName bench.example.test\n DocumentRoot /var/www/html\n</VirtualHost>\n")
                    with open(os.path.join(www, "html/index.html"), "w") as page:
                        page.write("bench")
                port = start(name, www, command)
                time.sleep(1)
                rss = rss_kib(name, pid)
                delays = reload_delays(name, port, www) if not command else None
                rows.append((label, rss, delays))
            print(f"phpserver-init benchmark ({os.cpu_count()} cores, {time.strftime('%Y-%m-%d')})")
            print()
            print("| init | RSS of PID 1 | of which private (anon) | flag to reloaded answer p50 | p95 | goal |")
            print("|---|---|---|---|---|---|")
            for label, rss, delays in rows:
                if delays:
                    ordered = sorted(delays)
                    p50 = statistics.median(ordered)
                    p95 = ordered[int(0.95 * (len(ordered) - 1))]
                    print(f"| {label} | {rss[0] / 1024:.2f} MB | {rss[1] / 1024:.2f} MB | {p50:.0f} ms | {p95:.0f} ms | RSS < 1.5 MB, p50 < 300 ms |")
                else:
                    print(f"| {label} | {rss[0] / 1024:.2f} MB | {rss[1] / 1024:.2f} MB | no reload on a flag (the original: cron, up to 60 s) | | |")
            init_rss = rows[0][1][0]
            print()
            for label, rss, _ in rows[1:]:
                print(f"RSS ratio {label} / phpserver-init: {rss[0] / init_rss:.2f}")
            results = {label.split()[0]: {"rss_kb": rss[0], "private_kb": rss[1], "delays_ms": sorted(delays) if delays else None}
                       for label, rss, delays in rows}
            out_dir = os.path.join(os.path.dirname(os.path.dirname(here)), "build", "bench-results")
            os.makedirs(out_dir, exist_ok=True)
            with open(os.path.join(out_dir, "phpserver-init.json"), "w") as out:
                json.dump(results, out, indent=1)
        finally:
            # Before the directory goes: the containers write into it until they are removed.
            for name in names:
                sh("docker", "rm", "-f", name, check=False)


if __name__ == "__main__":
    sys.exit(main())
