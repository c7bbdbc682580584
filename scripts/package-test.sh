#!/usr/bin/env bash
# Tests the Debian packages end to end on this machine (as root; Debian):
# builds them from the debug binaries already in the target dir (building
# those only when missing), checks their contents and maintainer scripts with
# dpkg-deb, installs them with dpkg -i, runs systemd-analyze verify (and
# security, offline) on the installed units, starts the hub and the agent as
# their units would (the unit's user, groups, environment, environment file,
# config file and directories, read from the installed unit by unit-exec.py:
# no systemd runs here), checks /health and /ready, creates a tenant with
# the installed hubctl and enrolls the agent with the installed hub; then
# removes the packages and checks the data and config stayed, reinstalls and
# finds the till still enrolled and the tenant still there, purges them and
# checks nothing is left. Called by scripts/test.sh on a whole-suite run.
#
# It refuses to run where the packages, their users or their directories
# already exist (it would purge someone's hub), and leaves the machine as it
# found it, failed or not.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }
FAILURE=""
fail() {
  FAILURE="$*"
  printf '\npackage-test: FAILED: %s\n' "$*" >&2
  exit 1
}

PACKAGES=(pos-hub pos-edge-agent pos-hubctl)
SERVICES=(pos-hub pos-edge-agent)

[ "$(id -u)" -eq 0 ] || fail "run as root: it installs and purges packages"
command -v dpkg >/dev/null || fail "this is not a Debian system (no dpkg)"

# One run at a time on a machine: they would share the packages and users.
LOCK_DIR=/run/lock
[ -d "$LOCK_DIR" ] || LOCK_DIR=/tmp
exec 9>"$LOCK_DIR/pos-package-test.lock"
flock -w 900 9 || fail "another package test has held the lock for 15 minutes"

missing=()
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v adduser >/dev/null || missing+=(adduser)
command -v python3 >/dev/null || missing+=(python3)
command -v flock >/dev/null || missing+=(util-linux)
# cargo-deb: dpkg-shlibdeps for the packages' library dependencies, strip.
command -v dpkg-shlibdeps >/dev/null || missing+=(dpkg-dev)
command -v strip >/dev/null || missing+=(binutils)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- nothing of ours may be here already ----------------------------------------
installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^[a-z][^n]'; }
for p in "${PACKAGES[@]}"; do
  if installed "$p"; then
    fail "$p is installed here ($(dpkg-query -W -f='${db:Status-Abbrev}' "$p")): this test installs and purges it; remove it first (dpkg --purge $p)"
  fi
done
for s in "${SERVICES[@]}"; do
  getent passwd "$s" >/dev/null && fail "user $s exists without its package (an interrupted run?): check it holds nothing, then deluser --system $s"
  getent group "$s" >/dev/null && fail "group $s exists without its package: delgroup --system $s"
  for path in "/var/lib/$s" "/etc/$s" "/etc/default/$s"; do
    [ -e "$path" ] && fail "$path exists without its package: move it away first"
  done
done

