#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine or a developer's box:
# installs what is missing (nats-server among it: the relay tests start their
# own brokers), starts a throwaway PostgreSQL server (initdb in a temp
# dir, as a non-root user, on a free loopback port), runs `cargo test --workspace`
# with the hub tests on both SQLite and PostgreSQL, then stops the server.
# A run without arguments then tests the desktop POS and the Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

# --- system packages -------------------------------------------------------
# shellcheck source=scripts/postgres.sh
. scripts/postgres.sh
missing=()
find_pg_bin >/dev/null || missing+=(postgresql-15)
command -v cc >/dev/null || missing+=(gcc libc6-dev)
command -v python3 >/dev/null || missing+=(python3)
command -v runuser >/dev/null || missing+=(util-linux)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v socat >/dev/null || missing+=(socat)
# openssl makes the CA the test PostgreSQL's TLS certificate comes from.
command -v openssl >/dev/null || missing+=(openssl)
# NATS JetStream: the hub's event relay is tested against a real broker
# (each test starts its own on a free port; the package's service is not used).
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
# Noto fonts: the receipt printer tests print Hindi item names as images.
[ -f /usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf ] || missing+=(fonts-noto-core)
# Headless Chromium drives the cashier UI in the browser tests.
command -v chromium >/dev/null || missing+=(chromium)
command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages: ${missing[*]} (run as root, or install them)"; exit 1
  fi
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- throwaway PostgreSQL ----------------------------------------------------
start_postgres

# --- JavaScript: Automerge for the interoperability test, Playwright and axe
# for the browser tests (the cashier UI itself is built by edge-agent/build.rs).
log "npm ci (tests/js: @automerge/automerge, playwright-core, axe-core)"
npm ci --prefix tests/js --no-audit --no-fund --loglevel=error >/dev/null

# --- Python oracles: biip (an independent GS1 parser), openapi-spec-validator
# (checks the hub's /openapi.json against the OpenAPI 3.1 schema),
# standardwebhooks (verifies the hub's signed outbound events) and
# schemathesis (fuzzes a live hub against its own /openapi.json) -------------
VENV=.venv-test
SCHEMATHESIS=4.32.5
if [ ! -x "$VENV/bin/python" ] \
  || ! "$VENV/bin/python" -c 'import biip, openapi_spec_validator, standardwebhooks' 2>/dev/null \
  || [ "$("$VENV/bin/python" -c 'import schemathesis; print(schemathesis.__version__)' 2>/dev/null)" != "$SCHEMATHESIS" ]; then
  log "python venv with biip, openapi-spec-validator, standardwebhooks and schemathesis (test oracles)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check biip==5.2.0 openapi-spec-validator==0.7.2 standardwebhooks==1.1.0 "schemathesis==$SCHEMATHESIS"
fi
export BIIP_PYTHON="$PWD/$VENV/bin/python"
export ORACLE_PYTHON="$PWD/$VENV/bin/python"

# --- the suite ---------------------------------------------------------------
log "cargo test --workspace (hub backends: SQLite and PostgreSQL)"
cargo test --workspace --locked "$@"

# --- the desktop POS and the packages: only on a whole-suite run ---------------
if [ "$#" -eq 0 ]; then
  log "desktop POS (Tauri) under Xvfb"
  ./scripts/desktop-test.sh
  # Installs, starts, removes and purges the .debs of the debug binaries the
  # suite just built: root only.
  if [ "$(id -u)" -eq 0 ]; then
    log "Debian packages: build, check, install, run, remove, purge"
    ./scripts/package-test.sh
  else
    log "skipping scripts/package-test.sh: it installs packages, which needs root"
  fi
fi
