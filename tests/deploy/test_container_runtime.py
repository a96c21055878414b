"""The image's run-time promises without Docker (no daemon on the test machines): the Dockerfile's ENV, USER,
ENTRYPOINT, CMD and HEALTHCHECK, taken from the Dockerfile itself, run as its unprivileged user on a read-only root
filesystem with a fresh tmpfs on /tmp (what `docker run --read-only --tmpfs /tmp` gives), in production mode with
deploy/env.example's settings, against PostgreSQL. A private mount namespace (unshare) makes everything read-only for
the app only. The only changes: /app is the working copy, and port 8000 a free test port."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests import database
from tests.browser import free_port
from tests.conftest import TEST_DATABASE_URL
from tests.deploy.conftest import DEPLOY, PROJECT_ROOT, example_production_env, self_signed_certificate

DOCKERFILE = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
STARTUP_SECONDS = 60
TMP = Path("/tmp")

pytestmark = [
    pytest.mark.skipif(
        not database.is_postgres(TEST_DATABASE_URL),
        reason="the image serves PostgreSQL only (production refuses SQLite); this runs in the PostgreSQL suite",
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="a private mount namespace (unshare --mount) needs root"),
]


def instruction(name: str) -> str:
    """The last line of a Dockerfile instruction, continuation lines joined (the final stage's)."""
    return re.findall(rf"^{name} (.*)$", DOCKERFILE, re.MULTILINE)[-1]


def image_environment() -> dict[str, str]:
    env = dict(word.split("=", 1) for word in shlex.split(instruction("ENV")))
    env["PATH"] = env["PATH"].replace("/app/", f"{PROJECT_ROOT}/").replace("$PATH", "/usr/local/bin:/usr/bin:/bin")
    return env


def on_port(words: list[str], port: int) -> list[str]:
    return [word.replace("8000", str(port)) for word in words]


def hidden_paths() -> list[tuple[Path, Path]]:
    """Python's home and the working copy may lie where the app's user cannot see them: under a directory it cannot
    enter (pyenv in /root, 0700), or under /tmp, which the image's tmpfs covers. Pairs of (that directory, the path
    inside it the app needs): the script covers the directory with an empty tmpfs and puts back only the path,
    read-only."""
    found = []
    for path in (Path(sys.base_prefix).resolve(), PROJECT_ROOT.resolve()):
        for parent in reversed(path.parents):
            if parent == TMP or (parent != Path("/") and not parent.stat().st_mode & 0o001):
                found.append((parent, path))
                break
    return found


def namespace_script(run_as: str, env: dict[str, str], command: list[str], holders: Path) -> str:
    lines = ["set -eu", "mount -o remount,bind,ro /"]
    hidden = hidden_paths()
    covers = sorted({TMP, *(cover for cover, _ in hidden)}, key=lambda cover: len(cover.parts))
    covers = [cover for cover in covers if not any(other in cover.parents for other in covers)]
    lines += [f"mount --bind {path} {holders}/{number}" for number, (_, path) in enumerate(hidden)]
    for cover in covers:
        options = "mode=1777,size=256m" if cover == TMP else "mode=0755,size=1m"  # /tmp: the image's tmpfs
        lines.append(f"mount -t tmpfs -o {options} tmpfs {cover}")
    for number, (_, path) in enumerate(hidden):
        lines += [f"mkdir -p {path}", f"mount --bind {holders}/{number} {path}", f"mount -o remount,bind,ro {path}"]
    uid, gid = run_as.split(":")
    lines += [
        f"cd {PROJECT_ROOT}",
        "exec setpriv --reuid={} --regid={} --clear-groups --no-new-privs env -i {} {}".format(
            uid,
            gid,
            " ".join(shlex.quote(f"{name}={value}") for name, value in env.items()),
            " ".join(shlex.quote(word) for word in command),
        ),
    ]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def container(tmp_path_factory):
    port = free_port()
    # Readable by the app's user; on the root filesystem, which turns read-only for the app.
    files = Path(tempfile.mkdtemp(prefix="eplatform-image-", dir="/var/tmp"))
    files.chmod(0o755)
    for number in range(len(hidden_paths())):
        (files / "hold" / str(number)).mkdir(parents=True)
    cert, key = self_signed_certificate(files)
    key.chmod(0o644)  # a throwaway key the app's user must read
    token = secrets.token_urlsafe(32)
    env = {
        **image_environment(),
        **example_production_env(),
        "DATABASE_URL": TEST_DATABASE_URL,
        "BANKID_CLIENT_CERT": str(cert),
        "BANKID_CLIENT_KEY": str(key),
        "BANKID_CA_CERT": str(cert),
        "METRICS_TOKEN": token,
        "DB_POOL_MIN": "1",
        "DB_POOL_MAX": "2",
    }
    env.pop("WEB_CONCURRENCY")  # the image's own default (2), not the example's
    entrypoint = [word.replace("/usr/local/bin/", f"{DEPLOY}/") for word in json.loads(instruction("ENTRYPOINT"))]
    command = [*entrypoint, *on_port(json.loads(instruction("CMD")), port)]
    script = namespace_script(instruction("USER"), env, command, files / "hold")
    log_path = tmp_path_factory.mktemp("image") / "app.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"the app exited ({process.returncode}):\n{log_path.read_text()}")
            try:
                if httpx.get(f"{url}/livez", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)
        yield {"url": url, "pid": process.pid, "port": port, "token": token, "log": log_path, "env": env}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(files)


def inside(pid: int, command: list[str], user: str | None = None, env: dict[str, str] | None = None):
    """Run `command` in the app's mount namespace, as the image's user when `user` is given."""
    words = ["nsenter", f"--target={pid}", "--mount", "--wd", "--"]  # the app's working directory, WORKDIR /app
    if user is not None:
        uid, gid = user.split(":")
        words += ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "env", "-i"]
        words += [f"{name}={value}" for name, value in (env or {}).items()]
    return subprocess.run([*words, *command], capture_output=True, text=True, timeout=30, cwd=PROJECT_ROOT)