WORK=$(mktemp -d /tmp/pos-package-test.XXXXXX)
PIDS=()
cleanup() {
  local status=$?
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  if [ "$status" -ne 0 ]; then
    for f in "$WORK"/hub*.log "$WORK"/agent*.log; do
      [ -f "$f" ] && { printf '\n--- %s (last 20 lines)\n' "$f" >&2; tail -20 "$f" >&2; }
    done
  fi
  local leftover=()
  for p in "${PACKAGES[@]}"; do installed "$p" && leftover+=("$p"); done
  [ "${#leftover[@]}" -gt 0 ] && dpkg --purge "${leftover[@]}" </dev/null >"$WORK/cleanup-purge.log" 2>&1
  # All of these were absent when the test began.
  for s in "${SERVICES[@]}"; do
    getent passwd "$s" >/dev/null && userdel "$s"
    getent group "$s" >/dev/null && groupdel "$s"
    for path in "/etc/$s" "/etc/$s/"*.toml; do
      dpkg-statoverride --list "$path" >/dev/null && dpkg-statoverride --remove "$path"
    done
    rm -rf "/var/lib/$s" "/etc/$s" "/etc/default/$s"
  done
  rm -rf "$WORK"
  # Said again after the logs, so it is the last thing on the screen.
  [ -n "$FAILURE" ] && printf '\npackage-test: FAILED: %s\n' "$FAILURE" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build ------------------------------------------------------------------------
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps --locked \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
for bin in cloud-hub edge-agent hubctl; do
  if [ ! -x "$TARGET_DIR/debug/$bin" ]; then
    log "no debug build of $bin: cargo build -p cloud-hub -p edge-agent -p hubctl"
    cargo build --locked -p cloud-hub -p edge-agent -p hubctl
    break
  fi
done
log "packaging the debug binaries (built $(date -r "$TARGET_DIR/debug/cloud-hub" '+%F %T'))"
scripts/packages.sh --profile dev --no-build --out "$WORK/debs" >"$WORK/packages.log" 2>&1 \
  || { cat "$WORK/packages.log" >&2; fail "scripts/packages.sh failed (its output above)"; }
deb() { ls "$WORK/debs/$1"_*.deb 2>/dev/null | head -1; }
for p in "${PACKAGES[@]}"; do [ -f "$(deb "$p")" ] || fail "no $p .deb in $WORK/debs"; done

# --- the packages' contents and scripts ------------------------------------------------
log "checking the packages with dpkg-deb"
field() { dpkg-deb -f "$(deb "$1")" "$2"; }
# `dpkg-deb -c` lines: mode, owner/group, size, date, time, path.
has_file() { # package mode path
  local line
  line=$(dpkg-deb -c "$(deb "$1")" | awk -v p="./$3" '$6 == p')
  [ -n "$line" ] || fail "$1 does not ship /$3"
  case "$(awk '{print $1, $2}' <<<"$line")" in
    "$2 root/root" | "$2 0/0") ;;
    *) fail "$1 ships /$3 as '$(awk '{print $1, $2}' <<<"$line")', not '$2 root/root'" ;;
  esac
}
unit_path() { dpkg-deb -c "$(deb "$1")" | awk -v u="$1.service" '$6 ~ "/systemd/system/" u "$" {sub(/^\./, "", $6); print $6}'; }
for p in "${PACKAGES[@]}"; do
  [ "$(field "$p" Package)" = "$p" ] || fail "$(deb "$p") is package '$(field "$p" Package)', not $p"
  [ -z "$(dpkg-deb -c "$(deb "$p")" | awk '$6 ~ "^./var/"')" ] || fail "$p ships files under /var: its data dir must be made, not shipped"
done
has_file pos-hub -rwxr-xr-x usr/bin/cloud-hub
has_file pos-hub -rw-r----- etc/pos-hub/cloud-hub.toml
has_file pos-edge-agent -rwxr-xr-x usr/bin/edge-agent
has_file pos-edge-agent -rw-r----- etc/pos-edge-agent/edge-agent.toml
has_file pos-edge-agent -rw-r--r-- usr/share/doc/pos-edge-agent/examples/edge-agent.example.toml
has_file pos-hubctl -rwxr-xr-x usr/bin/hubctl
for s in "${SERVICES[@]}"; do
  [ -n "$(unit_path "$s")" ] || fail "$s ships no $s.service"
  has_file "$s" -rw-r--r-- "$(unit_path "$s" | sed 's|^/||')"
  grep -qw adduser <<<"$(field "$s" Depends)" || fail "$s does not depend on adduser (its postinst uses it): $(field "$s" Depends)"
done

for p in "${PACKAGES[@]}"; do
  mkdir -p "$WORK/control/$p"
  dpkg-deb --ctrl-tarfile "$(deb "$p")" | tar -x -C "$WORK/control/$p"
done
[ -e "$WORK/control/pos-hubctl/conffiles" ] && fail "pos-hubctl has conffiles: $(cat "$WORK/control/pos-hubctl/conffiles")"
[ "$(cat "$WORK/control/pos-hub/conffiles")" = /etc/pos-hub/cloud-hub.toml ] \
  || fail "pos-hub's conffiles are '$(cat "$WORK/control/pos-hub/conffiles")'"
[ "$(cat "$WORK/control/pos-edge-agent/conffiles")" = /etc/pos-edge-agent/edge-agent.toml ] \
  || fail "pos-edge-agent's conffiles are '$(cat "$WORK/control/pos-edge-agent/conffiles")'"
