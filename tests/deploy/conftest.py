"""The documented production setup, run for real: deploy/'s nginx configuration in front of a uvicorn of the app
started with the systemd unit's options, on loopback ports of our own."""

from __future__ import annotations

import datetime
import os
import re
import secrets
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.browser import free_port, start_server, stop_server

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = PROJECT_ROOT / "deploy"
NGINX_TEMPLATE = DEPLOY / "nginx" / "e-tjanster.conf.template"
APP_UNIT = DEPLOY / "systemd" / "e-tjanster.service"
# The names the README's envsubst command replaces; nginx's own $variables stay.
TEMPLATE_NAMES = (
    "SERVER_NAME",
    "TLS_CERTIFICATE",
    "TLS_CERTIFICATE_KEY",
    "APP_ADDRESS",
    "HTTP_PORT",
    "HTTPS_PORT",
    "ERROR_PAGES",
)
ERROR_PAGES = PROJECT_ROOT / "deploy" / "nginx" / "errors"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def require_nginx() -> str:
    binary = nginx_binary()
    if binary is None:
        pytest.fail("nginx is missing: `make deploy-tools` installs it from Debian (`make test` does it first)")
    return binary


def render_nginx(values: dict[str, str], loopback_only: bool = False) -> str:
    """What envsubst with the README's list of names makes of the template. `loopback_only` drops the IPv6 wildcard
    `listen` lines, so a test's nginx listens on 127.0.0.1 only."""
    text = NGINX_TEMPLATE.read_text()
    for name in TEMPLATE_NAMES:
        assert "${" + name + "}" in text, f"the template no longer uses ${{{name}}}"
        text = text.replace("${" + name + "}", values[name])
    assert "${" not in text, "a placeholder the README's envsubst command does not list"
    if loopback_only:
        text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("listen [::]"))
    return text


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for localhost, valid for a day (never committed)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def nginx_prefix(site: str, main: str = "minimal") -> Path:
    """A prefix directory with a main nginx.conf that includes `site` in its http block; every path nginx writes is
    inside it, and it is readable by nginx's workers (www-data when the master is root). `main="debian"` uses
    Debian's own /etc/nginx/nginx.conf as the README's steps leave it: conf.d included, the default site removed."""
    prefix = Path(tempfile.mkdtemp(prefix="eplatform-nginx-"))
    prefix.chmod(0o755)
    (prefix / "e-tjanster.conf").write_text(site)
    temp_paths = "".join(
        f"    {kind}_temp_path {prefix / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    if main == "debian":
        debian = Path("/etc/nginx/nginx.conf").read_text()
        for line in ("include /etc/nginx/conf.d/*.conf;", "include /etc/nginx/sites-enabled/*;", "pid /run/nginx.pid;"):
            assert line in debian, f"Debian's nginx.conf no longer has {line!r}"
        text = (
            debian.replace("include /etc/nginx/conf.d/*.conf;", f"include {prefix / 'e-tjanster.conf'};")
            .replace("include /etc/nginx/sites-enabled/*;", "")
            .replace("pid /run/nginx.pid;", f"pid {prefix / 'nginx.pid'};")
            .replace("/var/log/nginx/", f"{prefix}/")
            .replace("http {", "http {\n" + temp_paths, 1)
        )
        if os.geteuid() != 0:  # nginx warns that `user` needs root
            text = re.sub(r"^user [^;]*;", "", text, flags=re.MULTILINE)
    else:
        text = (
            f"worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} info;\n"
            "events { worker_connections 1024; }\n"
            f"http {{\n    access_log {prefix / 'access.log'};\n{temp_paths}"
            f"    include {prefix / 'e-tjanster.conf'};\n}}\n"
        )
    (prefix / "nginx.conf").write_text(text)
    return prefix


def nginx_command(prefix: Path, *args: str) -> list[str]:
    return [
        require_nginx(),
        "-p",
        str(prefix),
        "-e",
        str(prefix / "error.log"),
        "-c",
        str(prefix / "nginx.conf"),
        *args,
    ]


def unit_uvicorn_options() -> list[str]:
    """uvicorn's options from the systemd unit's ExecStart, less where it listens and how many workers (the test
    passes its own socket and runs one worker, whose memory it measures)."""
    text = APP_UNIT.read_text().replace("\\\n", " ")
    command = shlex.split(re.search(r"^ExecStart=(.*)$", text, re.MULTILINE).group(1))
    options, skip = [], False
    for word in command[1:]:
        if skip:
            skip = False
        elif word in ("--host", "--port", "--workers"):
            skip = True
        elif word not in ("--factory", "app:create_app"):
            options.append(word)
    return options


def example_production_env() -> dict[str, str]:
    """deploy/env.example with every <placeholder> filled in: secrets random, the rest plausible."""
    values = {}
    for line in (DEPLOY / "env.example").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        name, value = line.split("=", 1)
        if "<" in value and name.endswith(("SECRET_KEY", "TOKEN")):
            value = secrets.token_urlsafe(32)
        elif "<" in value:
            value = re.sub(r"<[^<>]*>", "example", value)
        values[name] = value
    values["BASE_URL"] = "https://e-tjanster.example.se"
    values["DATABASE_URL"] = "postgresql://e_tjanster:secret@db.example.se:5432/e_tjanster"
    return values


def rss_kib(pid: int) -> int:
    """The resident memory of a process and its children (nginx's workers), from /proc."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    for one in pids:
        try:
            status = Path(f"/proc/{one}/status").read_text()
        except FileNotFoundError:
            continue
        total += int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1))
    return total


@dataclass(frozen=True)
class Deployment:
    url: str  # nginx, https
    app_url: str  # uvicorn itself
    http_port: int
    https_port: int
    app_pid: int
    nginx_pid: int
    prefix: Path  # nginx's directory: access.log, error.log

    def access_log(self) -> str:
        return (self.prefix / "access.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """nginx (the deploy template, TLS with a throwaway certificate) in front of one uvicorn worker started with the
    unit's options. The app trusts nginx's address (TRUSTED_PROXIES=127.0.0.1) and lets 127.0.0.2 read /metrics,
    so a test can see which client address the app believed."""
    logs = tmp_path_factory.mktemp("deployment")
    app = start_server(
        {"MODE": "dev", "TRUSTED_PROXIES": "127.0.0.1", "METRICS_ADDRESSES": "127.0.0.2", "DB_POOL_MAX": "2"},
        logs / "uvicorn.log",
        tuple(unit_uvicorn_options()),
    )
    prefix = None
    nginx = None
    try:
        app_port = int(app.url.rsplit(":", 1)[1])
        https_port = free_port(app_port)
        http_port = free_port(app_port, https_port)
        cert, key = self_signed_certificate(logs)
        site = render_nginx(
            {
                "SERVER_NAME": "localhost",
                "TLS_CERTIFICATE": str(cert),
                "TLS_CERTIFICATE_KEY": str(key),
                "APP_ADDRESS": f"127.0.0.1:{app_port}",
                "HTTP_PORT": f"127.0.0.1:{http_port}",
                "HTTPS_PORT": f"127.0.0.1:{https_port}",
                "ERROR_PAGES": str(ERROR_PAGES),
            },
            loopback_only=True,
        )
        prefix = nginx_prefix(site)
        nginx = subprocess.Popen(nginx_command(prefix, "-g", "daemon off;"), stderr=subprocess.STDOUT)
        url = f"https://127.0.0.1:{https_port}"
        deadline = time.monotonic() + 10
        while True:
            if nginx.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{(prefix / 'error.log').read_text()}")
            try:
                if httpx.get(f"{url}/livez", verify=False, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)
        yield Deployment(url, app.url, http_port, https_port, app.process.pid, nginx.pid, prefix)
    finally:
        if nginx is not None:
            nginx.terminate()
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
        stop_server(app)
        if prefix is not None:
            shutil.rmtree(prefix, ignore_errors=True)
