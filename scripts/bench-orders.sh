#!/usr/bin/env bash
# Runs the order-placement benchmark (tests/benches/order_placement.rs) on a
# throwaway PostgreSQL server: BENCH_ORDERS (500) concurrent placements
# against BENCH_STOCK (300) units, p50/p99 next to as many concurrent
# single-row UPDATEs of one row on the same server. The server runs with
# fsync off, as in the tests, so the ratio is what to compare. Extra
# arguments go to `cargo bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '==> %s\n' "$*" >&2; }
# shellcheck source=scripts/postgres.sh
. scripts/postgres.sh
start_postgres
cargo bench -p system-tests --bench order_placement "$@"