def test_the_image_runs_read_only_as_its_user_in_production(container) -> None:
    pid = container["pid"]
    status = Path(f"/proc/{pid}/status").read_text()
    assert re.search(r"^Uid:\s+10001\s", status, re.MULTILINE), "the app runs as the image's user"
    # The premise: nothing but /tmp can be written there, not even by root.
    probe = inside(pid, ["touch", str(PROJECT_ROOT / "written-by-the-app")])
    assert probe.returncode != 0 and "Read-only file system" in probe.stderr
    assert not (PROJECT_ROOT / "written-by-the-app").exists()

    health = httpx.get(f"{container['url']}/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["database"] == "ok"
    page = httpx.get(f"{container['url']}/om", timeout=10)
    assert page.status_code == 200 and "strict-transport-security" in page.headers  # production mode

    # Docker's health check, run as Docker runs it: inside the container, as its user, with its environment.
    healthcheck = json.loads(re.search(r"CMD (\[.*\])$", instruction("HEALTHCHECK")).group(1))
    result = inside(pid, on_port(healthcheck, container["port"]), user=instruction("USER"), env=container["env"])
    assert result.returncode == 0, result.stdout + result.stderr

    # Two workers share their counters through PROMETHEUS_MULTIPROC_DIR on the tmpfs.
    metrics = httpx.get(
        f"{container['url']}/metrics", headers={"Authorization": f"Bearer {container['token']}"}, timeout=5
    )
    assert metrics.status_code == 200 and 'path="/om"' in metrics.text
    listing = inside(pid, ["ls", "/tmp/metrics"])
    assert ".db" in listing.stdout, listing
    log = container["log"].read_text()
    assert "Traceback" not in log and "Read-only" not in log, log


def test_the_operator_commands_run_in_the_image(container) -> None:
    """`docker run IMAGE piccolo migrations forwards all` and a backup to the tmpfs work on the read-only root as the
    image's user (the README's container commands)."""
    user, env, pid = instruction("USER"), container["env"], container["pid"]
    migrations = inside(pid, ["piccolo", "migrations", "forwards", "all"], user=user, env=env)
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr
    backup = inside(pid, ["python", "-m", "cli.backup", "dump", "/tmp/backup.dump"], user=user, env=env)
    assert backup.returncode == 0 and "backup written" in backup.stdout, backup.stdout + backup.stderr
