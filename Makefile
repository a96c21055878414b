# The two commands of the README: `make run` and `make test`. Everything else is a step they depend on.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install install-dev migrate demo chromium java deploy-tools node lint format messages vendor lock benchmark faults load

# HOST and PORT reach the app too: in dev mode its base URL (mail links, BankID's return address) follows them.
run: demo
	HOST=$(HOST) PORT=$(PORT) $(BIN)/uvicorn --factory app:create_app --host $(HOST) --port $(PORT) --no-access-log --no-server-header --no-proxy-headers

test: install-dev node chromium java deploy-tools
	$(BIN)/pytest

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/piccolo migrations forwards all

demo: migrate
	$(BIN)/python -m db.demo

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node: node_modules/.installed

# Browser tests use Debian's Chromium (Playwright cannot download its own browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; }

# The HTML validation test runs the Nu Html Checker (vnu-jar from npm), which needs Java 17 or later.
java:
	@command -v java >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends default-jre-headless; }

# tests/deploy/ checks deploy/ with nginx's and systemd's own tools (`nginx -t`, `systemd-analyze verify`; hadolint
# comes from PyPI with the dev dependencies), renders nginx's template with envsubst (gettext-base) as the README
# says, and runs the real nginx in front of uvicorn. Debian starts the nginx it installs on port 80 (unless
# policy-rc.d forbids it): an nginx installed here is stopped, and disabled where systemd runs (the tests start
# their own, on high loopback ports); an nginx that was there before is left alone.
deploy-tools:
	@missing=; for tool in nginx systemd-analyze envsubst; do \
		command -v $$tool >/dev/null 2>&1 || [ -x /usr/sbin/$$tool ] || missing=1; done; \
	if [ -n "$$missing" ]; then \
		had_nginx=; [ -x /usr/sbin/nginx ] && had_nginx=1; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq --no-install-recommends nginx systemd gettext-base || exit 1; \
		if [ -z "$$had_nginx" ]; then \
			if [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now nginx; \
			else $(SUDO) /usr/sbin/nginx -s stop 2>/dev/null || true; fi; \
		fi; \
	fi

# Both checks run (CI shows every finding at once); fails if either fails.
lint: install-dev
	status=0; $(BIN)/ruff format --check . || status=1; $(BIN)/ruff check . || status=1; exit $$status

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract translatable strings and merge them into the Swedish catalogue (translations are kept; one line per
# message, so a run changes only the lines of messages that changed).
messages: install-dev
	PYTHONPATH=. $(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --no-wrap --ignore-dirs=".venv node_modules tests benchmarks" -o locale/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete --no-wrap -i locale/messages.pot -d locale -l sv

# Copy htmx from the pinned npm package into static/ (committed, so running needs no npm).
vendor: node
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

# Re-pin every installed package after changing pyproject.toml.
lock: install-dev
	$(BIN)/pip freeze --exclude-editable | grep -v '^#' > constraints.txt

# The catalogue, Mina sidor, applications, case handling (inbox) and API benchmarks, each on SQLite and PostgreSQL (wrk from
# Debian when missing).
benchmark: install-dev
	@command -v wrk >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }
	status=0; for name in run my_pages applications case_handling api; do $(BIN)/python -m benchmarks.$$name || status=1; done; exit $$status

# Fault injection (not part of `make test`): SIGKILL of a worker and of a purge, PostgreSQL crashing under load (a
# private server of its own), SMTP down, BankID in maintenance. Needs PostgreSQL at POSTGRES_URL and its server
# binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin.
faults: install-dev
	$(BIN)/python -m benchmarks.faults.run

# 200 simulated residents and officers for 5 minutes against PostgreSQL and two uvicorn workers (locust; not part of
# `make test`). ARGS passes options on, e.g. `make load ARGS="--run-time 60s"`.
load: install-dev
	$(BIN)/python -m benchmarks.load.run $(ARGS)
