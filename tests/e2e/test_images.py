"""The four images exist, run their program, report health, and stop cleanly."""
import re
import subprocess
import uuid

import pytest

from conftest import IMAGES, docker, wait_for_health


@pytest.mark.parametrize("image,program", sorted(IMAGES.items()))
def test_program_prints_its_version(image, program):
    result = docker("run", "--rm", f"webvps/{image}", program, "--version")
    assert re.fullmatch(rf"{program} \d+\.\d+\.\d+ \(.+\)\n", result.stdout), result.stdout


@pytest.mark.parametrize("image,program", sorted(IMAGES.items()))
def test_program_help_lists_the_common_options(image, program):
    result = docker("run", "--rm", f"webvps/{image}", program, "--help")
    for option in ("--check", "--health", "--config", "--log-format"):
        assert option in result.stdout


@pytest.mark.parametrize("image,program", sorted(IMAGES.items()))
def test_image_becomes_healthy_and_stops_with_status_zero(image, program):
    name = f"webvps-test-{image}-{uuid.uuid4().hex[:8]}"
    # The proxy is healthy once it follows Docker and nginx runs on its first config.
    extra = ["-v", "/var/run/docker.sock:/var/run/docker.sock:ro"] if image == "proxy" else []
    docker("run", "-d", "--name", name, "--health-interval=1s", "--health-start-period=1s", *extra, f"webvps/{image}")
    try:
        wait_for_health(name, "healthy", timeout=60)
        health = docker("exec", name, program, "--health")
        assert health.stdout == "ok\n"
        docker("stop", "--time", "10", name)
        state = docker("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
        assert state == "0", docker("logs", name, check=False).stderr
        logs = docker("logs", name).stderr
        assert f" {program}: " in logs, "every log line names the program"
    finally:
        docker("rm", "-f", name, check=False)


@pytest.mark.parametrize("image,program", [("mailer", "mailer"), ("sshd", "sshd-chroot")])
def test_check_names_the_problem_in_a_bad_registry(tmp_path, image, program):
    (tmp_path / "webvps.yaml").write_text(
        "admin_email: admin@hoster.example\n"
        "sites:\n"
        "  - {name: demo, id: 1, host: demo.example, email: a@demo.example}\n"
        "  - {name: Bad_Name, id: 1, host: demo.example, email: a@demo.example}\n")
    result = docker("run", "--rm", "-v", f"{tmp_path}:/home:ro", f"webvps/{image}", program, "--check", check=False)
    assert result.returncode == 1
    assert "/home/webvps.yaml:4: sites[1].name: \"Bad_Name\"" in result.stderr
    assert "/home/webvps.yaml:4: sites[1].host: host \"demo.example\" is already used by sites[0].host" in result.stderr


@pytest.mark.parametrize("image,program", [("mailer", "mailer"), ("sshd", "sshd-chroot")])
def test_check_accepts_a_good_registry(tmp_path, image, program):
    (tmp_path / "webvps.yaml").write_text(
        "admin_email: admin@hoster.example\nsites:\n  - {name: demo, id: 1, host: demo.example, email: a@demo.example}\n")
    result = docker("run", "--rm", "-v", f"{tmp_path}:/home:ro", f"webvps/{image}", program, "--check", check=False)
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout


def test_config_errors_name_the_file_line_and_key(tmp_path):
    (tmp_path / "proxy-gen.yaml").write_text("nginx:\n  config: /etc/nginx/conf.d/default.conf\n  cert: /certs\n")
    result = docker("run", "--rm", "-v", f"{tmp_path}:/etc/webvps:ro", "webvps/proxy", "proxy-gen", "--check", check=False)
    assert result.returncode == 1
    assert "proxy-gen: /etc/webvps/proxy-gen.yaml:3: nginx.cert: unknown key" in result.stderr


def test_environment_overrides_reach_the_program():
    result = docker("run", "--rm", "-e", "WEBVPS_PROXY_GEN_LOG_FORMAT=yaml", "webvps/proxy", "proxy-gen", "--check", check=False)
    assert result.returncode == 1
    assert "environment variable WEBVPS_PROXY_GEN_LOG_FORMAT: log.format: expected one of text, json" in result.stderr


def test_json_logs_carry_the_program_name():
    name = f"webvps-test-json-{uuid.uuid4().hex[:8]}"
    docker("run", "-d", "--name", name, "webvps/mailer", "mailer", "--log-format", "json")
    try:
        docker("stop", name)
        lines = [line for line in docker("logs", name).stderr.splitlines() if line]
        assert lines and all(line.startswith('{"time":"') and '"program":"mailer"' in line for line in lines), lines
    finally:
        docker("rm", "-f", name, check=False)


@pytest.mark.parametrize("uid,ini,expected", [
    ("abc", "name = shop\nuser = shop\npassword = 0123456789abcdefXYZ\n", "WORKER_UID must be the site's uid"),
    ("0", "name = shop\nuser = shop\npassword = 0123456789abcdefXYZ\n", "WORKER_UID must be the site's uid"),
    ("10001", "name = shop'; DROP DATABASE mysql; --\nuser = shop\npassword = 0123456789abcdefXYZ\n", "name: expected"),
    ("10001", "name = shop\nuser = shop\npassword = short\n", "password: expected 16 to 128 letters and digits"),
    ("10001", None, "database.ini is missing"),
])
def test_the_database_image_refuses_bad_input_before_any_sql(tmp_path, uid, ini, expected):
    args = ["run", "--rm", "--network", "none", "-e", f"WORKER_UID={uid}"]
    if ini is not None:
        (tmp_path / "database.ini").write_text(ini)
        args += ["-v", f"{tmp_path / 'database.ini'}:/run/secrets/database.ini:ro"]
    result = docker(*args, "webvps/mariadb", check=False, timeout=60)
    assert result.returncode == 2
    assert expected in result.stderr, result.stderr