for s in "${SERVICES[@]}"; do
  dir="$WORK/control/$s"
  for script in postinst prerm postrm; do
    [ -x "$dir/$script" ] || fail "$s has no executable $script"
    sh -n "$dir/$script" || fail "$s's $script is not valid sh"
    grep -q '#DEBHELPER#' "$dir/$script" && fail "$s's $script still holds the #DEBHELPER# token"
  done
  grep -q "adduser --system" "$dir/postinst" || fail "$s's postinst makes no system user"
  [ "$(grep -c "deb-systemd-helper enable $s.service" "$dir/postinst")" = 1 ] \
    || fail "$s's postinst enables $s.service $(grep -c "deb-systemd-helper enable $s.service" "$dir/postinst") times, not once"
  grep -q "deb-systemd-invoke stop $s.service" "$dir/prerm" || fail "$s's prerm does not stop the service"
  # The data goes on purge only: the rm is in the purge branch and nowhere else.
  awk '/^if \[ "\$1" = purge \]; then/{p=1} p && /rm -rf/{found=1} !p && /rm -rf/{early=1} END{exit !(found && !early)}' \
    "$dir/postrm" || fail "$s's postrm deletes its directories outside its purge branch, or never"
done
# The installed configs: the hub's is its example; the agent's, its example
# with every setting commented out (and the example beside it, whole).
dpkg-deb --fsys-tarfile "$(deb pos-hub)" | tar -xO ./etc/pos-hub/cloud-hub.toml | cmp -s - cloud-hub/cloud-hub.example.toml \
  || fail "/etc/pos-hub/cloud-hub.toml in pos-hub is not cloud-hub/cloud-hub.example.toml"
dpkg-deb --fsys-tarfile "$(deb pos-edge-agent)" | tar -xO ./usr/share/doc/pos-edge-agent/examples/edge-agent.example.toml \
  | cmp -s - edge-agent/edge-agent.example.toml || fail "pos-edge-agent's example is not edge-agent/edge-agent.example.toml"
dpkg-deb --fsys-tarfile "$(deb pos-edge-agent)" | tar -xO ./etc/pos-edge-agent/edge-agent.toml >"$WORK/agent.toml"
if grep -nEv '^[[:space:]]*(#.*)?$' "$WORK/agent.toml" >&2; then
  fail "/etc/pos-edge-agent/edge-agent.toml in pos-edge-agent has settings (above): it should hold only comments"
fi

# --- install ------------------------------------------------------------------------
log "dpkg -i ${PACKAGES[*]}"
dpkg -i "$(deb pos-hub)" "$(deb pos-edge-agent)" "$(deb pos-hubctl)" </dev/null >"$WORK/install.log" 2>&1 \
  || { cat "$WORK/install.log" >&2; fail "dpkg -i failed"; }

