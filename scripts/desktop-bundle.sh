#!/usr/bin/env bash
# Bundles the desktop POS (ui-shell/src-tauri) with the till agent as its
# sidecar: builds the agent, places it where Tauri's `externalBin` looks for it
# (binaries/pos-till-agent-<target triple>), and runs the Tauri CLI (npm,
# pinned in ui-shell/src-tauri/package.json). The bundles land under
# $CARGO_TARGET_DIR/<profile>/bundle/.
#
#   scripts/desktop-bundle.sh                 # release, .deb
#   scripts/desktop-bundle.sh --debug         # debug build, .deb (what the desktop test installs)
#   BUNDLES=deb,appimage scripts/desktop-bundle.sh
#   AGENT_BIN=path/to/edge-agent scripts/desktop-bundle.sh --debug   # an agent already built
#
# AppImage needs linuxdeploy, which the Tauri CLI downloads; the MSI is built
# on Windows only (WiX), from the same configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '==> %s\n' "$*" >&2; }

profile=release
cargo_flag=(--release)
tauri_flag=()
if [ "${1:-}" = "--debug" ]; then
  profile=debug; cargo_flag=(); tauri_flag=(--debug)
fi
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')

if [ -z "${AGENT_BIN:-}" ]; then
  log "building the agent ($profile) for $TRIPLE"
  cargo build --locked "${cargo_flag[@]}" -p edge-agent --bin edge-agent
  AGENT_BIN="$TARGET_DIR/$profile/edge-agent"
fi
mkdir -p ui-shell/src-tauri/binaries
install -m 0755 "$AGENT_BIN" "ui-shell/src-tauri/binaries/pos-till-agent-$TRIPLE"

log "the Tauri CLI"
npm ci --prefix ui-shell/src-tauri --no-audit --no-fund --loglevel=error >/dev/null
log "bundling the desktop POS (${BUNDLES:-deb})"
(cd ui-shell/src-tauri && CARGO_TARGET_DIR="$TARGET_DIR" \
   ./node_modules/.bin/tauri build "${tauri_flag[@]}" --bundles "${BUNDLES:-deb}" -- --locked)
ls "$TARGET_DIR/$profile/bundle/"*/*
