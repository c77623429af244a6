"""Shared helpers for the tests that run the real images under the real Docker engine."""
import json
import os
import shutil
import subprocess
import time

import pytest

IMAGES = {
    "proxy": "proxy-gen",
    "sshd": "sshd-chroot",
    "mailer": "mailer",
    "phpserver": "phpserver-init",
}


def docker(*args, check=True, timeout=120):
    """Runs the docker CLI; returns the CompletedProcess (text)."""
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


@pytest.fixture(scope="session", autouse=True)
def docker_engine():
    """Fails (never skips) when Docker is missing: these tests are part of the suite."""
    if shutil.which("docker") is None:
        pytest.fail("Docker is not installed: the integration tests need the docker CLI and a running engine", pytrace=False)
    info = subprocess.run(["docker", "info", "--format", "{{json .ServerVersion}}"], capture_output=True, text=True)
    if info.returncode != 0:
        pytest.fail(f"the Docker engine is not reachable: {info.stderr.strip()}", pytrace=False)
    for image in [*IMAGES, "mariadb"]:
        if docker("image", "inspect", f"webvps/{image}", check=False).returncode != 0:
            pytest.fail(f"image webvps/{image} is missing: run `make images` first", pytrace=False)


def wait_for_health(container, want="healthy", timeout=60):
    """Polls Docker's health status of `container` until it is `want`; returns the last state."""
    deadline = time.monotonic() + timeout
    state = {}
    while time.monotonic() < deadline:
        state = json.loads(docker("inspect", "--format", "{{json .State}}", container).stdout)
        if state.get("Health", {}).get("Status") == want:
            return state
        if not state.get("Running"):
            break
        time.sleep(0.5)
    logs = docker("logs", container, check=False)
    raise AssertionError(f"{container} did not become {want}: {json.dumps(state)[:500]}\nlogs:\n{logs.stdout}{logs.stderr}")


def wait_until(probe, timeout=15, what="condition"):
    """Calls probe() until it returns something truthy, and returns that; an exception counts as not
    yet (a server still starting). Fails with the last value or error after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except (OSError, subprocess.SubprocessError, AssertionError) as error:
            last = error
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last: {last!r}")


def askpass_environment(directory, password):
    """The environment in which OpenSSH's ssh and sftp answer a password prompt with `password`
    (SSH_ASKPASS, no terminal needed); the helper script is written into `directory`."""
    askpass = directory / f"askpass-{os.urandom(4).hex()}"
    askpass.write_text(f"#!/bin/sh\necho '{password}'\n")
    askpass.chmod(0o700)
    return dict(os.environ, SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")