# Where systemd runs, postinst has just started the services on their
# defaults: stop them, this test starts them itself on ports of its own.
stop_started_services() {
  if [ -d /run/systemd/system ]; then
    systemctl stop pos-hub.service pos-edge-agent.service || true
  fi
}
stop_started_services
owner_mode() { stat -c '%U:%G %a' "$1"; }
expect() { # what path want
  local got
  got=$(owner_mode "$2" 2>/dev/null) || fail "$1: $2 is missing"
  [ "$got" = "$3" ] || fail "$1: $2 is $got, not $3"
}
for s in "${SERVICES[@]}"; do
  unit=$(unit_path "$s")
  [ -f "$unit" ] || fail "$unit is not installed"
  IFS=: read -r _ _ uid gid _ home shell < <(getent passwd "$s") || fail "postinst made no user $s"
  [ "$uid" -lt 1000 ] || fail "user $s has uid $uid: not a system user"
  [ "$(getent group "$gid" | cut -d: -f1)" = "$s" ] || fail "user $s's group is $(getent group "$gid" | cut -d: -f1), not $s"
  [ "$home" = "/var/lib/$s" ] || fail "user $s's home is $home, not /var/lib/$s"
  [ "$shell" = /usr/sbin/nologin ] || fail "user $s's shell is $shell"
  [ "$(scripts/unit-exec.py --get User "$s.service")" = "$s" ] || fail "$s.service runs as $(scripts/unit-exec.py --get User "$s.service"), not $s"
  expect "postinst" "/var/lib/$s" "$s:$s 700"
  expect "postinst" "/etc/$s" "root:$s 750"
  conf=$(ls /etc/"$s"/*.toml)
  expect "postinst" "$conf" "root:$s 640"
  [ -L "/etc/systemd/system/multi-user.target.wants/$s.service" ] || fail "$s.service is not enabled (no multi-user.target.wants link)"
  log "systemd-analyze verify $unit"
  systemd-analyze verify --man=no "$unit" >"$WORK/verify-$s.log" 2>&1 \
    || { cat "$WORK/verify-$s.log" >&2; fail "systemd-analyze verify $unit failed"; }
  grep -i "$s" "$WORK/verify-$s.log" >&2 && fail "systemd-analyze verify warns about $s (above)"
  systemd-analyze security --offline=true --threshold=30 "$unit" >"$WORK/security-$s.log" 2>&1 \
    || { tail -3 "$WORK/security-$s.log" >&2; fail "systemd-analyze security: $s.service is exposed above 3.0 (its sandbox was loosened)"; }
  log "$s.service: $(grep -o 'Overall exposure level.*' "$WORK/security-$s.log" | sed 's/\x1b\[[0-9;]*m//g')"
done
/usr/bin/hubctl --help >/dev/null || fail "the installed hubctl does not run"

# --- start them as their units would ----------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
http() { # url [bearer] [json body]: prints the body; fails on anything but 2xx
  python3 - "$@" <<'PY'
import json, sys, urllib.request, urllib.error
url = sys.argv[1]
headers = {"content-type": "application/json"}
if len(sys.argv) > 2 and sys.argv[2]:
    headers["authorization"] = "Bearer " + sys.argv[2]
body = sys.argv[3].encode() if len(sys.argv) > 3 else None
try:
    with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10) as r:
        print(r.read().decode())
except urllib.error.HTTPError as e:
    sys.exit(f"{url}: HTTP {e.code}: {e.read().decode()[:500]}")
except OSError as e:
    sys.exit(f"{url}: {e}")
PY
}
json() { python3 -c 'import json, sys; v = json.load(sys.stdin)
for k in sys.argv[1].split("."): v = v[k]
print(v if not isinstance(v, bool) else str(v).lower())' "$1"; }
start() { # service log
  scripts/unit-exec.py "$1.service" >"$WORK/$2.log" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
}
wait_for() { # pid what url [python condition on the JSON answer `a`]
  python3 - "$@" <<'PY' || fail "$2 never answered at $3 (log below)"
import json, sys, time, urllib.request
pid, what, url = sys.argv[1], sys.argv[2], sys.argv[3]
cond = sys.argv[4] if len(sys.argv) > 4 else "True"

def alive():
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False

deadline, last = time.time() + 90, None
while time.time() < deadline:
    if not alive():
        sys.exit(f"{what} exited")
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            a = json.load(r)
            last = a
            if eval(cond):
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.3)
sys.exit(f"{what}: last answer {last}")
PY
}
stop() { # pid
  kill "$1" 2>/dev/null || true
  for _ in $(seq 100); do [ -e "/proc/$1" ] || return 0; sleep 0.1; done
  fail "process $1 did not stop on SIGTERM within 10 s"
}
runs_as() { # pid user
  [ "$(stat -c %U "/proc/$1")" = "$2" ] || fail "process $1 runs as $(stat -c %U "/proc/$1"), not $2"
}

HUB_PORT=$(free_port)
AGENT_PORT=$(free_port)
HUB="http://127.0.0.1:$HUB_PORT"
AGENT="http://127.0.0.1:$AGENT_PORT"
ADMIN_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
# What an admin writes for secrets: read by systemd (here unit-exec.py) as root.
install -m 600 /dev/null /etc/default/pos-hub
printf 'HUB_LISTEN=127.0.0.1:%s\nHUB_ADMIN_TOKEN=%s\n' "$HUB_PORT" "$ADMIN_TOKEN" >/etc/default/pos-hub

log "pos-hub: its effective settings, read as its unit would"
scripts/unit-exec.py pos-hub.service -- --print-config >"$WORK/hub-config.toml" 2>"$WORK/hub-print-config.log" \
  || { cat "$WORK/hub-print-config.log" >&2; fail "cloud-hub --print-config as pos-hub.service failed"; }
grep -qx 'data_dir = "/var/lib/pos-hub"' "$WORK/hub-config.toml" || fail "the hub's data_dir is not /var/lib/pos-hub: $(grep data_dir "$WORK/hub-config.toml")"
grep -qx "listen = \"127.0.0.1:$HUB_PORT\"" "$WORK/hub-config.toml" || fail "the hub does not take HUB_LISTEN from /etc/default/pos-hub"
grep -q "$ADMIN_TOKEN" "$WORK/hub-config.toml" "$WORK/hub-print-config.log" && fail "--print-config printed the admin token"

log "starting pos-hub as its unit would, on $HUB"
start pos-hub hub
HUB_PID=$LAST_PID
wait_for "$HUB_PID" "the hub" "$HUB/health" 'a["status"] == "ok"'
wait_for "$HUB_PID" "the hub" "$HUB/ready" 'a["status"] == "ready"'
runs_as "$HUB_PID" pos-hub
grep -q 'configuration read.*/etc/pos-hub/cloud-hub.toml' "$WORK/hub.log" || fail "the hub did not log reading /etc/pos-hub/cloud-hub.toml"
grep -q $'\e\\[' "$WORK/hub.log" && fail "the hub's log holds terminal colour codes (NO_COLOR=1 in the unit?)"
[ -n "$(find /var/lib/pos-hub -mindepth 1 -maxdepth 1 -user pos-hub)" ] || fail "the hub wrote nothing of its own in /var/lib/pos-hub"
find /var/lib/pos-hub -mindepth 1 \( ! -user pos-hub -o -perm /077 \) | grep . >&2 \
  && fail "files above in /var/lib/pos-hub are another user's or readable by others (UMask=0077)"

log "the installed hubctl: a tenant and a store; a till for the agent"
HUB_ADMIN_TOKEN=$ADMIN_TOKEN /usr/bin/hubctl --hub "$HUB" --json tenant create "Package test" >"$WORK/tenant.json" \
  || fail "hubctl tenant create against the installed hub failed"
KEY=$(json api_key <"$WORK/tenant.json")
/usr/bin/hubctl --hub "$HUB" --key "$KEY" --json store create --code PKG-1 --name "Package test store" >"$WORK/store.json" \
  || fail "hubctl store create failed"
STORE_ID=$(json id <"$WORK/store.json")
http "$HUB/v1/stores/$STORE_ID/terminals" "$KEY" '{"name": "Till 1", "receipt_prefix": "PKG"}' >"$WORK/terminal.json" \
  || fail "creating a terminal failed"
# As installers/README.md says: the hub in the file, the code in the environment file.
sed -i "s|^# hub_url = .*|hub_url = \"$HUB\"|" /etc/pos-edge-agent/edge-agent.toml
grep -qx "hub_url = \"$HUB\"" /etc/pos-edge-agent/edge-agent.toml || fail "no '# hub_url = ' line to set in /etc/pos-edge-agent/edge-agent.toml"
install -m 600 /dev/null /etc/default/pos-edge-agent
printf 'EDGE_LISTEN=127.0.0.1:%s\nEDGE_ENROLL_CODE=%s\n' \
  "$AGENT_PORT" "$(json enrollment_code <"$WORK/terminal.json")" >/etc/default/pos-edge-agent

log "starting pos-edge-agent as its unit would, on $AGENT"
start pos-edge-agent agent
AGENT_PID=$LAST_PID
wait_for "$AGENT_PID" "the agent" "$AGENT/health" 'a["status"] == "ok"'
wait_for "$AGENT_PID" "the agent" "$AGENT/v1/sync/status" "a['enrolled'] and a['state'] == 'online' and a['hub_url'] == '$HUB'"
runs_as "$AGENT_PID" pos-edge-agent
grep -q 'configuration read.*/etc/pos-edge-agent/edge-agent.toml' "$WORK/agent.log" || fail "the agent did not log reading /etc/pos-edge-agent/edge-agent.toml"
for group in dialout lp; do
  gid=$(getent group "$group" | cut -d: -f3)
  [[ " $(awk '/^Groups:/{$1 = ""; print}' "/proc/$AGENT_PID/status") " == *" $gid "* ]] \
    || fail "the agent's process is not in $group (serial scanners and printers)"
done
TERMINAL_ID=$(http "$AGENT/v1/sync/status" | json terminal_id)
expect "the agent" /var/lib/pos-edge-agent "pos-edge-agent:pos-edge-agent 700"
expect "the agent" /var/lib/pos-edge-agent/edge.db "pos-edge-agent:pos-edge-agent 600"
stop "$AGENT_PID"
stop "$HUB_PID"

# --- remove keeps data and config; a reinstall finds them ---------------------------
log "dpkg -r: the data and the config stay"
dpkg -r "${PACKAGES[@]}" </dev/null >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log" >&2; fail "dpkg -r failed"; }
for s in "${SERVICES[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$s")" = "rc " ] || fail "$s is '$(dpkg-query -W -f='${db:Status-Abbrev}' "$s")' after dpkg -r, not rc (config files kept)"
done
installed pos-hubctl && fail "pos-hubctl (no config files) is still known to dpkg after dpkg -r"
for f in /usr/bin/cloud-hub /usr/bin/edge-agent /usr/bin/hubctl "$(unit_path pos-hub)" "$(unit_path pos-edge-agent)"; do
  [ -e "$f" ] && fail "$f is still there after dpkg -r"
