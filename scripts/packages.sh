#!/usr/bin/env bash
# Builds the Debian packages: pos-hub (cloud-hub and its service),
# pos-edge-agent (edge-agent and its service) and pos-hubctl, with cargo-deb
# from each crate's [package.metadata.deb]. Installs the pinned cargo-deb when
# it is missing. Writes the .debs to <target dir>/debian and prints their paths.
#
#   scripts/packages.sh                       # release build, then package
#   scripts/packages.sh --profile dev         # the debug binaries (quick, for tests)
#   scripts/packages.sh --profile dev --no-build   # package what is already built
#
# PACKAGE_PROFILE and PACKAGE_NO_BUILD=1 do the same as the flags.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'packages.sh: %s\n' "$*" >&2; exit 1; }

CARGO_DEB_VERSION=3.8.0
PROFILE="${PACKAGE_PROFILE:-release}"
BUILD=yes
[ "${PACKAGE_NO_BUILD:-}" = 1 ] && BUILD=no
OUT=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --profile) [ "$#" -ge 2 ] || die "--profile needs a value"; PROFILE="$2"; shift 2 ;;
    --profile=*) PROFILE="${1#--profile=}"; shift ;;
    --no-build) BUILD=no; shift ;;
    --out) [ "$#" -ge 2 ] || die "--out needs a directory"; OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (--profile NAME, --no-build, --out DIR)" ;;
  esac
done

# The crates packaged, their binaries and package names.
CRATES=(cloud-hub edge-agent hubctl)

if ! cargo deb --version 2>/dev/null | grep -qx "cargo-deb $CARGO_DEB_VERSION\|$CARGO_DEB_VERSION"; then
  if cargo deb --version >/dev/null 2>&1; then
    log "cargo-deb $(cargo deb --version 2>&1) found; installing the pinned $CARGO_DEB_VERSION"
  else
    log "installing cargo-deb $CARGO_DEB_VERSION"
  fi
  cargo install cargo-deb --locked --version "$CARGO_DEB_VERSION"
fi

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps --locked \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
case "$PROFILE" in
  dev|debug) PROFILE=dev; PROFILE_DIR=debug ;;
  *) PROFILE_DIR="$PROFILE" ;;
esac
BIN_DIR="$TARGET_DIR/$PROFILE_DIR"
OUT="${OUT:-$TARGET_DIR/debian}"

if [ "$BUILD" = yes ]; then
  log "cargo build --profile $PROFILE (${CRATES[*]})"
  cargo build --locked --profile "$PROFILE" "${CRATES[@]/#/--package=}" --bins
fi
for bin in cloud-hub edge-agent hubctl; do
  [ -x "$BIN_DIR/$bin" ] || die "$BIN_DIR/$bin is not built (run without --no-build, or cargo build -p $bin)"
done

# The agent's /etc file: its example with every setting commented out. The
# example's printers, scanners, scale labels, UPI address and GSTIN are an
# illustration, not a store's; a till started on them would print to a
# stranger's address and show customers someone else's UPI QR.
AGENT_CONF="$BIN_DIR/pos-edge-agent.toml"
{
  cat <<'HEAD'
# /etc/pos-edge-agent/edge-agent.toml, installed by the pos-edge-agent package.
#
# Every setting below is commented out, so the agent starts on its built-in
# defaults. The values shown are the example's
# (/usr/share/doc/pos-edge-agent/examples/edge-agent.example.toml), not the
# defaults: uncomment and set what this till needs, at least hub_url; give the
# enrollment code as EDGE_ENROLL_CODE in /etc/default/pos-edge-agent (root
# only); then `systemctl restart pos-edge-agent`. The service sets
# EDGE_DATA_DIR=/var/lib/pos-edge-agent, the one directory it may write, which
# overrides data_dir here.
#
HEAD
  sed -E 's/^([[:space:]]*)([^#[:space:]])/\1# \2/' edge-agent/edge-agent.example.toml
} >"$AGENT_CONF.tmp"
if grep -nEv '^[[:space:]]*(#.*)?$' "$AGENT_CONF.tmp" >&2; then
  die "$AGENT_CONF.tmp: the lines above are still settings"
fi
mv "$AGENT_CONF.tmp" "$AGENT_CONF"

# Packages of a quick (non-release) build are for tests: lighter compression.
# (cargo-deb warns that it does not support the dev profile: it packages the
# binaries all the same.)
FAST=()
[ "$PROFILE" = release ] || FAST=(--fast)
mkdir -p "$OUT"
for crate in "${CRATES[@]}"; do
  log "cargo deb -p $crate --profile $PROFILE"
  cargo deb --locked --no-build --profile "$PROFILE" -p "$crate" --output "$OUT" "${FAST[@]}" \
    || die "cargo deb failed for $crate"
done
