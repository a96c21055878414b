"""The one settings object, read from environment variables (documented in README.md)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-secret-key-never-use-in-production"  # noqa: S105 - production refuses it
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'dev.sqlite3'}"
MIN_SECRET_LENGTH = 32
# The audit log is kept at least a quarter (one periodic log review) and at most ten years.
MIN_AUDIT_LOG_DAYS, MAX_AUDIT_LOG_DAYS = 90, 3650
# zxcvbn's estimate of the guesses a SECRET_KEY takes, as a power of ten: 10^30 is about 100 bits. A random key of
# 32 characters or more (secrets.token_urlsafe) passes; repeated, sequential or dictionary text does not.
MIN_SECRET_GUESSES_LOG10 = 30
BANKID_TEST_HOST = "appapi2.test.bankid.com"
SPAR_TEST_HOST = "kt-ext-ws.statenspersonadressregister.se"  # SPAR's customer test: made-up persons
SMTP_IMPLICIT_TLS_PORT = 465  # RFC 8314 "submissions": TLS from the first byte rather than STARTTLS
# What production may run with: an idle timeout short enough for shared computers (a library, a school) yet not so
# short that a form is lost while reading; a working day at most; a login limit per address that neither lets a
# script try thousands of logins nor locks out an office.
SANE_SESSION_IDLE_MINUTES = (5, 60)
SANE_SESSION_MAX_HOURS = (1, 12)
SANE_LOGIN_RATE_LIMIT = (5, 1000)  # per browser
SANE_LOGIN_RATE_LIMIT_PER_ADDRESS = (20, 100_000)
SANE_API_RATE_LIMIT = (10, 1_000_000)  # per API client and minute

Mode = Literal["dev", "production"]


class ConfigurationError(RuntimeError):
    """Raised at start-up when the settings are unsafe or invalid for the chosen mode."""


def _dev_base_url(host: str | None, port: str | None) -> str:
    """Where `make run HOST=... PORT=...` serves: a wildcard address (0.0.0.0, ::) is reached on this machine at
    127.0.0.1; other devices need BASE_URL set to the address they use."""
    host = (host or "").strip()
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - a name, not a bind
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{(port or '').strip() or '8000'}"


def secret_is_strong(secret: str) -> bool:
    from zxcvbn import zxcvbn  # only production's start-up check needs its word lists

    return zxcvbn(secret)["guesses_log10"] >= MIN_SECRET_GUESSES_LOG10


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    mode: Mode = "dev"
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = DEV_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"
    # asyncpg pool size per process; 0 opens a connection per query.
    db_pool_min: int = 2
    db_pool_max: int = 10
    # How often a process looks for catalogue changes made by other processes.
    catalogue_refresh_seconds: float = 5.0
    catalogue_page_size: int = 20
    log_level: str = "INFO"
    # Re-read changed templates on every render (dev convenience; costs a stat() per template).
    template_reload: bool = True
    # Demo-data and simulators; production refuses to start with any of them on.
    simulators: bool = True
    municipality_name: str = "Marks kommun"
    contact_phone: str = "0320-21 70 00"
    contact_email: str = "kontaktcenter@mark.se"
    default_retention_days_closed: int = 365
    default_retention_days_draft: int = 90
    # The audit log's own retention: entries older than this go, through the retention job only.
    audit_log_retention_days: int = 730
    default_cosign_days: int = 14
    session_idle_minutes: int = 30
    session_max_hours: int = 8
    # A warning offers to stay logged in this many seconds before the idle timeout.
    session_warning_seconds: int = 120
    # BankID login starts allowed within `login_rate_window_minutes`: per browser, and per client address (generous,
    # so a library or a school behind one address is not locked out by one visitor).
    login_rate_limit: int = 20
    login_rate_limit_per_address: int = 300
    login_rate_window_minutes: int = 10
    # Calls per minute an API client may make (/api/v1), all workers together.
    api_rate_limit: int = 600
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks); web/proxies.py.
    trusted_proxies: tuple[str, ...] = ()
    # Who may read /metrics (web/metrics.py): a bearer token, and/or addresses or networks. Neither: nobody.
    metrics_token: str = ""
    metrics_addresses: tuple[str, ...] = ()
    # Outgoing mail. With SIMULATORS on and no SMTP_HOST, mail stays in the outbox and shows at /_dev/mail.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = "Marks kommun e-tjänster <noreply@mark.se>"
    # Scheduled jobs (jobs/): every app process also runs them in the background (their leases let one process run
    # each job at a time), looking for due jobs every `jobs_interval_seconds`, as `python -m jobs loop` does.
    jobs_in_app: bool = True
    jobs_interval_seconds: float = 60.0
    # Residents may write about a closed case for this many days.
    messages_open_days_after_close: int = 30
    # BankID RP API v6.0. Empty URL with SIMULATORS on: the built-in simulator, in process.
    bankid_url: str = ""
    bankid_client_cert: str = ""
    bankid_client_key: str = ""
    bankid_ca_cert: str = ""
    # SPAR Personsök (integrations/population_register/spar.py). Empty URL: the fixture register with SIMULATORS on,
    # no register at all otherwise (everyone keeps the name BankID gives).
    spar_url: str = ""
    spar_client_cert: str = ""
    spar_client_key: str = ""
    spar_ca_cert: str = ""
    spar_customer_number: int = 0  # KundNrLeveransMottagare
    spar_end_customer_number: int = 0  # KundNrSlutkund; 0: the same as spar_customer_number
    spar_assignment_id: int = 0  # UppdragId
    spar_end_user_id: str = "e-tjanster-inloggning"  # SlutAnvandarId, written to SPAR's logs
    spar_timeout_seconds: float = 5.0
    # The company information service (integrations/company_register/http.py). Empty URL: the fixture with
    # SIMULATORS on; otherwise organisations are unavailable. A bearer token and/or a client certificate.
    company_register_url: str = ""
    company_register_token: str = ""
    company_register_client_cert: str = ""
    company_register_client_key: str = ""
    company_register_ca_cert: str = ""
    company_register_timeout_seconds: float = 5.0
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.mode == "production"

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.is_production or self.base_url.startswith("https://")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        mode = env.get("MODE", "dev").strip().lower()
        if mode not in ("dev", "production"):
            raise ConfigurationError(f"MODE must be 'dev' or 'production', not {mode!r}.")
        production = mode == "production"
        try:
            return cls(
                mode=mode,  # type: ignore[arg-type]
                database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
                secret_key=env.get("SECRET_KEY") or DEV_SECRET_KEY,
                # In dev mode the address `make run` serves at (HOST, PORT) unless BASE_URL says otherwise.
                base_url=(
                    env.get("BASE_URL")
                    or (cls.base_url if production else _dev_base_url(env.get("HOST"), env.get("PORT")))
                ).rstrip("/"),
                db_pool_min=int(env.get("DB_POOL_MIN", cls.db_pool_min)),
                db_pool_max=int(env.get("DB_POOL_MAX", cls.db_pool_max)),
                catalogue_refresh_seconds=float(env.get("CATALOGUE_REFRESH_SECONDS", cls.catalogue_refresh_seconds)),
                log_level=env.get("LOG_LEVEL", cls.log_level).upper(),
                template_reload=_flag(env.get("TEMPLATE_RELOAD"), default=not production),
                simulators=_flag(env.get("SIMULATORS"), default=not production),
                municipality_name=env.get("MUNICIPALITY_NAME", cls.municipality_name),
                contact_phone=env.get("CONTACT_PHONE", cls.contact_phone),
                contact_email=env.get("CONTACT_EMAIL", cls.contact_email),
                default_retention_days_closed=int(env.get("RETENTION_DAYS_CLOSED", cls.default_retention_days_closed)),
                default_retention_days_draft=int(env.get("RETENTION_DAYS_DRAFT", cls.default_retention_days_draft)),
                audit_log_retention_days=int(env.get("AUDIT_LOG_RETENTION_DAYS", cls.audit_log_retention_days)),
                session_idle_minutes=int(env.get("SESSION_IDLE_MINUTES", cls.session_idle_minutes)),
                session_max_hours=int(env.get("SESSION_MAX_HOURS", cls.session_max_hours)),
                login_rate_limit=int(env.get("LOGIN_RATE_LIMIT", cls.login_rate_limit)),
                login_rate_limit_per_address=int(
                    env.get("LOGIN_RATE_LIMIT_PER_ADDRESS", cls.login_rate_limit_per_address)
                ),
                api_rate_limit=int(env.get("API_RATE_LIMIT", cls.api_rate_limit)),
                trusted_proxies=_list(env.get("TRUSTED_PROXIES", "")),
                metrics_token=env.get("METRICS_TOKEN", ""),
                metrics_addresses=_list(env.get("METRICS_ADDRESSES", "")),
                smtp_host=env.get("SMTP_HOST", ""),
                smtp_port=int(env.get("SMTP_PORT", cls.smtp_port)),
                smtp_username=env.get("SMTP_USERNAME", ""),
                smtp_password=env.get("SMTP_PASSWORD", ""),
                smtp_starttls=_flag(env.get("SMTP_STARTTLS"), default=True),
                mail_from=env.get("MAIL_FROM", cls.mail_from),
                jobs_in_app=_flag(env.get("JOBS_IN_APP"), default=True),
                jobs_interval_seconds=float(env.get("JOBS_INTERVAL_SECONDS", cls.jobs_interval_seconds)),
                messages_open_days_after_close=int(
                    env.get("MESSAGES_OPEN_DAYS_AFTER_CLOSE", cls.messages_open_days_after_close)
                ),
                bankid_url=env.get("BANKID_URL", ""),
                bankid_client_cert=env.get("BANKID_CLIENT_CERT", ""),
                bankid_client_key=env.get("BANKID_CLIENT_KEY", ""),
                bankid_ca_cert=env.get("BANKID_CA_CERT", ""),
                spar_url=env.get("SPAR_URL", ""),
                spar_client_cert=env.get("SPAR_CLIENT_CERT", ""),
                spar_client_key=env.get("SPAR_CLIENT_KEY", ""),
                spar_ca_cert=env.get("SPAR_CA_CERT", ""),
                spar_customer_number=int(env.get("SPAR_CUSTOMER_NUMBER") or 0),
                spar_end_customer_number=int(env.get("SPAR_END_CUSTOMER_NUMBER") or 0),
                spar_assignment_id=int(env.get("SPAR_ASSIGNMENT_ID") or 0),
                spar_end_user_id=env.get("SPAR_END_USER_ID") or cls.spar_end_user_id,
                spar_timeout_seconds=float(env.get("SPAR_TIMEOUT_SECONDS", cls.spar_timeout_seconds)),
                company_register_url=env.get("COMPANY_REGISTER_URL", "").rstrip("/"),
                company_register_token=env.get("COMPANY_REGISTER_TOKEN", ""),
                company_register_client_cert=env.get("COMPANY_REGISTER_CLIENT_CERT", ""),
                company_register_client_key=env.get("COMPANY_REGISTER_CLIENT_KEY", ""),
                company_register_ca_cert=env.get("COMPANY_REGISTER_CA_CERT", ""),
                company_register_timeout_seconds=float(
                    env.get("COMPANY_REGISTER_TIMEOUT_SECONDS", cls.company_register_timeout_seconds)
                ),
            )
        except ValueError as error:
            raise ConfigurationError(f"A numeric setting is not a number: {error}") from error

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **changes)

    def problems(self) -> list[str]:
        """Every reason these settings must not run; empty when they may."""
        found: list[str] = []
        if self.db_pool_min < 0 or self.db_pool_max < self.db_pool_min:
            found.append("DB_POOL_MIN/DB_POOL_MAX: need 0 <= DB_POOL_MIN <= DB_POOL_MAX.")
        if not self.jobs_interval_seconds > 0:
            found.append("JOBS_INTERVAL_SECONDS: must be more than 0.")
        if not MIN_AUDIT_LOG_DAYS <= self.audit_log_retention_days <= MAX_AUDIT_LOG_DAYS:
            found.append(
                f"AUDIT_LOG_RETENTION_DAYS: must be {MIN_AUDIT_LOG_DAYS}-{MAX_AUDIT_LOG_DAYS} days "
                "(the log must outlive a log review period, and must not be kept for ever)."
            )
        for name, networks in (
            ("TRUSTED_PROXIES", self.trusted_proxies),
            ("METRICS_ADDRESSES", self.metrics_addresses),
        ):
            for network in networks:
                try:
                    ipaddress.ip_network(network, strict=False)
                except ValueError:
                    found.append(f"{name}: {network!r} is not an IP address or network (a * would allow anyone).")
        if not self.simulators and not self.is_production and not self.bankid_url:
            found.append("BANKID_URL: with SIMULATORS off, BankID's address and certificates are needed.")
        found.extend(self._register_problems())
        if not self.is_production:
            return found
        if self.secret_key == DEV_SECRET_KEY:
            found.append("SECRET_KEY: the built-in development secret must not be used in production.")
        elif len(self.secret_key) < MIN_SECRET_LENGTH:
            found.append(f"SECRET_KEY: must be at least {MIN_SECRET_LENGTH} characters long in production.")
        elif not secret_is_strong(self.secret_key):
            found.append(
                "SECRET_KEY: too easy to guess (repeated, sequential or wordy text); "
                'use a random one, e.g. python -c "import secrets; print(secrets.token_urlsafe(32))".'
            )
        if self.metrics_token and (
            len(self.metrics_token) < MIN_SECRET_LENGTH or not secret_is_strong(self.metrics_token)
        ):
            found.append(f"METRICS_TOKEN: use a random one of at least {MIN_SECRET_LENGTH} characters.")
        if self.log_level == "DEBUG":
            found.append("LOG_LEVEL: DEBUG may write personal data to the logs; production logs at INFO or above.")
        found.extend(self._limit_problems())
        if self.uses_sqlite:
            found.append("DATABASE_URL: production needs PostgreSQL (postgresql://...), not SQLite.")
        if self.simulators:
            found.append("SIMULATORS: simulators and demo tools must be off in production (SIMULATORS=0).")
        if not self.base_url.startswith("https://"):
            found.append("BASE_URL: production must be served over https://.")
        if not self.smtp_host:
            found.append("SMTP_HOST: production needs a mail server for notices.")
        if not self.bankid_url.startswith("https://"):
            found.append(
                "BANKID_URL: production needs BankID's https:// address (https://appapi2.bankid.com/rp/v6.0/)."
            )
        elif BANKID_TEST_HOST in self.bankid_url.lower():
            found.append(
                f"BANKID_URL: {BANKID_TEST_HOST} is BankID's test environment, where anyone can make test identities "
                "and log in as anyone; production uses https://appapi2.bankid.com/rp/v6.0/."
            )
        if self.smtp_username and not (self.smtp_starttls or self.smtp_port == SMTP_IMPLICIT_TLS_PORT):
            found.append(
                "SMTP_USERNAME: the mail password would cross the network unencrypted; "
                f"turn SMTP_STARTTLS on or use port {SMTP_IMPLICIT_TLS_PORT} (TLS)."
            )
        for name, value in (
            ("BANKID_CLIENT_CERT", self.bankid_client_cert),
            ("BANKID_CLIENT_KEY", self.bankid_client_key),
            ("BANKID_CA_CERT", self.bankid_ca_cert),
        ):
            if not value:
                found.append(f"{name}: production needs the path to this file (mutual TLS with BankID).")
        return found

    def _register_problems(self) -> list[str]:
        """SPAR and the company register: when an address is given, what the connection needs."""
        found = []
        https_only = self.is_production
        if self.spar_url:
            if https_only and not self.spar_url.startswith("https://"):
                found.append("SPAR_URL: production needs SPAR's https:// address.")
            elif https_only and SPAR_TEST_HOST in self.spar_url.lower():
                found.append(
                    f"SPAR_URL: {SPAR_TEST_HOST} is SPAR's customer test environment, whose persons are made up; "
                    "production uses https://ext-ws.statenspersonadressregister.se/2021.1/."
                )
            for name, value in (
                ("SPAR_CLIENT_CERT", self.spar_client_cert),
                ("SPAR_CLIENT_KEY", self.spar_client_key),
                ("SPAR_CA_CERT", self.spar_ca_cert),
            ):
                if not value:
                    found.append(f"{name}: SPAR_URL is set, so the path to this file is needed (mutual TLS).")
            customers = [("SPAR_CUSTOMER_NUMBER", self.spar_customer_number)]
            if self.spar_end_customer_number:
                customers.append(("SPAR_END_CUSTOMER_NUMBER", self.spar_end_customer_number))
            for name, value in customers:
                if not 500001 <= value <= 599999:
                    found.append(f"{name}: SPAR's customer numbers are 500001-599999 (from the SPAR agreement).")
            if self.spar_assignment_id < 1:
                found.append("SPAR_ASSIGNMENT_ID: SPAR's assignment id (UppdragId) is needed with SPAR_URL.")
            if not 1 <= len(self.spar_end_user_id) <= 256:
                found.append("SPAR_END_USER_ID: 1-256 characters.")
            if not self.spar_timeout_seconds > 0:
                found.append("SPAR_TIMEOUT_SECONDS: must be more than 0.")
        if self.company_register_url:
            if https_only and not self.company_register_url.startswith("https://"):
                found.append("COMPANY_REGISTER_URL: production needs an https:// address.")
            if not self.company_register_token and not self.company_register_client_cert:
                found.append("COMPANY_REGISTER_TOKEN: the company register needs a token or a client certificate.")
            if bool(self.company_register_client_cert) != bool(self.company_register_client_key):
                found.append(
                    "COMPANY_REGISTER_CLIENT_KEY: a client certificate needs its key, and a key its certificate."
                )
            if not self.company_register_timeout_seconds > 0:
                found.append("COMPANY_REGISTER_TIMEOUT_SECONDS: must be more than 0.")
        return found

    def _limit_problems(self) -> list[str]:
        """Session and rate limits outside the ranges production may run with."""
        found = []
        for name, value, (low, high) in (
            ("SESSION_IDLE_MINUTES", self.session_idle_minutes, SANE_SESSION_IDLE_MINUTES),
            ("SESSION_MAX_HOURS", self.session_max_hours, SANE_SESSION_MAX_HOURS),
            ("LOGIN_RATE_LIMIT", self.login_rate_limit, SANE_LOGIN_RATE_LIMIT),
            ("LOGIN_RATE_LIMIT_PER_ADDRESS", self.login_rate_limit_per_address, SANE_LOGIN_RATE_LIMIT_PER_ADDRESS),
            ("API_RATE_LIMIT", self.api_rate_limit, SANE_API_RATE_LIMIT),
        ):
            if not low <= value <= high:
                found.append(f"{name}: {value} is outside what production allows ({low} to {high}).")
        if self.login_rate_limit_per_address < self.login_rate_limit:
            found.append("LOGIN_RATE_LIMIT_PER_ADDRESS: less than LOGIN_RATE_LIMIT, one browser would lock out all.")
        if self.session_idle_minutes * 60 > self.session_max_hours * 3600:
            found.append("SESSION_IDLE_MINUTES: longer than SESSION_MAX_HOURS, so the idle limit would never apply.")
        return found

    @property
    def uses_bankid_simulator(self) -> bool:
        return self.simulators and not self.bankid_url

    def check(self) -> Settings:
        found = self.problems()
        if found:
            raise ConfigurationError(f"Refusing to start in {self.mode} mode:\n" + "\n".join(f"  - {p}" for p in found))
        return self
