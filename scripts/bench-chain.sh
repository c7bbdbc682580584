#!/usr/bin/env bash
# Runs the chain-scale benchmark (tests/benches/chain_scale.rs): BENCH_STORES
# (1000) stores of BENCH_TERMINALS (5) terminals long-polling release hub
# processes, on SQLite and on a throwaway PostgreSQL server (one process, then
# two on the same database); a chain-wide price change's arrival p50/p99 and
# the hubs' memory, beside a bare round trip measured in the same run. The
# server runs with fsync off, as in the tests. Extra arguments go to
# `cargo bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '==> %s\n' "$*" >&2; }
# shellcheck source=scripts/postgres.sh
. scripts/postgres.sh
start_postgres
# 5,000 terminals hold a connection each, at both ends.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo bench -p system-tests --bench chain_scale "$@"
