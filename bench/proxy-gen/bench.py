#!/usr/bin/env python3
"""proxy-gen benchmark. Prints a table and writes build/bench-results/proxy-gen.json; never asserts a time.

- Latency from `docker start` returning to the first 200 through the proxy, over 30 starts, with
  the real engine and the real webvps/proxy image (proxy-gen supervising nginx).
- Render time (routing model + nginx config) of the pure core at 1, 100 and 1000 sites.
- `nginx -t` on those very configs, in the image, with their certificates.
- proxy-gen's resident memory and apply time at 1, 100 and 1000 sites, served by a synthetic
  Docker API (fake_docker.py), proxy-gen in split mode so that its own process is measured.

nginx-proxy, the incumbent, is not packaged in Debian: its figures are quoted, not run."""
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SIZES = (1, 100, 1000)
STARTS = 30


def docker(*args, check=True):
    result = subprocess.run(["docker", *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"docker {' '.join(args)}: {result.stderr.strip()}")
    return result


def http_status(ip, host):
    try:
        with socket.create_connection((ip, 80), timeout=2) as sock:
            sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            head = sock.recv(64).decode(errors="replace")
            return int(head.split()[1])
    except (OSError, IndexError, ValueError):
        return None


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def render_times(out_dir):
    binary = os.path.join(ROOT, "build", "bench", "proxy_gen_render_bench")
    subprocess.run(["cmake", "-S", ROOT, "-B", os.path.join(ROOT, "build"), "-G", "Ninja"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", os.path.join(ROOT, "build"), "--target", "proxy_gen_render_bench"], check=True,
                   stdout=subprocess.DEVNULL)
    run = subprocess.run([binary, out_dir, *map(str, SIZES)], capture_output=True, text=True, check=True)
    return {row["sites"]: row for row in map(json.loads, run.stdout.splitlines())}


def make_certificates(directory, names):
    os.makedirs(directory, exist_ok=True)
    key, crt = os.path.join(directory, "_one.key"), os.path.join(directory, "_one.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "2", "-subj", "/CN=bench", "-keyout", key, "-out", crt], check=True, capture_output=True)
    for name in names:
        os.link(key, os.path.join(directory, f"{name}.key"))
        os.link(crt, os.path.join(directory, f"{name}.crt"))
    os.unlink(key)
    os.unlink(crt)


def nginx_test_times(out_dir, sites):
    certs = os.path.join(out_dir, f"certs-{sites}")
    with open(os.path.join(out_dir, f"certs-{sites}.txt")) as names:
        make_certificates(certs, [line.strip() for line in names if line.strip()])
    script = ("cp /bench/sites-%d.conf /etc/nginx/conf.d/default.conf; for i in 1 2 3 4 5 6 7; do "
              "s=$(date +%%s%%N); nginx -t -q || exit 1; e=$(date +%%s%%N); echo $(( (e - s) / 1000 )); done") % sites
    run = docker("run", "--rm", "--network", "none", "-v", f"{out_dir}:/bench:ro", "-v", f"{certs}:/etc/nginx/certs:ro",
                 "--entrypoint", "bash", "webvps/proxy", "-c", script)
    return statistics.median(int(line) / 1000 for line in run.stdout.split())


def memory_at(out_dir, sites):
    socket_dir = tempfile.mkdtemp(prefix="webvps-fake-docker-")
    os.chmod(socket_dir, 0o755)
    daemon = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_docker.py"), f"{socket_dir}/docker.sock", str(sites)])
    name = f"webvps-bench-proxy-gen-{uuid.uuid4().hex[:8]}"
    try:
        for _ in range(100):
            if os.path.exists(f"{socket_dir}/docker.sock"):
                break
            time.sleep(0.05)
        docker("run", "-d", "--name", name, "--network", "none", "-v", f"{socket_dir}:/fake",
               "-v", f"{os.path.join(out_dir, f'certs-{sites}')}:/etc/nginx/certs:ro",
               "-e", "DOCKER_HOST=unix:///fake/docker.sock", "-e", "WEBVPS_PROXY_GEN_NGINX_MODE=container",
               "-e", "WEBVPS_PROXY_GEN_NGINX_CONTAINER=bench-nginx", "webvps/proxy")
        expected = f"new config installed: {2 * sites} hosts"
        deadline = time.monotonic() + 120
        while expected not in docker("logs", name).stderr:
            if time.monotonic() > deadline:
                sys.exit(f"proxy-gen did not apply {sites} sites:\n{docker('logs', name).stderr[-3000:]}")
            time.sleep(0.2)
        time.sleep(2)  # settled: the status thread and allocator at rest
        pid = docker("inspect", "--format", "{{.State.Pid}}", name).stdout.strip()
        status = {}
        with open(f"/proc/{pid}/status") as lines:
            for line in lines:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile"):
                    status[key] = int(value.split()[0]) / 1024
        metrics = docker("exec", name, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9101; "
                         "printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3").stdout
        apply_ms = next(float(line.split()[1]) * 1000 for line in metrics.splitlines()
                        if line.startswith("webvps_proxy_apply_seconds "))
        return {"rss_mb": status["VmRSS"], "private_mb": status["RssAnon"], "apply_ms": apply_ms}
    finally:
        docker("rm", "-f", name, check=False)
        daemon.terminate()
        daemon.wait()
        shutil.rmtree(socket_dir, ignore_errors=True)


def start_latency():
    tag = uuid.uuid4().hex[:8]
    network = f"webvps-bench-{tag}"
    proxy, backend = f"webvps-bench-proxy-{tag}", f"webvps-bench-site-{tag}"
    conf = 'pid /tmp/nginx.pid; events {} http { access_log off; server { listen 80; location / { return 200 "ok\\n"; } } }'
    docker("network", "create", network)
    try:
        docker("run", "-d", "--name", proxy, "--network", network, "-v", "/var/run/docker.sock:/var/run/docker.sock:ro",
               "webvps/proxy")
        ip = json.loads(docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", proxy).stdout)[network]["IPAddress"]
        docker("create", "--name", backend, "--network", network, "--no-healthcheck", "-e", "VIRTUAL_HOST=latency.test",
               "-e", f"CONF={conf}", "--entrypoint", "sh", "webvps/proxy", "-c",
               'echo "$CONF" > /tmp/b.conf && exec nginx -c /tmp/b.conf -g "daemon off;"')
        deadline = time.monotonic() + 30
        while http_status(ip, "latency.test") != 503:
            if time.monotonic() > deadline:
                sys.exit("the proxy did not answer")
            time.sleep(0.05)
        latencies, whole = [], []
        for _ in range(STARTS):
            before = time.monotonic()
            docker("start", backend)
            returned = time.monotonic()
            while http_status(ip, "latency.test") != 200:
                if time.monotonic() - returned > 10:
                    sys.exit("the site did not answer within 10 s")
                time.sleep(0.002)
            answered = time.monotonic()
            latencies.append((answered - returned) * 1000)
            whole.append((answered - before) * 1000)
            docker("stop", "-t", "0", backend)
            while http_status(ip, "latency.test") != 503:
                time.sleep(0.01)
            time.sleep(random.uniform(0.1, 0.3))
        return {"p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95),
                "p50_from_call_ms": percentile(whole, 0.5), "starts": STARTS, "samples_ms": sorted(latencies)}
    finally:
        docker("rm", "-f", backend, proxy, check=False)
        docker("network", "rm", network, check=False)


def main():
    out_dir = tempfile.mkdtemp(prefix="webvps-bench-proxy-gen-")
    os.chmod(out_dir, 0o755)
    try:
        render = render_times(out_dir)
        nginx_t = {n: nginx_test_times(out_dir, n) for n in SIZES}
        memory = {n: memory_at(out_dir, n) for n in SIZES}
        latency = start_latency()
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)

    rows = [
        ("docker start -> first 200, p50 (ms)", f"{latency['p50_ms']:.0f}", "2000 allowed", "< 300 ms"),
        ("docker start -> first 200, p95 (ms)", f"{latency['p95_ms']:.0f}", "", ""),
        ("  p50 from calling docker start (ms)", f"{latency['p50_from_call_ms']:.0f}", "", ""),
        ("debounce window (ms)", "50..1000", "100..500", ""),
        ("work per event", "1 inspect", "list + N inspects", ""),
    ]
    for n in SIZES:
        rows.append((f"render, {n} site{'s' if n > 1 else ''} (ms)", f"{render[n]['median_ms']:.2f}", "", "< 20 ms" if n == 1000 else ""))
    for n in SIZES:
        rows.append((f"nginx -t, {n} sites (ms)", f"{nginx_t[n]:.0f}", "", ""))
    for n in SIZES:
        rows.append((f"apply incl. nginx -t, {n} sites (ms)", f"{memory[n]['apply_ms']:.0f}", "", ""))
    for n in SIZES:
        rows.append((f"RSS, {n} sites (MB)", f"{memory[n]['rss_mb']:.2f}", "", "< 8 MB"))
        rows.append((f"  private (RssAnon, MB)", f"{memory[n]['private_mb']:.2f}", "", ""))
    print(f"proxy-gen ({os.cpu_count()} cores; {latency['starts']} starts; sites have 2 host names, half with a "
          f"certificate; nginx-proxy is quoted from its sources, not run)")
    print(f"{'figure':40} {'webvps':>10} {'nginx-proxy':>18}  goal")
    for row in rows:
        print(f"{row[0]:40} {row[1]:>10} {row[2]:>18}  {row[3]}")
    results = {"latency": latency, "render": {str(n): render[n] for n in SIZES}, "nginx_t_ms": {str(n): nginx_t[n] for n in SIZES},
               "memory": {str(n): memory[n] for n in SIZES}}
    os.makedirs(os.path.join(ROOT, "build", "bench-results"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "bench-results", "proxy-gen.json"), "w") as out:
        json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
