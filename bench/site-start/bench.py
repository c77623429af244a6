#!/usr/bin/env python3
"""Start time of a site's container, before and after the tenant-isolation redesign (issue 13),
in the same run: the real webvps/phpserver image with the per-site compose file's settings
(after: no capability but the three of its start-up, no-new-privileges, PID 1 dropping to the
site's uid) against the image of the commit before it (bench/before-images.sh; Docker's default
capabilities, root Apache parent and cron). For each: a new site (empty files: layout,
certificate, default vhost made at start) and a restart of an existing one, `docker run`/`docker
start` returning to the first 200 from the container's Apache, and the memory of its processes.
Prints a table, writes build/bench-results/site-start.json; never asserts."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNS = int(os.environ.get("SITE_START_RUNS", "10"))
UID = 10001

VARIANTS = {
    "after": ("webvps/phpserver", ["--cap-drop", "ALL", "--cap-add", "CHOWN", "--cap-add", "SETUID", "--cap-add", "SETGID",
                                   "--security-opt", "no-new-privileges:true", "--sysctl", "net.ipv4.ip_unprivileged_port_start=0"]),
    "before": ("webvps-bench/phpserver-before", []),
}


def docker(*args, check=True):
    result = subprocess.run(["docker", *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"docker {' '.join(args)}: {result.stderr.strip()}")
    return result


def first_200(address, host, started, timeout=60):
    deadline = started + timeout
    request = urllib.request.Request(f"http://{address}/", headers={"Host": host})
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return (time.monotonic() - started) * 1000
        except OSError:
            pass
        time.sleep(0.01)
    sys.exit(f"no 200 from {address} within {timeout} s")


def address_of(name):
    networks = json.loads(docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", name).stdout)
    return next(iter(networks.values()))["IPAddress"]


def memory_kib(name):
    """The resident memory of every process of the container, in KiB."""
    total = 0
    for pid in docker("top", name, "-eo", "pid").stdout.split()[1:]:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def measure(image, options, work):
    cold, warm, memory = [], [], []
    for i in range(RUNS):
        site = os.path.join(work, f"{uuid.uuid4().hex[:8]}")
        www, mail = os.path.join(site, "www"), os.path.join(site, "mail")
        os.makedirs(www)
        os.makedirs(mail)
        os.chown(www, UID, UID)
        name = f"webvps-bench-start-{uuid.uuid4().hex[:8]}"
        args = ["run", "-d", "--name", name, *options, "-v", f"{www}:/var/www", "-v", f"{mail}:/home/mail",
                "-e", "WORKER_NAME=bench", "-e", f"WORKER_UID={UID}", "-e", "HOST_DOMAIN_NAME=bench.example.test", image]
        try:
            started = time.monotonic()
            docker(*args)
            cold.append(first_200(f"{address_of(name)}:80", "bench.example.test", started))
            time.sleep(1)
            memory.append(memory_kib(name))
            docker("stop", "-t", "10", name)
            started = time.monotonic()
            docker("start", name)
            warm.append(first_200(f"{address_of(name)}:80", "bench.example.test", started))
        finally:
            docker("rm", "-f", name, check=False)
    return {"new_site_ms": cold, "restart_ms": warm, "memory_kib": memory}


def summary(values):
    ordered = sorted(values)
    return {"p50": statistics.median(ordered), "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]}


def main():
    built = subprocess.run(["bash", os.path.join(ROOT, "bench", "before-images.sh"), "phpserver"])
    if built.returncode != 0:
        sys.exit("the image before the redesign could not be built")
    results = {}
    with tempfile.TemporaryDirectory(prefix="webvps-bench-start-") as work:
        for variant, (image, options) in VARIANTS.items():
            raw = measure(image, options, work)
            results[variant] = {key: summary(values) for key, values in raw.items()} | {"raw": raw, "image": image}
    a, b = results["after"], results["before"]
    print(f"site container start ({os.cpu_count()} cores, {RUNS} runs each; before = {b['image']}, after = {a['image']})")
    print(f"{'figure':44} {'after':>10} {'before':>10}")
    for label, key in (("new site: docker run -> first 200, p50 (ms)", "new_site_ms"),
                       ("restart: docker start -> first 200, p50 (ms)", "restart_ms")):
        print(f"{label:44} {a[key]['p50']:>10.0f} {b[key]['p50']:>10.0f}")
        print(f"{'  p95 (ms)':44} {a[key]['p95']:>10.0f} {b[key]['p95']:>10.0f}")
    print(f"{'memory of its processes, p50 (MB)':44} {a['memory_kib']['p50'] / 1024:>10.1f} {b['memory_kib']['p50'] / 1024:>10.1f}")
    os.makedirs(os.path.join(ROOT, "build", "bench-results"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "bench-results", "site-start.json"), "w") as out:
        json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
