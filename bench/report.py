#!/usr/bin/env python3
"""Writes docs/benchmarks.md, and its plots docs/benchmarks/*.png (drawn with gnuplot), from the
results the benchmarks left in build/bench-results/. `make bench` runs it after them; it can be
run again on its own. Every figure is webvps next to the incumbent measured in the same run (or
quoted, where Debian does not package it), with the ratio and the goal of the program's issue."""
import datetime
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "build", "bench-results")
DOCS = os.path.join(ROOT, "docs")
PLOTS = os.path.join(DOCS, "benchmarks")


def load(name):
    path = os.path.join(RESULTS, f"{name}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        memory_gb = int(f.readline().split()[1]) / 1024 / 1024
    docker = subprocess.run(["docker", "version", "-f", "{{.Server.Version}}"], capture_output=True, text=True).stdout.strip()
    debian = open("/etc/debian_version").read().strip() if os.path.exists("/etc/debian_version") else "?"
    return (f"{os.cpu_count()} cores ({cpu}), {memory_gb:.0f} GiB of memory, Linux {platform.release()}, "
            f"Debian {debian}, Docker Engine {docker or '?'}")


def sites(n):
    return f"{n} site" if str(n) == "1" else f"{n} sites"


def ratio(a, b):
    return f"{a / b:.1f}x" if a and b else ""


def verdict(met):
    return "met" if met else "**missed**"


class Report:
    def __init__(self):
        self.lines = []
        self.goals = []  # (program, figure, measured, goal, met)

    def add(self, *lines):
        self.lines.extend(lines)

    def table(self, header, rows):
        self.add("| " + " | ".join(header) + " |", "|" + "---|" * len(header))
        for row in rows:
            self.add("| " + " | ".join(str(cell) for cell in row) + " |")
        self.add("")

    def goal(self, program, figure, measured, goal, met):
        self.goals.append((program, figure, measured, goal, verdict(met)))


def percentiles(samples):
    ordered = sorted(samples)
    return [(100 * i / (len(ordered) - 1) if len(ordered) > 1 else 100, value) for i, value in enumerate(ordered)]


def plot(name, script, datasets):
    """Writes each dataset (name -> rows) to a .dat file and runs the gnuplot `script`
    (which refers to them as '<dataset>.dat') into docs/benchmarks/<name>.png."""
    data_dir = os.path.join(RESULTS, "plots")
    os.makedirs(data_dir, exist_ok=True)
    os.makedirs(PLOTS, exist_ok=True)
    for dataset, rows in datasets.items():
        with open(os.path.join(data_dir, f"{dataset}.dat"), "w") as out:
            for row in rows:
                out.write(" ".join(str(value) for value in row) + "\n")
    head = (f"set terminal pngcairo size 900,520 font 'sans,11'\nset output '{os.path.join(PLOTS, name)}.png'\n"
            "set grid\nset key top left\n")
    result = subprocess.run(["gnuplot"], input=head + script, text=True, capture_output=True, cwd=data_dir)
    if result.returncode != 0:
        sys.exit(f"gnuplot failed for {name}: {result.stderr}")
    return f"benchmarks/{name}.png"


def proxy_gen(report):
    r = load("proxy-gen")
    report.add("## proxy-gen (`bash bench/proxy-gen/run.sh`)", "")
    if not r:
        report.add("Not run.", "")
        return None
    lat, mem, render, nginx_t = r["latency"], r["memory"], r["render"], r["nginx_t_ms"]
    report.add("nginx-proxy is not packaged in Debian, so its figures are quoted from its sources: docker-gen "
               "debounces 100 to 500 ms and lists and inspects every container on each change; nginx-proxy's own "
               "tests allow 2 s for a new container to be served.", "")
    report.table(["figure", "webvps", "nginx-proxy (quoted)", "goal"], [
        [f"`docker start` returned -> first 200 through the proxy, p50 ({lat['starts']} starts)", f"{lat['p50_ms']:.0f} ms", "up to 2000 ms allowed", "< 300 ms"],
        ["same, p95", f"{lat['p95_ms']:.0f} ms", "", ""],
        ["work per container event", "1 inspect", "list + 1 inspect per container", ""],
        *[[f"render, {sites(n)}", f"{render[n]['median_ms']:.2f} ms", "", "< 20 ms" if n == "1000" else ""] for n in render],
        *[[f"`nginx -t`, {sites(n)}", f"{nginx_t[n]:.0f} ms", "", ""] for n in nginx_t],
        *[[f"whole apply (render, `nginx -t`, install, reload), {sites(n)}", f"{mem[n]['apply_ms']:.0f} ms", "", ""] for n in mem],
        *[[f"RSS of proxy-gen, {sites(n)}", f"{mem[n]['rss_mb']:.2f} MB (private {mem[n]['private_mb']:.2f})", "", "< 8 MB"] for n in mem],
    ])
    report.goal("proxy-gen", "docker start -> first 200, p50", f"{lat['p50_ms']:.0f} ms", "< 300 ms", lat["p50_ms"] < 300)
    report.goal("proxy-gen", "render 1000 sites", f"{render['1000']['median_ms']:.1f} ms", "< 20 ms", render["1000"]["median_ms"] < 20)
    for n in mem:
        report.goal("proxy-gen", f"RSS at {sites(n)}", f"{mem[n]['rss_mb']:.2f} MB", "< 8 MB", mem[n]["rss_mb"] < 8)
    report.add("Sites have two host names each, half of them a certificate. The RSS is mostly shared library pages "
               "(libstdc++, libc, GnuTLS that libmicrohttpd loads: about 7.5 MB in any process using them); what "
               "proxy-gen holds itself is the private part. At 1000 sites `nginx -t` (loading 500 certificates) is "
               "most of an apply: changes are then applied about 1.3 s after the event.", "")
    return lat.get("samples_ms"), mem


def proxy_traffic(report):
    r = load("proxy-traffic")
    report.add("### The proxy on what users run (`bench/proxy-gen/traffic.py`)", "")
    if not r:
        report.add("Not run.", "")
        return
    start, restart, planned, traffic, traefik = r["start"], r["restart"], r["planned"], r["traffic"], r["traefik"]

    def tally(runs):
        return f"{sum(x['other'] for x in runs)} of {sum(x['total'] for x in runs)}"

    def rounds(key):
        return " / ".join(f"{x['rps']:.0f}" for x in traffic[key])

    def mean(key):
        return sum(x["rps"] for x in traffic[key]) / len(traffic[key])

    direct = mean("direct")
    report.add("The real site image (`webvps/phpserver` with its own HEALTHCHECK, every 30 s) behind the real "
               "`webvps/proxy`. *Before* is measured in the same run: the same proxy-gen with "
               "`proxy.require_healthy: true` (no traffic until Docker says `healthy`, as before issue 16), and "
               "`site.sh stop` + `start` (what `site.sh restart` did). Traefik v3.7 does not build from the Go module "
               "proxy here: its figures, measured on this machine, are quoted from issue 16. Load: `wrk -t2 -c20`, "
               f"three rounds of {traffic.get('round_s', 10)} s back to back, a 1 KB static page.", "")
    report.table(["figure", "webvps", "before", "Traefik (quoted)", "goal"], [
        [f"`docker start` returned -> first 200 through the proxy, p50 ({start['starts']} starts)", f"{start['new_p50_ms']:.0f} ms",
         f"{start['old_p50_ms']:.0f} ms", f"{traefik['start_with_healthcheck_ms']} ms", "< 500 ms"],
        ["same, p95", f"{start['new_p95_ms']:.0f} ms", "", "", ""],
        ["first 200 through the proxy after Apache's first 200, p50", f"{start['after_ready_p50_ms']:.0f} ms", "",
         f"{traefik['after_ready_ms']} ms", "< 50 ms"],
        [f"non-200 answers, client looping, `site.sh restart` ({len(planned['restart'])} times)", tally(planned["restart"]),
         tally(planned["stop_start"]) + " (stop + start)", "", "0"],
        [f"non-200 answers, client looping, `site.sh upgrade` ({len(planned['upgrade'])} times)", tally(planned["upgrade"]), "", "", "0"],
        ["non-200 answers during a plain `docker restart` (nothing beside it: the 503 page)",
         f"{restart['new']['other']} of {restart['new']['total']}", f"{restart['old']['other']} of {restart['old']['total']}", "", ""],
        ["req/s straight to Apache", rounds("direct"), "", f"{traefik['direct_rps']}", ""],
        ["req/s through the proxy, HTTP", f"{rounds('proxy_http')} ({mean('proxy_http') / direct:.2f} of direct)",
         "0.10-0.27 of direct (issue 16)", f"{traefik['through_rps']} ({traefik['through_rps'] / traefik['direct_rps']:.2f})", ">= 0.5, steady"],
        ["req/s through the proxy, HTTPS", f"{rounds('proxy_https')} ({mean('proxy_https') / direct:.2f} of direct)", "", "", ""],
        ["connections in TIME_WAIT in the proxy after 30 s, HTTP / HTTPS", f"{traffic['time_wait_http']} / {traffic['time_wait_https']}",
         "about 14,200 (issue 16)", "about 300", ""],
        ["resident memory of the proxy container (nginx and proxy-gen)", f"{r['memory_mb']['proxy']:.1f} MB", "", "79 MB", ""],
    ])
    report.goal("proxy", "docker start of webvps/phpserver -> first 200, p50", f"{start['new_p50_ms']:.0f} ms", "< 500 ms",
                start["new_p50_ms"] < 500)
    report.goal("proxy", "first 200 after the site is ready, p50", f"{start['after_ready_p50_ms']:.0f} ms", "< 50 ms",
                start["after_ready_p50_ms"] < 50)
    failed = sum(x["other"] for x in planned["restart"] + planned["upgrade"])
    report.goal("proxy", "non-200 during site.sh restart and upgrade", str(failed), "0", failed == 0)
    low = min(x["rps"] for x in traffic["proxy_http"]) / direct
    report.goal("proxy", "through the proxy / straight to Apache, every round", f"{low:.2f}", ">= 0.5", low >= 0.5)
    report.add("The proxy routes a starting container at once; nginx's refused connection is the readiness check "
               "(docs/proxy-gen.md). `site.sh restart` takes longer than stop + start (the new container starts "
               "beside the old one, which stops once nginx routes the new one) and fails no request.", "")


def mailer(report):
    r = load("mailer")
    report.add("## mailer (`bash bench/mailer/run.sh`)", "")
    if not r:
        report.add("Not run.", "")
        return None
    fast, slow, delay, memory, counts = r["fast"], r["slow"], r["delay"], r["memory"], r["counts"]
    many = memory[f"mailer_{counts['queues']}_queues"]
    null = memory["nullmailer_send_1_queue"]
    report.add("Both against the same aiosmtpd sink and the same spool, one after the other, in one container. "
               "The delay counts from calling nullmailer's `sendmail` (about 10 ms of nullmailer-inject and "
               "nullmailer-queue, the same for both) to the sink's 250.", "")
    report.table(["figure", "webvps mailer", "nullmailer-send", "ratio", "goal"], [
        [f"msg/s, instant replies ({counts['fast']} msgs)", f"{fast['mailer']['rate']:.0f}", f"{fast['nullmailer']['rate']:.0f}",
         ratio(fast["mailer"]["rate"], fast["nullmailer"]["rate"]), ">= 3x"],
        [f"msg/s, 10 ms per reply ({counts['slow']} msgs)", f"{slow['mailer']['rate']:.0f}", f"{slow['nullmailer']['rate']:.0f}",
         ratio(slow["mailer"]["rate"], slow["nullmailer"]["rate"]), ">= 5x"],
        ["queue to 250, p50", f"{delay['mailer']['p50_ms']:.1f} ms", f"{delay['nullmailer']['p50_ms']:.1f} ms", "", "< 20 ms"],
        ["queue to 250, p95", f"{delay['mailer']['p95_ms']:.1f} ms", f"{delay['nullmailer']['p95_ms']:.1f} ms", "", ""],
        [f"RSS watching {counts['queues']} queues", f"{many['VmRSS'] / 1024:.2f} MB (private {many['RssAnon'] / 1024:.2f})",
         f"{null['VmRSS'] / 1024:.2f} MB (1 queue)", "", "< 10 MB"],
    ])
    fast_ratio = fast["mailer"]["rate"] / fast["nullmailer"]["rate"]
    slow_ratio = slow["mailer"]["rate"] / slow["nullmailer"]["rate"]
    report.goal("mailer", "msg/s vs nullmailer, instant replies", f"{fast_ratio:.1f}x", ">= 3x", fast_ratio >= 3)
    report.goal("mailer", "msg/s vs nullmailer, 10 ms replies", f"{slow_ratio:.1f}x", ">= 5x", slow_ratio >= 5)
    report.goal("mailer", "queue to 250, p50", f"{delay['mailer']['p50_ms']:.1f} ms", "< 20 ms", delay["mailer"]["p50_ms"] < 20)
    report.goal("mailer", f"RSS with {counts['queues']} queues", f"{many['VmRSS'] / 1024:.2f} MB", "< 10 MB", many["VmRSS"] / 1024 < 10)
    relay, big = r.get("relay"), r.get("big")
    if relay:
        report.add(f"Through Debian's Postfix 3.7 on loopback (STARTTLS required, SASL AUTH, delivering to Maildirs), "
                   f"{counts['relay']} messages each, with the mailer before issue 14 (libESMTP) in the same run; "
                   f"that one was stopped after {counts['before_limit_s']} s. A stalled session is one Postfix "
                   "logs as `ehlo=2 starttls=1 quit=1`: it ended without a message.", "")
        rows = []
        for tls, label in (("tls1.3", "TLS 1.3"), ("tls1.2", "TLS 1.2")):
            side = relay[tls]
            before = side["before"]
            rows.append([f"msg/s, {label}", f"{side['mailer']['rate'] or 0:.0f}", f"{side['nullmailer']['rate'] or 0:.0f}",
                         f"{before['rate'] or 0:.1f}" + ("" if before["complete"] else f" ({before['delivered']} sent)"),
                         ratio(side["mailer"]["rate"], side["nullmailer"]["rate"]),
                         f"{side['mailer']['stalled_sessions']} / {before['stalled_sessions']}"])
        report.table(["figure", "webvps mailer", "nullmailer-send", "libESMTP mailer", "ratio", "stalled sessions (webvps / libESMTP)"], rows)
        for tls, label in (("tls1.3", "TLS 1.3"), ("tls1.2", "TLS 1.2")):
            side = relay[tls]
            report.goal("mailer", f"stalled sessions through Postfix, {label}", str(side["mailer"]["stalled_sessions"]), "0",
                        side["mailer"]["stalled_sessions"] == 0)
    if big:
        mine = big["mailer"]
        report.add(f"Peak resident memory (VmHWM) sending messages of {counts['big_mb']} MB to a discarding sink:", "")
        report.table(["program", "messages", "peak RSS", "goal"], [
            ["webvps mailer", str(mine["messages"]), f"{mine['peak_rss_kib'] / 1024:.1f} MB", "< 64 MB"],
            ["libESMTP mailer (before issue 14)", str(big["before"]["messages"]), f"{big['before']['peak_rss_kib'] / 1024:.1f} MB", ""],
            ["nullmailer-send", str(big["nullmailer"]["messages"]), f"{big['nullmailer']['peak_rss_kib'] / 1024:.1f} MB", ""],
        ])
        report.goal("mailer", f"peak RSS, {mine['messages']} messages of {counts['big_mb']} MB",
                    f"{mine['peak_rss_kib'] / 1024:.1f} MB", "< 64 MB", mine["peak_rss_kib"] / 1024 < 64)
    sweep = {0: fast, 10: slow}
    for ms, rates in r.get("sweep", {}).items():
        sweep[int(ms)] = rates
    return sweep, delay, memory, counts


def phpserver_init(report):
    r = load("phpserver-init")
    report.add("## phpserver-init (`bash bench/phpserver-init/run.sh`)", "")
    if not r:
        report.add("Not run.", "")
        return None
    init, tini, supervisord = r["phpserver-init"], r["tini"], r["supervisord"]
    delays = sorted(init["delays_ms"])
    p50, p95 = delays[len(delays) // 2], delays[int(0.95 * (len(delays) - 1))]
    report.add("The three inits run the same Apache and cron in the same image. Neither tini nor supervisord reloads "
               "Apache on a file; the original polled the flag from cron, once a minute.", "")
    report.table(["figure", "phpserver-init", "tini", "supervisord", "goal"], [
        ["RSS of PID 1", f"{init['rss_kb'] / 1024:.2f} MB", f"{tini['rss_kb'] / 1024:.2f} MB", f"{supervisord['rss_kb'] / 1024:.2f} MB", "< 1.5 MB"],
        ["of which private", f"{init['private_kb'] / 1024:.2f} MB", f"{tini['private_kb'] / 1024:.2f} MB",
         f"{supervisord['private_kb'] / 1024:.2f} MB", ""],
        [f"flag -> reloaded answer, p50 ({len(delays)} reloads)", f"{p50:.0f} ms", "no reload", "no reload", "< 300 ms (original: up to 60 s)"],
        ["same, p95", f"{p95:.0f} ms", "", "", ""],
    ])
    report.goal("phpserver-init", "flag -> reload, p50", f"{p50:.0f} ms", "< 300 ms", p50 < 300)
    report.goal("phpserver-init", "RSS of PID 1", f"{init['rss_kb'] / 1024:.2f} MB", "< 1.5 MB", init["rss_kb"] / 1024 < 1.5)
    report.add("The RSS goal needs a static build: of the init's resident memory, shared library pages "
               "(libstdc++, libc, GnuTLS through libmicrohttpd, spdlog, yaml-cpp) are most; its own private "
               "memory is the second line.", "")
    return delays


def sshd_chroot(report):
    r = load("sshd-chroot")
    report.add("## sshd-chroot (`bash bench/sshd-chroot/run.sh`)", "")
    if not r:
        report.add("Not run.", "")
        return
    ours, theirs = r["webvps"], r["jailkit"]
    jk_100 = r["jailkit_100_ms"]
    report.add(f"The same tool set ({ours['store_files']} files: bash, coreutils, git, PHP, the MariaDB client...) "
               f"from the same image. jk_init takes seconds per jail, so {theirs['sites']} jails were made "
               f"({theirs['ms'] / 1000:.1f} s) and the time scaled to 100.", "")
    report.table(["figure", "sshd-chroot", "jailkit jk_init", "ratio", "goal"], [
        ["100 shell sites from none (accounts, keys, jails)", f"{ours['shell_wall_ms'] / 1000:.2f} s", f"{jk_100 / 1000:.0f} s (scaled)",
         ratio(jk_100, ours["shell_wall_ms"]), "< 5 s"],
        ["100 SFTP-only sites from none", f"{ours['sftp_wall_ms'] / 1000:.2f} s", "", "", ""],
        ["disk per extra shell jail", f"{ours['disk_per_jail_kb'] / 1024:.2f} MB", f"{theirs['disk_per_jail_kb'] / 1024:.0f} MB",
         ratio(theirs["disk_per_jail_kb"], ours["disk_per_jail_kb"]), "< 1 MB"],
        ["the tools' one copy (the store)", f"{ours['store_mb']} MB, {ours['store_ms'] / 1000:.1f} s once", "", "", ""],
    ])
    before = r.get("before")
    if before:
        report.add("Before the tenant-isolation redesign (issue 13; the image of the commit before it, in the same run), "
                   "the jails' tools were hard links in the site's own files, which its container mounts; now they are "
                   "beside them, in the jail root no site container mounts:", "")
        report.table(["figure", "after", "before"], [
            ["disk per extra shell jail", f"{ours['disk_per_jail_kb'] / 1024:.2f} MB", f"{before['disk_per_jail_kb'] / 1024:.2f} MB"],
            ["100 shell sites from none", f"{ours['shell_wall_ms'] / 1000:.2f} s", f"{before['shell_wall_ms'] / 1000:.2f} s"],
        ])
    report.goal("sshd-chroot", "100 sites provisioned", f"{ours['shell_wall_ms'] / 1000:.2f} s", "< 5 s", ours["shell_wall_ms"] < 5000)
    report.goal("sshd-chroot", "disk per extra jail", f"{ours['disk_per_jail_kb'] / 1024:.2f} MB", "< 1 MB", ours["disk_per_jail_kb"] < 1024)


def site_start(report):
    r = load("site-start")
    report.add("## A site's container starting (`bash bench/site-start/run.sh`)", "")
    if not r:
        report.add("Not run.", "")
        return
    a, b = r["after"], r["before"]
    report.add("webvps/phpserver with the per-site compose file's settings, against the image before the "
               "tenant-isolation redesign (issue 13) in the same run: `docker run` of a new site (its layout, "
               "certificate and default vhost made at start) and `docker start` of an existing one, to the first "
               "200 from the container's Apache.", "")
    report.table(["figure", "after (site's uid, no capability)", "before (root Apache, cron)"], [
        ["new site: run -> first 200, p50 / p95", f"{a['new_site_ms']['p50']:.0f} / {a['new_site_ms']['p95']:.0f} ms",
         f"{b['new_site_ms']['p50']:.0f} / {b['new_site_ms']['p95']:.0f} ms"],
        ["restart: start -> first 200, p50 / p95", f"{a['restart_ms']['p50']:.0f} / {a['restart_ms']['p95']:.0f} ms",
         f"{b['restart_ms']['p50']:.0f} / {b['restart_ms']['p95']:.0f} ms"],
        ["memory of its processes, p50", f"{a['memory_kib']['p50'] / 1024:.1f} MB", f"{b['memory_kib']['p50'] / 1024:.1f} MB"],
    ])


def images(report):
    r = load("images")
    report.add("## Images (`bash bench/images/run.sh`)", "")
    if not r:
        report.add("Not run.", "")
        return
    base = r["base"]["mb"]
    report.table(["image", "size", "added to the base", "what it adds"],
                 [[image, f"{size:.0f} MB", f"{size - base:.0f} MB", r["content"][image]] for image, size in r["images"].items()])
    report.add(f"The base image `{r['base']['image']}` is {base:.0f} MB. webvps/sshd carries the shell jails' "
               "tools (git pulls in perl; PHP pulls in ICU); sites with SFTP only do not use them.", "")


def main():
    report = Report()
    date = datetime.date.today().isoformat()
    report.add("# Benchmarks", "",
               f"Measured on {date}, on {machine()}, by `make bench` (each benchmark also runs alone: "
               "`bash bench/<name>/run.sh`). Every figure is webvps next to the incumbent measured in the same run, "
               "or quoted where Debian does not package it. Benchmarks print tables; no test asserts a time.", "")
    body = Report()
    proxy = proxy_gen(body)
    proxy_traffic(body)
    mail = mailer(body)
    init_delays = phpserver_init(body)
    sshd_chroot(body)
    site_start(body)
    images(body)

    figures = []
    latency_sets, latency_lines = {}, []
    if proxy and proxy[0]:
        latency_sets["proxy-gen"] = percentiles(proxy[0])
        latency_lines.append("'proxy-gen.dat' with linespoints title 'proxy-gen: docker start -> first 200'")
    if init_delays:
        latency_sets["phpserver-init"] = percentiles(init_delays)
        latency_lines.append("'phpserver-init.dat' with linespoints title 'phpserver-init: flag -> reloaded answer'")
    if mail:
        for program in ("mailer", "nullmailer"):
            samples = mail[1][program].get("delays_ms")
            if samples:
                latency_sets[f"queue-{program}"] = percentiles(samples)
                latency_lines.append(f"'queue-{program}.dat' with lines title '{'webvps mailer' if program == 'mailer' else 'nullmailer-send'}: queue -> 250'")
    if latency_sets:
        figures.append(("Latency percentiles", plot("latency", "set xlabel 'percentile'\nset ylabel 'ms'\nset logscale y\n"
                                                     "plot " + ", ".join(latency_lines) + "\n", latency_sets)))
    if mail:
        sweep = mail[0]
        rows = [(ms, sweep[ms]["mailer"]["rate"] or 0, sweep[ms]["nullmailer"]["rate"] or 0) for ms in sorted(sweep)]
        figures.append(("Mail throughput against the relay's reply time",
                        plot("mail-throughput", "set xlabel 'relay reply time (ms)'\nset ylabel 'messages per second'\nset logscale y\n"
                             "plot 'sweep.dat' using 1:2 with linespoints title 'webvps mailer', "
                             "'sweep.dat' using 1:3 with linespoints title 'nullmailer-send'\n", {"sweep": rows})))
    if proxy:
        memory = proxy[1]
        rows = [(int(n), memory[n]["rss_mb"], memory[n]["private_mb"]) for n in sorted(memory, key=int)]
        datasets = {"rss": rows}
        lines = ["'rss.dat' using 1:2 with linespoints title 'proxy-gen RSS'",
                 "'rss.dat' using 1:3 with linespoints title 'proxy-gen private'"]
        if mail:
            mem, counts = mail[2], mail[3]
            datasets["rss-mailer"] = [(1, mem["mailer_1_queue"]["VmRSS"] / 1024),
                                      (counts["queues"], mem[f"mailer_{counts['queues']}_queues"]["VmRSS"] / 1024)]
            lines.append("'rss-mailer.dat' using 1:2 with linespoints title 'mailer RSS (queues)'")
        figures.append(("Resident memory against the number of sites",
                        plot("rss", "set xlabel 'sites (proxy-gen) or queues (mailer)'\nset ylabel 'MB'\nset logscale x\n"
                             "set yrange [0:*]\nplot " + ", ".join(lines) + "\n", datasets)))

    report.add("## Goals", "")
    report.table(["program", "figure", "measured", "goal", ""], body.goals)
    missed = [g for g in body.goals if g[4] != "met"]
    if missed:
        report.add("Missed: " + "; ".join(f"{g[0]} {g[1]} ({g[2]}, goal {g[3]})" for g in missed) + ".", "")
    report.lines.extend(body.lines)
    if figures:
        report.add("## Plots", "")
        for title, path in figures:
            report.add(f"### {title}", "", f"![{title}]({path})", "")
    with open(os.path.join(DOCS, "benchmarks.md"), "w") as out:
        out.write("\n".join(report.lines).rstrip() + "\n")
    print(f"report: docs/benchmarks.md ({len(body.goals)} goals, {len(missed)} missed), {len(figures)} plots in docs/benchmarks/")


if __name__ == "__main__":
    main()
