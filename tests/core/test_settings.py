"""Settings from the environment, and production's refusal to start with unsafe ones."""

from __future__ import annotations

import secrets
import subprocess

import pytest

from core.settings import DEV_SECRET_KEY, PROJECT_ROOT, ConfigurationError, Settings

SAFE_PRODUCTION = {
    "MODE": "production",
    "SECRET_KEY": secrets.token_urlsafe(32),
    "DATABASE_URL": "postgresql://eplatform@db.internal/eplatform",
    "BASE_URL": "https://e-tjanster.mark.se",
    "BANKID_URL": "https://appapi2.bankid.com/rp/v6.0/",
    "BANKID_CLIENT_CERT": "/etc/eplatform/bankid-rp.crt",
    "BANKID_CLIENT_KEY": "/etc/eplatform/bankid-rp.key",
    "BANKID_CA_CERT": "/etc/eplatform/bankid-root.crt",
    "SMTP_HOST": "smtp.mark.se",
}


def test_dev_defaults_run_on_sqlite_with_simulators():
    settings = Settings.from_env({})
    assert settings.mode == "dev" and settings.uses_sqlite and settings.simulators
    assert settings.check() is settings


@pytest.mark.parametrize(
    ("env", "base_url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8080"}, "http://127.0.0.1:8080"),
        ({"HOST": "192.168.1.20", "PORT": "8080"}, "http://192.168.1.20:8080"),
        ({"HOST": "0.0.0.0", "PORT": "8080"}, "http://127.0.0.1:8080"),  # any address: this machine's own
        ({"HOST": "::1"}, "http://[::1]:8000"),
        ({"HOST": "0.0.0.0", "PORT": "8080", "BASE_URL": "http://192.168.1.20:8080/"}, "http://192.168.1.20:8080"),
    ],
)
def test_in_dev_mode_the_base_url_follows_host_and_port_unless_set(env, base_url):
    """`make run PORT=8080` must not leave mail links and BankID's return address at port 8000."""
    assert Settings.from_env(env).base_url == base_url


