#!/usr/bin/env bash
# Bundles the Tauri desktop POS with its agent (scripts/desktop-bundle.sh,
# debug build, .deb) and checks the bundle for real, under Xvfb:
#   1. the package holds the app and its agent and depends on WebKitGTK;
#   2. unpacked, the app finds the demo's running agent (as it would an agent
#      service), starts none of its own, and its window shows the till's
#      sign-in screen;
#   3. with no agent running, the app starts the agent it carries, which
#      enrolls with the demo's hub; the window shows the sign-in screen; the
#      agent is killed (-9) and the app starts it again, and the window shows
#      the sign-in screen once more;
#   4. a port held by another service, or by a program that takes connections
#      and says nothing, is not taken for the agent and gets no agent started
#      over it until it comes free, when the app starts its own; a missing
#      agent binary is said and retried with pauses.
# Before any window: bad settings, no display or a stale one, and
# `--help | head` are checked for a plain message and no panic.
# Screenshots go to $CARGO_TARGET_DIR/tmp/ui-screens. Called by scripts/test.sh;
# installs the WebKitGTK libraries, Xvfb and ImageMagick when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'desktop test: %s\n' "$*" >&2; exit 1; }

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

TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
log "building the demo and the agent, and bundling the desktop POS with that agent"
# One build for both, so the agent is not built twice with different features.
cargo build --locked -p system-tests -p edge-agent --bin pos-demo --bin edge-agent
AGENT_BIN="$TARGET_DIR/debug/edge-agent" ./scripts/desktop-bundle.sh --debug
DEMO="$TARGET_DIR/debug/pos-demo"
DEB=$(ls "$TARGET_DIR"/debug/bundle/deb/*.deb)

# --- 1. what the package holds -------------------------------------------------
contents=$(dpkg-deb -c "$DEB")
for path in usr/bin/pos-till-desktop usr/bin/pos-till-agent usr/share/applications/Till.desktop; do
  grep -qE " (\./)?$path\$" <<<"$contents" || fail "$DEB lacks $path"
done
dpkg-deb -f "$DEB" Depends | grep -q 'libwebkit2gtk-4.1-0' || fail "$DEB does not depend on WebKitGTK"

WORK=$(mktemp -d /tmp/pos-desktop.XXXXXX)
dpkg-deb -x "$DEB" "$WORK/root"
APP="$WORK/root/usr/bin/pos-till-desktop"
SIDECAR="$WORK/root/usr/bin/pos-till-agent"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
HUB_PORT=$(free_port)
EDGE_PORT=$(free_port)
SIDECAR_PORT=$(free_port)
POS_DEMO_DIR="$WORK/demo" HUB_LISTEN="127.0.0.1:$HUB_PORT" EDGE_LISTEN="127.0.0.1:$EDGE_PORT" \
  "$DEMO" >"$WORK/demo.log" 2>&1 &
DEMO_PID=$!
cleanup() {
  # The app's agent outlives an app that is killed rather than closed.
  pkill -9 -f "^$SIDECAR" 2>/dev/null || true
  kill "$DEMO_PID" 2>/dev/null || true
  wait "$DEMO_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
healthy() { # port seconds
  python3 - "$1" "$2" <<'PY'
import sys, time, urllib.request
deadline = time.time() + float(sys.argv[2])
while time.time() < deadline:
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=1).status == 200:
            sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
PY
}
healthy "$EDGE_PORT" 60 || { tail -20 "$WORK/demo.log"; fail "the demo's agent never answered"; }

# A terminal of the demo's store for the app's own agent to enroll as.
STORE=$(sed -n 's|.*Hub API .*/v1/stores/\([0-9a-f-]*\)/inventory.*|\1|p' "$WORK/demo.log")
KEY=$(sed -n 's/.*HQ API key *//p' "$WORK/demo.log")
[ -n "$STORE" ] && [ -n "$KEY" ] || fail "the demo printed no store or API key"
CODE=$(python3 - "$HUB_PORT" "$STORE" "$KEY" <<'PY'
import json, sys, urllib.request
port, store, key = sys.argv[1:]
req = urllib.request.Request(
    f"http://127.0.0.1:{port}/v1/stores/{store}/terminals",
    data=json.dumps({"name": "Desktop till", "receipt_prefix": "DSK"}).encode(),
    headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
)
print(json.load(urllib.request.urlopen(req, timeout=10))["enrollment_code"])
PY
)

SHOTS="$TARGET_DIR/tmp/ui-screens"
mkdir -p "$SHOTS"
export APP SIDECAR SHOTS EDGE_PORT SIDECAR_PORT HUB_PORT CODE WORK
# Settings it cannot use are refused before any window opens.
"$APP" --help | grep -q "TILL_SIDECAR" || fail "--help does not list the settings"
for bad in garbage 0.0.0.0:8710 http://127.0.0.1:8710; do
  if TILL_AGENT="$bad" "$APP" >"$WORK/bad.log" 2>&1; then fail "TILL_AGENT=$bad was accepted"; fi
  grep -q "TILL_AGENT" "$WORK/bad.log" || { cat "$WORK/bad.log" >&2; fail "TILL_AGENT=$bad: no message naming it"; }
done
# No display: said plainly, not a toolkit abort.
if env -u DISPLAY -u WAYLAND_DISPLAY "$APP" >"$WORK/nodisplay.log" 2>&1; then fail "the app started with no display"; else status=$?; fi
[ "$status" -eq 2 ] && grep -q "no display" "$WORK/nodisplay.log" || { cat "$WORK/nodisplay.log" >&2; fail "no display: exit $status, not 2 with a message"; }
# A display that is set but answers nowhere (a stale DISPLAY): the same.
if env -u WAYLAND_DISPLAY DISPLAY=:987 "$APP" >"$WORK/stale.log" 2>&1; then fail "the app started on a display that is not there"; else status=$?; fi
[ "$status" -eq 2 ] && grep -q "cannot be reached" "$WORK/stale.log" || { cat "$WORK/stale.log" >&2; fail "stale DISPLAY: exit $status, not 2 with a message"; }
for bad in TILL_CUSTOMER_DISPLAY=bogus TILL_KIOSK=true TILL_SIDECAR=no; do
  if env "$bad" "$APP" >"$WORK/bad.log" 2>&1; then fail "$bad was accepted"; fi
  grep -q "${bad%%=*}" "$WORK/bad.log" || { cat "$WORK/bad.log" >&2; fail "$bad: no message naming it"; }
done
# A reader that stops early is no error.
"$APP" --help 2>"$WORK/help.err" | head -1 >/dev/null
! grep -q "panicked" "$WORK/help.err" || { cat "$WORK/help.err" >&2; fail "--help | head panicked"; }
log "the app's own unit tests"
cargo test --locked --manifest-path ui-shell/src-tauri/Cargo.toml --quiet

log "under Xvfb: the app against the demo's agent, then with an agent of its own"
xvfb-run -a -s "-screen 0 1366x768x24" bash -euo pipefail -c '
  fail() { printf "desktop test: %s\n" "$*" >&2; exit 1; }
  # The sign-in screen has the status bar blue across the top and a white
  # card; the splash page shown while the agent is looked for has neither.
  signed_in_screen() { # shot-name app-log
    local shot="$SHOTS/$1" blue=0 white=0
    for _ in $(seq 90); do
      sleep 1
      import -window root "$shot" 2>/dev/null || continue
      blue=$(convert "$shot" -fill black +opaque "#17405C" -fill white -opaque "#17405C" -format "%[fx:int(mean*w*h)]" info:)
      white=$(convert "$shot" -fill black +opaque "#FFFFFF" -fill white -opaque "#FFFFFF" -format "%[fx:int(mean*w*h)]" info:)
      if [ "$blue" -gt 40000 ] && [ "$white" -gt 60000 ]; then return 0; fi
    done
    cat "$2" >&2
    fail "the window never showed the sign-in screen in $shot (blue $blue px, white $white px)"
  }
  # The pid of the nth agent the app started, from its log.
  started() { # n app-log
    for _ in $(seq 60); do
      pid=$(sed -n "s/^till: started the agent .* (pid \([0-9]*\)).*/\1/p" "$2" | sed -n "$1p")
      [ -n "$pid" ] && { echo "$pid"; return 0; }
      sleep 0.5
    done
    cat "$2" >&2
    fail "the app never started agent number $1"
  }

  # 2. An agent already answers: the app uses it and starts none.
  log="$WORK/app-service.log"
  TILL_AGENT="127.0.0.1:$EDGE_PORT" TILL_KIOSK=1 "$APP" >"$log" 2>&1 &
  app=$!
  signed_in_screen desktop-login-1366x768.png "$log"
  grep -q "an agent answers at 127.0.0.1:$EDGE_PORT" "$log" || { cat "$log" >&2; fail "the app did not say it uses the running agent"; }
  ! grep -q "started the agent" "$log" || { cat "$log" >&2; fail "the app started an agent although one answered"; }
  kill "$app"; wait "$app" 2>/dev/null || true

  # 3. No agent: the app starts the one it carries, and again when it dies.
  log="$WORK/app-sidecar.log"
  mkdir -p "$WORK/config"
  XDG_CONFIG_HOME="$WORK/config" EDGE_DATA_DIR="$WORK/sidecar" \
    EDGE_HUB_URL="http://127.0.0.1:$HUB_PORT" EDGE_ENROLL_CODE="$CODE" \
    TILL_AGENT="127.0.0.1:$SIDECAR_PORT" TILL_KIOSK=1 "$APP" >"$log" 2>&1 &
  app=$!
  first=$(started 1 "$log")
  [ "$(readlink "/proc/$first/exe")" = "$SIDECAR" ] || fail "agent $first is $(readlink "/proc/$first/exe"), not the bundled $SIDECAR"
  signed_in_screen desktop-sidecar-1366x768.png "$log"
  [ -s "$WORK/sidecar/device.json" ] || fail "the bundled agent did not enroll (no device.json in its data dir)"
  kill -9 "$first"
  second=$(started 2 "$log")
  [ "$second" != "$first" ] || fail "the agent was not started again"
  python3 -c "
import sys, time, urllib.request
deadline = time.time() + 60
while time.time() < deadline:
    try:
        if urllib.request.urlopen(\"http://127.0.0.1:$SIDECAR_PORT/health\", timeout=1).status == 200:
            sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)" || fail "the restarted agent never answered on $SIDECAR_PORT"
  kill -0 "$second" || fail "the restarted agent $second is not running"
  grep -q "the till agent stopped (signal: 9" "$log" || fail "the app did not say it restarted the agent"
  signed_in_screen desktop-sidecar-restarted-1366x768.png "$log"
  # Killed (as a logout or shutdown does), the app takes its agent with it.
  kill "$app"; wait "$app" 2>/dev/null || true
  for _ in $(seq 40); do kill -0 "$second" 2>/dev/null || break; sleep 0.25; done
  ! kill -0 "$second" 2>/dev/null || fail "the agent $second outlived the app"
  echo "sidecar pids: $first, then $second; gone with the app"

  # 4. Something else on the port: not taken for the agent, no agent started over it.
  log="$WORK/app-stranger.log"
  TILL_AGENT="127.0.0.1:$HUB_PORT" "$APP" >"$log" 2>&1 &
  app=$!
  sleep 5
  grep -q "is not the till agent" "$log" || { cat "$log" >&2; fail "the app took the hub for the till agent"; }
  ! grep -q "started the agent" "$log" || { cat "$log" >&2; fail "the app started an agent over another service"; }
  kill "$app"; wait "$app" 2>/dev/null || true

  # 4b. A program that takes connections and says nothing holds the port too.
  python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"127.0.0.1\", $SIDECAR_PORT)); s.listen(16)
held = []
while True:
    held.append(s.accept()[0])" &
  silent=$!
  sleep 1
  log="$WORK/app-silent.log"
  XDG_CONFIG_HOME="$WORK/config" EDGE_DATA_DIR="$WORK/sidecar-late" \
    EDGE_HUB_URL="http://127.0.0.1:$HUB_PORT" TILL_AGENT="127.0.0.1:$SIDECAR_PORT" "$APP" >"$log" 2>&1 &
  app=$!
  sleep 6
  grep -q "holds 127.0.0.1:$SIDECAR_PORT (it takes connections but gives no HTTP answer)" "$log" || { cat "$log" >&2; fail "the app did not say a silent program holds the port"; }
  ! grep -q "started the agent" "$log" || { cat "$log" >&2; fail "the app started an agent on a port another program holds"; }
  # The program goes: the port is free, and the app starts its own agent there.
  kill "$silent"; wait "$silent" 2>/dev/null || true
  late=$(started 1 "$log")
  grep -q "nothing holds 127.0.0.1:$SIDECAR_PORT now" "$log" || { cat "$log" >&2; fail "the app did not say why it started its agent late"; }
  kill "$app"; wait "$app" 2>/dev/null || true
  for _ in $(seq 40); do kill -0 "$late" 2>/dev/null || break; sleep 0.25; done
  ! kill -0 "$late" 2>/dev/null || fail "the late agent $late outlived the app"

  # 5. An agent that cannot start: said, and tried again later, not in a tight loop.
  log="$WORK/app-missing.log"
  TILL_AGENT_BIN=/nonexistent/pos-till-agent TILL_AGENT="127.0.0.1:$SIDECAR_PORT" "$APP" >"$log" 2>&1 &
  app=$!
  sleep 8
  grep -q "cannot start the till agent /nonexistent/pos-till-agent" "$log" || { cat "$log" >&2; fail "the app did not say why the agent could not start"; }
  tries=$(grep -c "cannot start the till agent" "$log")
  [ "$tries" -le 3 ] || { cat "$log" >&2; fail "the app tried $tries times in 8 s: no pause between tries"; }
  kill "$app"; wait "$app" 2>/dev/null || true
'
log "the bundled desktop POS used a running agent, started its own, and restarted it: $SHOTS"
