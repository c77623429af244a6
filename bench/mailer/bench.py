#!/usr/bin/env python3
"""mailer benchmark: webvps's mailer against Debian's nullmailer-send on the same aiosmtpd sink
and the same spool, in one container: messages per second with instant replies and with 10 ms
per reply, queue-to-250 delay, and RSS while watching 500 site queues; then through the same
Postfix (STARTTLS, AUTH) at TLS 1.3 and 1.2, with the mailer before issue 14 (libESMTP) as well;
then the peak resident memory with 400 messages of 40 MB. Prints a table; never asserts a time."""
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
    for name in ("smtp_sink.py", "postfix_relay.py"):
        shutil.copy(os.path.join(ROOT, "tests", "e2e", name), context)
    # The mailer before issue 14 (libESMTP, as the other benchmarks' "before" images), built once.
    subprocess.run(["bash", os.path.join(ROOT, "bench", "before-images.sh"), "mailer"], check=True)
    build = subprocess.run(["docker", "build", "-q", "-t", IMAGE, context], capture_output=True, text=True,
                           env=dict(os.environ, DOCKER_BUILDKIT="0"))
    if build.returncode != 0:
        sys.exit(f"building {IMAGE} failed:\n{build.stderr[-3000:]}")
    # The counts can be made smaller for a quick look (N_RELAY=50 bash bench/mailer/run.sh).
    counts_env = [arg for key in ("N_FAST", "N_SLOW", "N_DELAY", "QUEUES", "N_RELAY", "BEFORE_LIMIT_S", "N_BIG",
                                  "N_BIG_BEFORE", "BIG_MB", "PHASES", "BIG_PROGRAMS") if key in os.environ for arg in ("-e", f"{key}={os.environ[key]}")]
    run = subprocess.run(["docker", "run", "--rm", "--network", "none", *counts_env, IMAGE], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"benchmark container failed: {run.stderr[-2000:]}")
    r = json.loads(run.stdout.strip().splitlines()[-1])
    saved = os.path.join(ROOT, "build", "bench-results", "mailer.json")
    if os.environ.get("PHASES"):
        # Some phases again (PHASES=big): the others' figures are the last full run's.
        if not os.path.exists(saved):
            sys.exit(f"PHASES is set but {saved} is missing: run the whole benchmark once first")
        with open(saved) as f:
            previous = json.load(f)
        counts_of = {"fast": ("fast",), "slow": ("slow",), "delay": ("delay",), "memory": ("queues",),
                     "relay": ("relay", "before_limit_s"), "big": ("big", "big_before", "big_mb")}
        for phase in r:
            if phase == "counts":
                continue
            if phase == "big":
                previous.setdefault("big", {}).update(r["big"])  # by program (BIG_PROGRAMS)
            else:
                previous[phase] = r[phase]
            for key in counts_of.get(phase, ()):
                previous["counts"][key] = r["counts"][key]
        r = previous
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
    print()
    print(f"through Postfix 3.7 (STARTTLS required, SASL AUTH, delivering to Maildirs), {counts['relay']} msgs "
          f"(the libESMTP mailer stopped after {counts['before_limit_s']} s)")
    print(f"{'figure':32} {'webvps':>8} {'nullmlr':>8} {'libESMTP':>8} {'ratio':>6}  stalled sessions (webvps/libESMTP)")
    for tls, label in (("tls1.3", "TLS 1.3"), ("tls1.2", "TLS 1.2")):
        side = r["relay"][tls]
        print(f"{'msg/s, ' + label:32} {side['mailer']['rate'] or 0:8.0f} {side['nullmailer']['rate'] or 0:8.0f} "
              f"{side['before']['rate'] or 0:8.1f} {ratio(side['mailer']['rate'], side['nullmailer']['rate']):>6}  "
              f"{side['mailer']['stalled_sessions']}/{side['before']['stalled_sessions']}"
              f"{'' if side['before']['complete'] else ' (libESMTP: ' + str(side['before']['delivered']) + ' delivered)'}")
    big = r["big"]
    print()
    print(f"peak resident memory (VmHWM) sending messages of {counts['big_mb']} MB")
    print(f"  webvps mailer, {big['mailer']['messages']} messages: {big['mailer']['peak_rss_kib'] / 1024:.1f} MB "
          f"({big['mailer']['delivered']} sent, {big['mailer']['mb_per_s']} MB/s)   goal < 64 MB")
    print(f"  libESMTP mailer, {big['before']['messages']} messages: {big['before']['peak_rss_kib'] / 1024:.1f} MB")
    print(f"  nullmailer-send, {big['nullmailer']['messages']} messages: {big['nullmailer']['peak_rss_kib'] / 1024:.1f} MB")
    os.makedirs(os.path.join(ROOT, "build", "bench-results"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "bench-results", "mailer.json"), "w") as f:
        json.dump(r, f, indent=1)


if __name__ == "__main__":
    main()
