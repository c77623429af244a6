#!/usr/bin/env python3
"""sshd-chroot benchmark: provisioning 100 sites from an empty state, and the disk each extra
shell jail costs, side by side with Debian's jailkit (jk_init) copying the same tool set from
the same image. Prints a table and writes build/bench-results/sshd-chroot.json; never asserts.

- webvps: the real webvps/sshd container serving a sites directory of 100 sites; the registry
  goes from no site to 100 sites with a shell, and the time until sshd-chroot has made every
  account, key file and jail is taken (its own log line, and the wall clock from the write).
- jailkit: jk_init -j <jail> with a section listing the same programs, trees and files
  (jail-tools.yaml). One jail takes seconds, so JAILKIT_SITES of them (default 12) are made and
  the time is scaled to 100, which the table says."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
IMAGE = "webvps-bench/sshd-jailkit"
SITES = 100
JAILKIT_SITES = int(os.environ.get("JAILKIT_SITES", "12"))


def docker(*args, check=True):
    result = subprocess.run(["docker", *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"docker {' '.join(args)}: {result.stderr.strip()}")
    return result


def du_kb(path):
    return int(subprocess.run(["du", "-sk", path], capture_output=True, text=True, check=True).stdout.split()[0])


def registry(count, access):
    lines = ["admin_email: admin@hoster.example", "sites:" + (" []" if count == 0 else "")]
    for i in range(1, count + 1):
        lines += [f"  - name: site{i}", f"    id: {i}", f"    host: site{i}.example", f"    email: w@site{i}.example",
                  f"    ssh: {{access: {access}}}"]
    return "\n".join(lines) + "\n"


def wait_for_log(name, pattern, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = docker("logs", name).stderr
        match = re.search(pattern, logs)
        if match:
            return match
        time.sleep(0.02)
    sys.exit(f"timed out waiting for {pattern!r} in {name}'s log:\n{docker('logs', name).stderr[-3000:]}")


def webvps(work, image="webvps/sshd"):
    sites = os.path.join(work, f"sites-{uuid.uuid4().hex[:6]}")
    os.makedirs(sites)
    os.chmod(sites, 0o755)
    for i in range(1, SITES + 1):
        www = os.path.join(sites, f"site{i}", "volumes", "www")
        os.makedirs(os.path.join(www, "html"))
        with open(os.path.join(www, "html", "index.php"), "w") as page:
            page.write("<?php echo 'hello';\n")
        for path in (www, os.path.join(www, "html"), os.path.join(www, "html", "index.php")):
            os.chown(path, 10000 + i, 10000 + i)
    path = os.path.join(sites, "webvps.yaml")
    with open(path, "w") as out:
        out.write(registry(0, "shell"))
    name = f"webvps-bench-sshd-{uuid.uuid4().hex[:8]}"
    docker("run", "-d", "--name", name, "-v", f"{sites}:/home", image)
    try:
        store = wait_for_log(name, r"jail tools \w+: (\d+) files, (\d+) MB, copied to the store \((\d+) ms\)")
        wait_for_log(name, r"serving SFTP/SSH")
        before = du_kb(sites)
        results = {"store_files": int(store.group(1)), "store_mb": int(store.group(2)), "store_ms": int(store.group(3))}

        def provision(access, shells):
            written = time.monotonic()
            with open(path, "w") as out:
                out.write(registry(SITES, access))
            match = wait_for_log(name, rf"registry applied \(registry\): {SITES} logins \({shells} with a shell\) in (\d+) ms")
            results[f"{access}_wall_ms"] = (time.monotonic() - written) * 1000
            results[f"{access}_apply_ms"] = int(match.group(1))

        provision("sftp", 0)
        with open(path, "w") as out:  # back to no site, then every site with a shell at once
            out.write(registry(0, "shell"))
        wait_for_log(name, r"registry applied \(registry\): 0 logins")
        provision("shell", SITES)
        after = du_kb(sites)
        results["disk_per_jail_kb"] = (after - before) / SITES
        check = docker("exec", name, "sshd-chroot", "check", check=False)
        results["check"] = check.stdout.strip().splitlines()[0] if check.returncode == 0 else check.stderr.strip()[:300]
        return results
    finally:
        docker("rm", "-f", name, check=False)


def jailkit(work):
    context = os.path.join(ROOT, "build", "bench-sshd-chroot")
    shutil.rmtree(context, ignore_errors=True)
    os.makedirs(context)
    shutil.copy(os.path.join(HERE, "Dockerfile"), context)
    build = subprocess.run(["docker", "build", "-q", "-t", IMAGE, context], capture_output=True, text=True,
                           env=dict(os.environ, DOCKER_BUILDKIT="0"))
    if build.returncode != 0:
        sys.exit(f"building {IMAGE} failed:\n{build.stderr[-3000:]}")
    paths, section = [], None
    with open(os.path.join(ROOT, "images", "sshd", "jail-tools.yaml")) as profile:
        for line in profile:
            if re.match(r"^\w+:", line):
                section = line.split(":")[0]
            elif (m := re.match(r"^\s+- (\S+)", line)) and section in ("programs", "trees", "files"):
                paths.append(m.group(1))
    jails = os.path.join(work, "jailkit")
    os.makedirs(jails)
    with open(os.path.join(work, "jk_init.ini"), "w") as ini:
        ini.write("[webvps]\ncomment = the webvps jail tools\npaths = " + ", ".join(paths) +
                  "\ndevices = /dev/null, /dev/zero, /dev/random, /dev/urandom, /dev/tty\n")
    script = (f"s=$(date +%s%N); for i in $(seq 1 {JAILKIT_SITES}); do jk_init -c /bench/jk_init.ini -j /bench/jailkit/site$i "
              "webvps >/dev/null 2>&1 || exit 1; done; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))")
    run = docker("run", "--rm", "--network", "none", "-v", f"{work}:/bench", "--entrypoint", "bash", IMAGE, "-c", script)
    total_ms = int(run.stdout.split()[-1])
    return {"sites": JAILKIT_SITES, "ms": total_ms, "disk_per_jail_kb": du_kb(os.path.join(jails, "site1"))}


def main():
    work = tempfile.mkdtemp(prefix="webvps-bench-sshd-")
    os.chmod(work, 0o755)
    try:
        ours = webvps(work)
        # The same, with the image before the tenant-isolation redesign (jails in the site's files).
        built = subprocess.run(["bash", os.path.join(ROOT, "bench", "before-images.sh"), "sshd"])
        before = webvps(work, "webvps-bench/sshd-before") if built.returncode == 0 else None
        theirs = jailkit(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    jk_100_ms = theirs["ms"] * SITES / theirs["sites"]
    rows = [
        (f"{SITES} shell sites from none, wall (s)", f"{ours['shell_wall_ms'] / 1000:.2f}", f"{jk_100_ms / 1000:.1f}*",
         f"{jk_100_ms / ours['shell_wall_ms']:.0f}x", "< 5 s"),
        (f"  of which sshd-chroot's apply (s)", f"{ours['shell_apply_ms'] / 1000:.2f}", "", "", ""),
        (f"{SITES} SFTP-only sites from none (s)", f"{ours['sftp_wall_ms'] / 1000:.2f}", "", "", ""),
        ("disk per extra shell jail (MB)", f"{ours['disk_per_jail_kb'] / 1024:.2f}", f"{theirs['disk_per_jail_kb'] / 1024:.0f}",
         f"{theirs['disk_per_jail_kb'] / max(ours['disk_per_jail_kb'], 1):.0f}x", "< 1 MB"),
        ("tool store, once (MB / files / s)", f"{ours['store_mb']} / {ours['store_files']} / {ours['store_ms'] / 1000:.1f}", "", "", ""),
    ]
    if before:
        rows.append(("  before the redesign: disk per jail (MB)", f"{before['disk_per_jail_kb'] / 1024:.2f}", "", "", ""))
        rows.append(("  before the redesign: 100 shell sites (s)", f"{before['shell_wall_ms'] / 1000:.2f}", "", "", ""))
    print(f"sshd-chroot vs jailkit jk_init ({os.cpu_count()} cores; the same {ours['store_files']} files of tools; "
          f"* jk_init measured on {theirs['sites']} jails ({theirs['ms'] / 1000:.1f} s) and scaled to {SITES})")
    print(f"{'figure':40} {'webvps':>14} {'jk_init':>8} {'ratio':>6}  goal")
    for row in rows:
        print(f"{row[0]:40} {row[1]:>14} {row[2]:>8} {row[3]:>6}  {row[4]}")
    print(f"sshd-chroot check after: {ours['check']}")
    os.makedirs(os.path.join(ROOT, "build", "bench-results"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "bench-results", "sshd-chroot.json"), "w") as out:
        json.dump({"webvps": ours, "before": before, "jailkit": theirs, "jailkit_100_ms": jk_100_ms}, out, indent=2)


if __name__ == "__main__":
    main()
