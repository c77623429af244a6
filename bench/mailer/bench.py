#!/usr/bin/env python3
"""mailer benchmark: webvps's mailer against Debian's nullmailer-send on the same aiosmtpd sink
and the same spool, in one container: messages per second with instant replies and with 10 ms
per reply, queue-to-250 delay, and RSS while watching 500 site queues. Prints a table; never
asserts a time."""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
IMAGE = "webvps-bench/mailer-incumbents"


def main():
    context = os.path.join(ROOT, "build", "bench-mailer")
    shutil.rmtree(context, ignore_errors=True)
    os.makedirs(context)
    for name in ("Dockerfile", "inside.py"):
        shutil.copy(os.path.join(HERE, name), context)
    shutil.copy(os.path.join(ROOT, "tests", "e2e", "smtp_sink.py"), context)
    build = subprocess.run(["docker", "build", "-q", "-t", IMAGE, context], capture_output=True, text=True,
                           env=dict(os.environ, DOCKER_BUILDKIT="0"))
    if build.returncode != 0:
        sys.exit(f"building {IMAGE} failed:\n{build.stderr[-3000:]}")
    run = subprocess.run(["docker", "run", "--rm", "--network", "none", IMAGE], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"benchmark container failed: {run.stderr[-2000:]}")
    r = json.loads(run.stdout.strip().splitlines()[-1])
    counts = r["counts"]
    many = r["memory"][f"mailer_{counts['queues']}_queues"]

    def rate(side, program):
        value = r[side][program]["rate"]
        return f"{value:8.0f}" if value else "  failed"

    def ratio(a, b):
        return f"{a / b:5.1f}x" if a and b else "    -"

    rows = [
        ("msg/s, instant replies", rate("fast", "mailer"), rate("fast", "nullmailer"),
         ratio(r["fast"]["mailer"]["rate"], r["fast"]["nullmailer"]["rate"]), ">= 3x"),
        ("msg/s, 10 ms per reply", rate("slow", "mailer"), rate("slow", "nullmailer"),
         ratio(r["slow"]["mailer"]["rate"], r["slow"]["nullmailer"]["rate"]), ">= 5x"),
        ("queue to 250, p50 (ms)", f"{r['delay']['mailer']['p50_ms']:8.1f}", f"{r['delay']['nullmailer']['p50_ms']:8.1f}",
         ratio(r["delay"]["nullmailer"]["p50_ms"], r["delay"]["mailer"]["p50_ms"]), "< 20 ms"),
        ("queue to 250, p95 (ms)", f"{r['delay']['mailer']['p95_ms']:8.1f}", f"{r['delay']['nullmailer']['p95_ms']:8.1f}",
         ratio(r["delay"]["nullmailer"]["p95_ms"], r["delay"]["mailer"]["p95_ms"]), ""),
        (f"RSS, {counts['queues']} queues (MB)", f"{many['VmRSS'] / 1024:8.2f}",
         f"{r['memory']['nullmailer_send_1_queue']['VmRSS'] / 1024:8.2f}", "", "< 10 MB"),
        (f"  private (RssAnon, MB)", f"{many['RssAnon'] / 1024:8.2f}",
         f"{r['memory']['nullmailer_send_1_queue']['RssAnon'] / 1024:8.2f}", "", ""),
        ("RSS, 1 queue (MB)", f"{r['memory']['mailer_1_queue']['VmRSS'] / 1024:8.2f}",
         f"{r['memory']['nullmailer_send_1_queue']['VmRSS'] / 1024:8.2f}", "", ""),
    ]
    print(f"mailer vs nullmailer-send ({os.cpu_count()} cores; {counts['fast']} msgs instant, {counts['slow']} at 10 ms, "
          f"{counts['delay']} one by one; nullmailer-send watches its one queue)")
    print(f"{'figure':32} {'webvps':>8} {'nullmlr':>8} {'ratio':>6}  goal")
    for row in rows:
        print(f"{row[0]:32} {row[1]:>8} {row[2]:>8} {row[3]:>6}  {row[4]}")
    os.makedirs(os.path.join(ROOT, "build", "bench-results"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "bench-results", "mailer.json"), "w") as f:
        json.dump(r, f, indent=1)


if __name__ == "__main__":
    main()
