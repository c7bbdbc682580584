#!/usr/bin/env bash
# Builds the Tauri desktop POS (ui-shell/src-tauri, a workspace of its own) and
# checks it for real: under Xvfb, against the demo's running agent, its window
# must show the till's sign-in screen. Called by scripts/test.sh; installs the
# WebKitGTK libraries, Xvfb and ImageMagick when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

missing=()
for pkg in libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev \
           libsoup-3.0-dev xvfb xauth imagemagick; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages: ${missing[*]} (run as root, or install them)"; exit 1
  fi
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

log "building the desktop POS and the demo"
cargo build --locked --manifest-path ui-shell/src-tauri/Cargo.toml
cargo build --locked -p system-tests --bin pos-demo
APP="${CARGO_TARGET_DIR:-ui-shell/src-tauri/target}/debug/pos-till-desktop"
DEMO="${CARGO_TARGET_DIR:-target}/debug/pos-demo"

WORK=$(mktemp -d /tmp/pos-desktop.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
HUB_PORT=$(free_port)
EDGE_PORT=$(free_port)
POS_DEMO_DIR="$WORK/demo" HUB_LISTEN="127.0.0.1:$HUB_PORT" EDGE_LISTEN="127.0.0.1:$EDGE_PORT" \
  "$DEMO" >"$WORK/demo.log" 2>&1 &
DEMO_PID=$!
trap 'kill "$DEMO_PID" 2>/dev/null || true; wait "$DEMO_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 - "$EDGE_PORT" <<'PY' || { tail -20 "$WORK/demo.log"; exit 1; }
import sys, time, urllib.request
deadline = time.time() + 60
while time.time() < deadline:
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=1).status == 200:
            sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("the demo's agent never answered")
PY

SHOTS="${CARGO_TARGET_DIR:-target}/tmp/ui-screens"
mkdir -p "$SHOTS"
SHOT="$SHOTS/desktop-login-1366x768.png"
log "starting the desktop POS under Xvfb against 127.0.0.1:$EDGE_PORT"
# The sign-in screen has the status bar's blue across the top and a white card;
# the splash page shown while the agent is looked for has neither.
export APP SHOT EDGE_PORT
xvfb-run -a -s "-screen 0 1366x768x24" bash -c '
  TILL_AGENT="127.0.0.1:$EDGE_PORT" TILL_KIOSK=1 "$APP" >"$SHOT.log" 2>&1 &
  app=$!
  ok=0
  for _ in $(seq 90); do
    sleep 1
    import -window root "$SHOT" 2>/dev/null || continue
    blue=$(convert "$SHOT" -fill black +opaque "#17405C" -fill white -opaque "#17405C" -format "%[fx:int(mean*w*h)]" info:)
    white=$(convert "$SHOT" -fill black +opaque "#FFFFFF" -fill white -opaque "#FFFFFF" -format "%[fx:int(mean*w*h)]" info:)
    if [ "$blue" -gt 40000 ] && [ "$white" -gt 60000 ]; then ok=1; break; fi
  done
  kill "$app" 2>/dev/null || true
  if [ "$ok" != 1 ]; then
    echo "the window never showed the sign-in screen (blue $blue px, white $white px); app log:" >&2
    cat "$SHOT.log" >&2
    exit 1
  fi
'
log "the desktop POS shows the sign-in screen: $SHOT"