done
for s in "${SERVICES[@]}"; do
  getent passwd "$s" >/dev/null || fail "dpkg -r removed the user $s"
  [ -n "$(ls -A "/var/lib/$s")" ] || fail "dpkg -r emptied /var/lib/$s"
done
expect "after dpkg -r" /etc/pos-hub/cloud-hub.toml "root:pos-hub 640"
expect "after dpkg -r" /etc/pos-edge-agent/edge-agent.toml "root:pos-edge-agent 640"
grep -qx "hub_url = \"$HUB\"" /etc/pos-edge-agent/edge-agent.toml || fail "dpkg -r changed the edited /etc/pos-edge-agent/edge-agent.toml"
expect "after dpkg -r" /var/lib/pos-edge-agent/edge.db "pos-edge-agent:pos-edge-agent 600"

log "dpkg -i again: the hub's tenant and the till's enrollment are still there"
dpkg -i "$(deb pos-hub)" "$(deb pos-edge-agent)" "$(deb pos-hubctl)" </dev/null >"$WORK/reinstall.log" 2>&1 \
  || { cat "$WORK/reinstall.log" >&2; fail "dpkg -i after dpkg -r failed"; }
stop_started_services
start pos-hub hub-again
HUB_PID=$LAST_PID
wait_for "$HUB_PID" "the reinstalled hub" "$HUB/ready" 'a["status"] == "ready"'
stores=$(/usr/bin/hubctl --hub "$HUB" --key "$KEY" --json store list) || fail "hubctl store list failed"
grep -q PKG-1 <<<"$stores" || fail "the reinstalled hub lost the tenant's store: $stores"
sed -i '/^EDGE_ENROLL_CODE=/d' /etc/default/pos-edge-agent
grep -qx "hub_url = \"$HUB\"" /etc/pos-edge-agent/edge-agent.toml || fail "dpkg -i replaced the edited /etc/pos-edge-agent/edge-agent.toml"
expect "after dpkg -i again" /etc/pos-edge-agent/edge-agent.toml "root:pos-edge-agent 640"
start pos-edge-agent agent-again
AGENT_PID=$LAST_PID
wait_for "$AGENT_PID" "the reinstalled agent" "$AGENT/v1/sync/status" \
  "a['enrolled'] and a['terminal_id'] == '$TERMINAL_ID' and a['state'] == 'online'"
stop "$AGENT_PID"
stop "$HUB_PID"

# --- purge removes everything -------------------------------------------------------
log "dpkg --purge: nothing left"
rm -f /etc/default/pos-hub /etc/default/pos-edge-agent
dpkg --purge "${PACKAGES[@]}" </dev/null >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log" >&2; fail "dpkg --purge failed"; }
for p in "${PACKAGES[@]}"; do
  installed "$p" && fail "$p is still known to dpkg after purge: $(dpkg-query -W -f='${db:Status-Abbrev}' "$p")"
done
for s in "${SERVICES[@]}"; do
  getent passwd "$s" >/dev/null && fail "purge left the user $s"
  getent group "$s" >/dev/null && fail "purge left the group $s"
  for path in "/var/lib/$s" "/etc/$s" "/etc/systemd/system/multi-user.target.wants/$s.service"; do
    [ -e "$path" ] || [ -L "$path" ] && fail "purge left $path"
  done
  dpkg-statoverride --list | grep "/etc/$s" >&2 && fail "purge left the statoverrides above"
done
log "package test passed: pos-hub, pos-edge-agent, pos-hubctl"
