#!/usr/bin/env python3
"""Runs inside the benchmark container: webvps's mailer and nullmailer-send against the same
aiosmtpd sink, on the same spool, one after the other; then all three (with the mailer before
issue 14, libESMTP's) through the same Postfix with STARTTLS and AUTH, at TLS 1.3 and 1.2; then
the resident memory with 400 messages of 40 MB in flight. Prints one JSON object."""
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, "/bench")
from smtp_sink import free_port  # noqa: E402  (tests/e2e/smtp_sink.py, copied in)

SINK_PORT = 2525
SPOOL = "/home/bench/volumes/home/mail"
QUEUE = SPOOL + "/queue"
N_FAST = int(os.environ.get("N_FAST", "1000"))
N_SLOW = int(os.environ.get("N_SLOW", "200"))
N_DELAY = int(os.environ.get("N_DELAY", "60"))
N_RELAY = int(os.environ.get("N_RELAY", "500"))
BEFORE_LIMIT_S = int(os.environ.get("BEFORE_LIMIT_S", "120"))
N_BIG = int(os.environ.get("N_BIG", "400"))
N_BIG_BEFORE = int(os.environ.get("N_BIG_BEFORE", "16"))
BIG_MB = int(os.environ.get("BIG_MB", "40"))
BEFORE = ["/opt/before/bin/mailer"]
BEFORE_ENV = {"LD_LIBRARY_PATH": "/opt/before/lib"}
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


