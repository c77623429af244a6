#!/usr/bin/env python3
"""Runs inside the benchmark container: webvps's mailer and nullmailer-send against the same
aiosmtpd sink, on the same spool, one after the other. Prints one JSON object."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

SINK_PORT = 2525
SPOOL = "/home/bench/volumes/home/mail"
QUEUE = SPOOL + "/queue"
N_FAST = int(os.environ.get("N_FAST", "1000"))
N_SLOW = int(os.environ.get("N_SLOW", "200"))
N_DELAY = int(os.environ.get("N_DELAY", "60"))
QUEUES = int(os.environ.get("QUEUES", "500"))
BODY = "x" * 900 + "\n"


def start_sink(delay, log):
    if os.path.exists(log):
        os.unlink(log)
    process = subprocess.Popen([sys.executable, "/bench/smtp_sink.py", "--port", str(SINK_PORT), "--delay", str(delay),
                                "--log", log], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import socket
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", SINK_PORT), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the SMTP sink did not start")


def arrivals(log):
    if not os.path.exists(log):
        return []
    out = []
    with open(log) as f:
        for line in f:
            stamp, _, subject = line.strip().partition(" ")
            out.append((float(stamp), subject))
    return out


def reset_spool():
    shutil.rmtree("/home/bench", ignore_errors=True)
    for sub in ("queue", "tmp"):
        os.makedirs(f"{SPOOL}/{sub}")
    os.mkfifo(SPOOL + "/trigger")
    subprocess.run(["chown", "-R", "mail:mail", SPOOL], check=True)


def prefill(count, prefix):
    for i in range(count):
        name = f"{time.time():.6f}.{os.getpid()}.{i}"
        with open(f"{SPOOL}/tmp/{name}", "w") as f:
            f.write(f"web@bench.example.test\nreader@example.test\n\nFrom: web@bench.example.test\n"
                    f"Subject: {prefix}-{i}\n\n{BODY}")
        os.link(f"{SPOOL}/tmp/{name}", f"{QUEUE}/{name}")
        os.unlink(f"{SPOOL}/tmp/{name}")


def start_nullmailer():
    return subprocess.Popen(["nullmailer-send"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_mailer(extra_env=None):
    env = dict(os.environ)
    env.update({"WEBVPS_MAILER_REGISTRY": "/bench-registry.yaml", "WEBVPS_MAILER_DATA_DIR": "/tmp/mailer-data",
                "WEBVPS_MAILER_SMTP_HOST": "127.0.0.1", "WEBVPS_MAILER_SMTP_PORT": str(SINK_PORT),
                "WEBVPS_MAILER_STATUS_ADDRESS": "127.0.0.1:9103", "WEBVPS_MAILER_LOG_LEVEL": "warn"})
    env.update(extra_env or {})
    shutil.rmtree("/tmp/mailer-data", ignore_errors=True)
    return subprocess.Popen(["mailer"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(log, count, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = arrivals(log)
        if len(got) >= count:
            return got
        time.sleep(0.05)
    return arrivals(log)


def throughput(program, delay, count):
    """Messages per second between the first and the last arrival, the queue filled beforehand."""
    log = f"/tmp/sink-{program}-{delay}.log"
    sink = start_sink(delay, log)
    reset_spool()
    prefill(count, "tp")
    process = start_nullmailer() if program == "nullmailer" else start_mailer()
    got = wait_for(log, count, timeout=600)
    stop(process)
    stop(sink)
    if len(got) < count:
        return {"rate": None, "received": len(got)}
    times = sorted(t for t, _ in got)
    return {"rate": (count - 1) / (times[-1] - times[0]), "received": len(got)}


def queue_delay(program):
    """From calling `sendmail` (nullmailer-inject, then nullmailer-queue writes the queue file) to
    the sink's 250, one message at a time; the same injection for both programs."""
    log = f"/tmp/sink-delay-{program}.log"
    sink = start_sink(0, log)
    reset_spool()
    process = start_nullmailer() if program == "nullmailer" else start_mailer()
    time.sleep(1)
    queued = {}
    for i in range(N_DELAY):
        subject = f"delay-{i}"
        message = f"From: web@bench.example.test\nTo: reader@example.test\nSubject: {subject}\n\nhi\n"
        queued[subject] = time.time()
        subprocess.run(["sendmail", "-f", "web@bench.example.test", "reader@example.test"], input=message.encode(),
                       check=True)
        wait_for(log, i + 1, timeout=120)
    got = wait_for(log, N_DELAY, timeout=60)
    stop(process)
    stop(sink)
    delays = sorted((t - queued[s]) * 1000 for t, s in got if s in queued)
    return {"p50_ms": statistics.median(delays), "p95_ms": delays[int(0.95 * (len(delays) - 1))], "samples": len(delays),
            "delays_ms": delays}


def rss_kib(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                values[key] = int(value.split()[0])
    return values


def memory():
    reset_spool()
    sink = start_sink(0, "/tmp/sink-rss.log")
    result = {}
    process = start_mailer()
    time.sleep(2)
    result["mailer_1_queue"] = rss_kib(process.pid)
    stop(process)
    for i in range(QUEUES):
        os.makedirs(f"/home/site{i:03d}/volumes/home/mail/queue", exist_ok=True)
    process = start_mailer()
    time.sleep(3)
    result[f"mailer_{QUEUES}_queues"] = rss_kib(process.pid)
    stop(process)
    for i in range(QUEUES):
        shutil.rmtree(f"/home/site{i:03d}")
    process = start_nullmailer()
    time.sleep(2)
    result["nullmailer_send_1_queue"] = rss_kib(process.pid)
    stop(process)
    stop(sink)
    return result


def main():
    with open("/bench-registry.yaml", "w") as f:
        f.write("admin_email: admin@bench.example.test\ndefaults:\n  mail: {limit: 1000000, window: 1s}\nsites: []\n")
    with open("/etc/nullmailer/remotes", "w") as f:
        f.write(f"127.0.0.1 smtp --port={SINK_PORT}\n")
    with open("/etc/mailname", "w") as f:
        f.write("bench.example.test\n")
    if os.path.islink("/var/spool/nullmailer") or os.path.isdir("/var/spool/nullmailer"):
        if os.path.islink("/var/spool/nullmailer"):
            os.unlink("/var/spool/nullmailer")
        else:
            shutil.rmtree("/var/spool/nullmailer")
    os.makedirs("/home/bench/volumes/home", exist_ok=True)
    os.symlink(SPOOL, "/var/spool/nullmailer")
    results = {
        "fast": {p: throughput(p, 0, N_FAST) for p in ("mailer", "nullmailer")},
        "slow": {p: throughput(p, 0.01, N_SLOW) for p in ("mailer", "nullmailer")},
        "delay": {p: queue_delay(p) for p in ("mailer", "nullmailer")},
        # Throughput against the relay's reply time, for the report's curve (0 and 10 ms above).
        "sweep": {str(ms): {p: throughput(p, ms / 1000, count) for p in ("mailer", "nullmailer")}
                  for ms, count in ((2, N_SLOW), (5, N_SLOW))},
        "memory": memory(),
        "counts": {"fast": N_FAST, "slow": N_SLOW, "delay": N_DELAY, "queues": QUEUES},
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
