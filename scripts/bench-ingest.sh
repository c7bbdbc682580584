#!/usr/bin/env bash
# Runs the ingestion benchmark (tests/benches/ingest.rs) on a throwaway
# PostgreSQL server, through the real hub: BENCH_WEBHOOKS (2000) signed
# inventory webhooks of BENCH_LINES (10) lines, BENCH_CONCURRENCY (8) at a
# time; acknowledge latency p50/p99 and lines/s into the ledger, each beside
# raw durable INSERTs of the same payloads and lines on the same server. The
# server runs with fsync off, as in the tests, so the ratios are what to
# compare. Extra arguments go to `cargo bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '==> %s\n' "$*" >&2; }
# shellcheck source=scripts/postgres.sh
. scripts/postgres.sh
start_postgres
cargo bench -p system-tests --bench ingest "$@"