def test_make_run_passes_host_and_port_to_the_app():
    dry_run = subprocess.run(
        ["make", "-n", "run", "HOST=0.0.0.0", "PORT=8080"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    uvicorn = next(line for line in dry_run.stdout.splitlines() if "uvicorn" in line)
    assert "HOST=0.0.0.0" in uvicorn and "PORT=8080" in uvicorn and "--port 8080" in uvicorn


def test_production_takes_its_base_url_from_base_url_only():
    settings = Settings.from_env({**SAFE_PRODUCTION, "BASE_URL": "", "HOST": "e-tjanster.mark.se", "PORT": "443"})
    assert any(problem.startswith("BASE_URL") for problem in settings.problems())


def test_environment_variables_are_read():
    settings = Settings.from_env({**SAFE_PRODUCTION, "DB_POOL_MAX": "20", "CONTACT_PHONE": "010-123 45 67"})
    assert settings.is_production and settings.db_pool_max == 20 and settings.contact_phone == "010-123 45 67"
    assert settings.simulators is False  # off by default in production
    assert settings.check() is settings


def test_the_app_runs_scheduled_jobs_unless_told_not_to():
    assert Settings.from_env({}).jobs_in_app and Settings.from_env({}).jobs_interval_seconds == 60
    settings = Settings.from_env({"JOBS_IN_APP": "0", "JOBS_INTERVAL_SECONDS": "2.5"})
    assert not settings.jobs_in_app and settings.jobs_interval_seconds == 2.5


@pytest.mark.parametrize("interval", ["0", "-1", "nan"])
def test_the_jobs_interval_must_be_positive(interval):
    with pytest.raises(ConfigurationError, match="JOBS_INTERVAL_SECONDS"):
        Settings.from_env({"JOBS_INTERVAL_SECONDS": interval}).check()


@pytest.mark.parametrize(
    ("override", "named_setting"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": "sqlite:///var/prod.sqlite3"}, "DATABASE_URL"),
        ({"SIMULATORS": "1"}, "SIMULATORS"),
        ({"BASE_URL": "http://e-tjanster.mark.se"}, "BASE_URL"),
        ({"BANKID_URL": ""}, "BANKID_URL"),
        ({"BANKID_CLIENT_CERT": ""}, "BANKID_CLIENT_CERT"),
        ({"BANKID_CA_CERT": ""}, "BANKID_CA_CERT"),
        ({"SECRET_KEY": "k" * 48}, "SECRET_KEY: too easy to guess"),
        ({"SECRET_KEY": "0123456789abcdef" * 4}, "SECRET_KEY: too easy to guess"),
        ({"SECRET_KEY": "SuperSecretProductionKeyForMarks2026"}, "SECRET_KEY: too easy to guess"),
        ({"BANKID_URL": "https://appapi2.test.bankid.com/rp/v6.0/"}, "BANKID_URL: appapi2.test.bankid.com"),
        ({"SMTP_USERNAME": "eplatform", "SMTP_PASSWORD": "x", "SMTP_STARTTLS": "0"}, "SMTP_USERNAME"),
        ({"LOG_LEVEL": "debug"}, "LOG_LEVEL"),
        ({"SESSION_IDLE_MINUTES": "600"}, "SESSION_IDLE_MINUTES"),
        ({"SESSION_IDLE_MINUTES": "1"}, "SESSION_IDLE_MINUTES"),
        ({"SESSION_MAX_HOURS": "72"}, "SESSION_MAX_HOURS"),
        ({"SESSION_MAX_HOURS": "1", "SESSION_IDLE_MINUTES": "60"}, None),
        ({"LOGIN_RATE_LIMIT": "0"}, "LOGIN_RATE_LIMIT"),
        ({"LOGIN_RATE_LIMIT": "100000"}, "LOGIN_RATE_LIMIT"),
        ({"LOGIN_RATE_LIMIT": "50", "LOGIN_RATE_LIMIT_PER_ADDRESS": "30"}, "LOGIN_RATE_LIMIT_PER_ADDRESS"),
        ({"TRUSTED_PROXIES": "10.0.0.0/8, *"}, "TRUSTED_PROXIES: '\\*'"),
        ({"TRUSTED_PROXIES": "proxy.mark.se"}, "TRUSTED_PROXIES"),
        ({"METRICS_ADDRESSES": "monitor.mark.se"}, "METRICS_ADDRESSES"),
        ({"METRICS_TOKEN": "metrics"}, "METRICS_TOKEN"),
    ],
)
def test_production_refuses_unsafe_settings_and_names_them(override, named_setting):
    settings = Settings.from_env({**SAFE_PRODUCTION, **override})
    if named_setting is None:  # at the edge of what is allowed
        settings.check()
        return
    with pytest.raises(ConfigurationError, match=named_setting):
        settings.check()


@pytest.mark.parametrize(
    "override",
    [
        {},
        {"SECRET_KEY": secrets.token_hex(32)},
        {"SMTP_USERNAME": "eplatform", "SMTP_PASSWORD": "x"},  # STARTTLS is on by default
        {"SMTP_USERNAME": "eplatform", "SMTP_PASSWORD": "x", "SMTP_STARTTLS": "0", "SMTP_PORT": "465"},
        {"LOG_LEVEL": "WARNING", "SESSION_IDLE_MINUTES": "5", "SESSION_MAX_HOURS": "12", "LOGIN_RATE_LIMIT": "5"},
        {"TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8, ::1"},
        {"METRICS_TOKEN": secrets.token_urlsafe(32), "METRICS_ADDRESSES": "10.20.0.0/16"},
    ],
)
def test_production_starts_with_safe_settings(override):
    Settings.from_env({**SAFE_PRODUCTION, **override}).check()


def test_every_problem_is_reported_at_once():
    settings = Settings.from_env({"MODE": "production", "SIMULATORS": "1"})
    problems = "\n".join(settings.problems())
    for name in ("SECRET_KEY", "DATABASE_URL", "SIMULATORS", "BASE_URL"):
        assert name in problems


def test_the_app_factory_refuses_to_build_an_unsafe_production_app():
    from app import create_app

    with pytest.raises(ConfigurationError, match="SIMULATORS"):
        create_app(Settings.from_env({**SAFE_PRODUCTION, "SIMULATORS": "yes"}))


@pytest.mark.parametrize("env", [{"MODE": "staging"}, {"DB_POOL_MAX": "many"}])
def test_malformed_values_are_refused_with_a_message(env):
    with pytest.raises(ConfigurationError):
        Settings.from_env(env)
