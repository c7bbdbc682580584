#!/usr/bin/env bash
# Runs the hub benchmark (tests/benches/hub_catalog.rs) on a throwaway
# PostgreSQL server: a 100,000-variant catalog, the catalog view of a store,
# effective-price lookups and stock-movement ingest, each next to the raw
# operation on the same server. The server runs with fsync off, as in the
# tests, so write rates are upper bounds; the ratios are what to compare.
# PG_FSYNC=on runs it durable, as production runs: every commit, the
# baseline's single-row INSERT included, then waits for the disk.
# BENCH=gst_reports runs the GST returns benchmark (tests/benches/gst_reports.rs:
# a month of 1,000,000 sales lines) on the same kind of server instead.
# Extra arguments go to `cargo bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '==> %s\n' "$*" >&2; }
# shellcheck source=scripts/postgres.sh
. scripts/postgres.sh
start_postgres
cargo bench -p system-tests --bench "${BENCH:-hub_catalog}" "$@"
