#!/usr/bin/env python3
"""Image sizes: each webvps image next to the base image it is built on. Prints a table and writes
build/bench-results/images.json."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAGES = ["webvps/proxy", "webvps/sshd", "webvps/mailer", "webvps/phpserver", "webvps/mariadb"]
BASE = "debian:bookworm-slim"
# What each image adds on top of Debian, to explain its size.
CONTENT = {
    "webvps/proxy": "nginx, proxy-gen",
    "webvps/sshd": "OpenSSH, sshd-chroot, the shell jails' tools (git, PHP CLI, MariaDB client, rsync, vim, nano)",
    "webvps/mailer": "mailer (its own SMTP client, OpenSSL)",
    "webvps/phpserver": "Apache, PHP 8.2 (+mysqli), cron, nullmailer, phpserver-init",
    "webvps/mariadb": "MariaDB server",
}


def size_mb(image):
    result = subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", image], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"image {image} is missing: run `make images`")
    return int(result.stdout.strip()) / 1e6


def main():
    base = size_mb(BASE)
    sizes = {image: size_mb(image) for image in IMAGES}
    print(f"image sizes (base {BASE}: {base:.1f} MB)")
    print(f"{'image':20} {'size (MB)':>10} {'added to base':>14}  content")
    for image, size in sizes.items():
        print(f"{image:20} {size:10.1f} {size - base:14.1f}  {CONTENT[image]}")
    os.makedirs(os.path.join(ROOT, "build", "bench-results"), exist_ok=True)
    with open(os.path.join(ROOT, "build", "bench-results", "images.json"), "w") as out:
        json.dump({"base": {"image": BASE, "mb": base}, "images": sizes, "content": CONTENT}, out, indent=1)


if __name__ == "__main__":
    main()
