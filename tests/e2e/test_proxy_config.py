"""The nginx configuration proxy-gen renders is accepted by the real nginx of webvps/proxy: the
golden file of the unit tests (tests/proxy-gen/golden/sample.conf), with the certificate,
vhost.d and htpasswd files it refers to."""
import pathlib
import subprocess

from conftest import docker

GOLDEN = pathlib.Path(__file__).resolve().parent.parent / "proxy-gen" / "golden" / "sample.conf"


def test_the_golden_config_passes_nginx_t(tmp_path):
    for sub in ("certs", "vhost.d", "htpasswd"):
        (tmp_path / sub).mkdir()
    for name in ("shop.example.org", "plain.example.com"):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
                        "-keyout", tmp_path / "certs" / f"{name}.key", "-out", tmp_path / "certs" / f"{name}.crt"],
                       check=True, capture_output=True)
    (tmp_path / "vhost.d" / "shop.example.org").write_text("client_max_body_size 10m;\n")
    (tmp_path / "vhost.d" / "shop.example.org_location").write_text("add_header X-Location 1;\n")
    (tmp_path / "htpasswd" / "blog.shop.example.org").write_text("user:$apr1$salt$hash\n")
    result = docker("run", "--rm", "--network", "none", "--entrypoint", "nginx",
                    "-v", f"{GOLDEN}:/etc/nginx/conf.d/default.conf:ro",
                    "-v", f"{tmp_path / 'certs'}:/etc/nginx/certs:ro", "-v", f"{tmp_path / 'vhost.d'}:/etc/nginx/vhost.d:ro",
                    "-v", f"{tmp_path / 'htpasswd'}:/etc/nginx/htpasswd:ro", "webvps/proxy", "-t", check=False)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
