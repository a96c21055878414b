#!/bin/sh
# The container's entry point: with several uvicorn workers their metrics live in PROMETHEUS_MULTIPROC_DIR, which must
# be empty at each start (a tmpfs at /tmp gives a fresh one; a restart with the same tmpfs would keep old files).
set -eu
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$@"