def start_mailer(extra_env=None, before=False):
    env = dict(os.environ)
    if before:
        env.update(BEFORE_ENV)
    env.update({"WEBVPS_MAILER_REGISTRY": "/bench-registry.yaml", "WEBVPS_MAILER_DATA_DIR": "/tmp/mailer-data",
                "WEBVPS_MAILER_SMTP_HOST": "127.0.0.1", "WEBVPS_MAILER_SMTP_PORT": str(SINK_PORT),
                "WEBVPS_MAILER_STATUS_ADDRESS": "127.0.0.1:9103", "WEBVPS_MAILER_LOG_LEVEL": "warn"})
    for key, value in (extra_env or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    shutil.rmtree("/tmp/mailer-data", ignore_errors=True)
    return subprocess.Popen(BEFORE if before else ["mailer"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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


def set_remotes(line):
    with open("/etc/nullmailer/remotes", "w") as f:
        f.write(line + "\n")


def relay_throughput(relay, program, count, limit_s):
    """Through Postfix (STARTTLS, AUTH): messages per second from the start to the last delivery,
    within `limit_s`; and the sessions that stalled (EHLO twice, then only QUIT)."""
    reset_spool()
    prefill(count, f"relay-{program}")
    before_count = relay.count()
    stalled_before = len(re.findall(r"ehlo=2 starttls=1 (auth=1 )?quit=1 commands", relay.log()))
    ca = str(relay.ca_file())
    if program == "nullmailer":
        set_remotes(f"localhost smtp --port={relay.port} --starttls --x509cafile={ca} --user={relay.user} --pass={relay.password}")
        process = start_nullmailer()
    else:
        process = start_mailer({"MAILER_SMTP": relay.mailer_smtp(host="localhost"), "WEBVPS_MAILER_SMTP_HOST": None,
                                "WEBVPS_MAILER_SMTP_PORT": None, "WEBVPS_MAILER_SMTP_CA_FILE": ca},
                               before=program == "before")
    started = time.monotonic()
    last = started
    done = 0
    while time.monotonic() - started < limit_s and process.poll() is None:
        got = relay.count() - before_count
        if got != done:
            done, last = got, time.monotonic()
        if done >= count:
            break
        time.sleep(0.05)
    stop(process)
    stalled = len(re.findall(r"ehlo=2 starttls=1 (auth=1 )?quit=1 commands", relay.log())) - stalled_before
    elapsed = (last if done >= count else time.monotonic()) - started
    return {"rate": done / elapsed if elapsed > 0 else None, "delivered": done, "count": count,
            "seconds": round(elapsed, 1), "stalled_sessions": stalled, "complete": done >= count}


def relay_figures():
    from postfix_relay import PostfixRelay
    results = {}
    for tls, tls_max in (("tls1.3", None), ("tls1.2", "TLSv1.2")):
        relay = PostfixRelay(f"/tmp/relay-{tls}", tls_max=tls_max, domains=("example.test",)).start()
        try:
            results[tls] = {
                "mailer": relay_throughput(relay, "mailer", N_RELAY, 300),
                "nullmailer": relay_throughput(relay, "nullmailer", N_RELAY, 300),
                "before": relay_throughput(relay, "before", N_RELAY, BEFORE_LIMIT_S),
            }
        finally:
            relay.stop()
    set_remotes(f"127.0.0.1 smtp --port={SINK_PORT}")
    return results


class DiscardSink:
    """An SMTP server that reads and throws away every message as fast as it can (PIPELINING,
    SIZE), counting them: the relay for the memory figure, where 16 GB go through."""

    def __init__(self, port):
        self.port = port
        self.messages = 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        if not self.ready.wait(10):
            raise RuntimeError(f"the discarding sink could not listen on port {port}")

    def _run(self):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", self.port, limit=1 << 20))
        self.server = server
        self.ready.set()
        self.loop.run_forever()

    async def _session(self, reader, writer):
        writer.write(b"220 discard ESMTP\r\n")
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(b"250-discard\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 100000000\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go\r\n")
                    await writer.drain()
                    tail = b""
                    while True:
                        chunk = await reader.read(1 << 20)
                        if not chunk:
                            return
                        window = tail + chunk
                        if b"\r\n.\r\n" in window:
                            break
                        tail = window[-4:]
                    self.messages += 1
                    writer.write(b"250 discarded\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    break
                else:
                    writer.write(b"250 ok\r\n")
                await writer.drain()
        finally:
            writer.close()

    def stop(self):
        # Close the listening socket too: a listener left behind takes the next run's connections
        # into its backlog and never answers them.
        async def close():
            self.server.close()
            await self.server.wait_closed()
        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def big_messages(program, count):
    """Peak resident memory (VmHWM) of a program sending `count` messages of BIG_MB each: one file,
    hard-linked `count` times into the queue (16 GB of mail on 40 MB of disk)."""
    reset_spool()
    big = f"{SPOOL}/tmp/big"
    line = ("b" * 76 + "\n").encode()
    with open(big, "wb") as f:
        f.write(b"web@bench.example.test\nreader@example.test\n\nFrom: web@bench.example.test\nSubject: big\n\n")
        f.write(line * (BIG_MB * 1024 * 1024 // len(line)))
    for i in range(count):
        os.link(big, f"{QUEUE}/{time.time():.6f}.big.{i}")
    os.unlink(big)
    port = free_port()
    sink = DiscardSink(port)
    if program == "nullmailer":
        set_remotes(f"127.0.0.1 smtp --port={port}")
        process = start_nullmailer()
    else:
        # The site's queue cap (limits.queued_size, 200 MB by default) would pause it after 5 of
        # these: raised above the whole batch, so that all of it is in flight.
        process = start_mailer({"WEBVPS_MAILER_SMTP_PORT": str(port), "WEBVPS_MAILER_MAX_MESSAGE_SIZE": str(100 << 20),
                                "WEBVPS_MAILER_LIMITS_QUEUED_SIZE": str((count + 1) * BIG_MB << 20)},
                               before=program == "before")
    started = time.monotonic()
    while sink.messages < count and time.monotonic() - started < 600 and process.poll() is None:
        time.sleep(0.2)
    hwm = 0
    with open(f"/proc/{process.pid}/status") as f:
        for status_line in f:
            if status_line.startswith("VmHWM:"):
                hwm = int(status_line.split()[1])
    elapsed = time.monotonic() - started
    stop(process)
    sink.stop()
    set_remotes(f"127.0.0.1 smtp --port={SINK_PORT}")
    return {"peak_rss_kib": hwm, "messages": count, "delivered": sink.messages, "seconds": round(elapsed, 1),
            "mb_per_s": round(sink.messages * BIG_MB / elapsed, 1) if elapsed else None}


def main():
    with open("/bench-registry.yaml", "w") as f:
        f.write("admin_email: admin@bench.example.test\ndefaults:\n  mail: {limit: 1000000, window: 1s}\nsites:\n"
                "  - {name: bench, id: 1, host: bench.example.test, email: web@bench.example.test}\n")
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
    phases = {
        "fast": lambda: {p: throughput(p, 0, N_FAST) for p in ("mailer", "nullmailer")},
        "slow": lambda: {p: throughput(p, 0.01, N_SLOW) for p in ("mailer", "nullmailer")},
        "delay": lambda: {p: queue_delay(p) for p in ("mailer", "nullmailer")},
        # Throughput against the relay's reply time, for the report's curve (0 and 10 ms above).
        "sweep": lambda: {str(ms): {p: throughput(p, ms / 1000, count) for p in ("mailer", "nullmailer")}
                          for ms, count in ((2, N_SLOW), (5, N_SLOW))},
        "memory": memory,
        "relay": relay_figures,
        # BIG_PROGRAMS=mailer measures only that one (bench.py keeps the others' last figures).
        "big": lambda: {program: big_messages(program, N_BIG if program == "mailer" else N_BIG_BEFORE)
                        for program in os.environ.get("BIG_PROGRAMS", "mailer,before,nullmailer").split(",")},
    }
    # PHASES=relay,big runs only those (bench.py keeps the other figures of the last run).
    wanted = [name for name in os.environ.get("PHASES", ",".join(phases)).split(",") if name]
    unknown = [name for name in wanted if name not in phases]
    if unknown:
        sys.exit(f"PHASES: unknown {', '.join(unknown)} (known: {', '.join(phases)})")
    results = {name: phases[name]() for name in wanted}
    results["counts"] = {"fast": N_FAST, "slow": N_SLOW, "delay": N_DELAY, "queues": QUEUES, "relay": N_RELAY,
                         "before_limit_s": BEFORE_LIMIT_S, "big": N_BIG, "big_before": N_BIG_BEFORE, "big_mb": BIG_MB}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
