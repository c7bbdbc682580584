#!/usr/bin/env python3
"""Starts a service's command the way systemd would start its unit, on a
machine where systemd does not run (a container): for scripts/package-test.sh.

    unit-exec.py pos-hub.service [-- extra args]   exec the unit's ExecStart
    unit-exec.py --get User pos-hub.service        print one effective setting

It reads the installed unit and its drop-ins (/etc, /run, /usr/lib, /lib, in
systemd's order) and reproduces what decides how the binary runs: User=,
Group=, SupplementaryGroups=, Environment= then EnvironmentFile= (read as
root, as systemd does, before dropping privileges), the variables systemd
sets itself (HOME, USER, LOGNAME, SHELL, PATH, STATE_DIRECTORY, …), UMask=,
WorkingDirectory= and the State/Configuration/Runtime directories it creates.
Sandboxing (ProtectSystem=, SystemCallFilter=, …) is not reproduced: the
directives it skips are listed on stderr. A setting it cannot reproduce
faithfully (ExecStartPre=, DynamicUser=, specifiers, $VARIABLES in ExecStart=)
stops it with an error rather than starting something the unit would not.
Values of the environment are never printed: they may be secrets.
"""

import grp
import os
import pwd
import shlex
import sys

UNIT_DIRS = ["/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"]
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
DIRECTORY_KINDS = {
    # setting: (root, variable, owned by the service's user)
    "StateDirectory": ("/var/lib", "STATE_DIRECTORY", True),
    "ConfigurationDirectory": ("/etc", "CONFIGURATION_DIRECTORY", False),
    "RuntimeDirectory": ("/run", "RUNTIME_DIRECTORY", True),
    "CacheDirectory": ("/var/cache", "CACHE_DIRECTORY", True),
    "LogsDirectory": ("/var/log", "LOGS_DIRECTORY", True),
}
# What changes how the command runs in ways this script does not reproduce.
REFUSED = {
    "ExecStartPre", "ExecStartPost", "ExecCondition", "DynamicUser", "RootDirectory",
    "RootImage", "PassEnvironment", "UnsetEnvironment", "LoadCredential", "SetCredential",
    "StandardInput", "TTYPath", "PAMName", "BindPaths", "TemporaryFileSystem",
}
# Read and used above, or harmless to skip (restart policy, logging target).
HANDLED = {
    "Type", "User", "Group", "SupplementaryGroups", "ExecStart", "Environment",
    "EnvironmentFile", "UMask", "WorkingDirectory", "Restart", "RestartSec",
    "StandardOutput", "StandardError", "SyslogIdentifier", "TimeoutStopSec",
    "ExecReload", "ExecStop", "KillSignal", "KillMode",
} | set(DIRECTORY_KINDS) | {k + "Mode" for k in DIRECTORY_KINDS}


def fail(message):
    sys.exit(f"unit-exec: {message}")


def unit_files(unit):
    """The unit file and its drop-ins, in the order systemd applies them."""
    main = next((os.path.join(d, unit) for d in UNIT_DIRS if os.path.isfile(os.path.join(d, unit))), None)
    if main is None:
        fail(f"{unit} is installed in none of {', '.join(UNIT_DIRS)}")
    dropins = {}
    for d in reversed(UNIT_DIRS):  # a drop-in in /etc replaces one of the same name in /usr/lib
        folder = os.path.join(d, unit + ".d")
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if name.endswith(".conf"):
                    dropins[name] = os.path.join(folder, name)
    return [main] + [dropins[name] for name in sorted(dropins)]


def parse(paths):
    """The [Service] section's assignments, each key's values in order ("" resets)."""
    settings = {}
    for path in paths:
        section = None
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1] + " " + lines[i].strip()
            i += 1
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            if section != "Service":
                continue
            key, sep, value = line.partition("=")
            if not sep:
                fail(f"{path}: not an assignment: {line}")
            key, value = key.strip(), value.strip()
            if "%" in value.replace("%%", ""):
                fail(f"{path}: {key}={value}: specifiers are not emulated")
            value = value.replace("%%", "%")
            if value == "":
                settings[key] = []  # an empty assignment resets the list
            else:
                settings.setdefault(key, []).append(value)
    return settings


def last(settings, key, default=None):
    values = settings.get(key) or []
    return values[-1] if values else default


def words(settings, key):
    return [w for v in settings.get(key, []) for w in shlex.split(v)]


def environment_file(spec):
    optional = spec.startswith("-")
    path = spec[1:] if optional else spec
    if not os.path.exists(path):
        if optional:
            return {}
        fail(f"EnvironmentFile={path} does not exist")
    env = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            key, sep, value = line.partition("=")
            if not sep:
                fail(f"{path}, line {n}: not KEY=value")
            parts = shlex.split(value) if value.strip() else [""]
            env[key.strip()] = " ".join(parts)
    return env


def plan(unit):
    paths = unit_files(unit)
    s = parse(paths)
    refused = sorted(k for k in s if k in REFUSED and s[k])
    if refused:
        fail(f"{unit} sets {', '.join(refused)}, which this emulation does not reproduce")
    kind = last(s, "Type", "simple")
    if kind not in ("simple", "exec"):
        fail(f"{unit}: Type={kind} is not emulated (simple or exec only)")
    starts = s.get("ExecStart") or []
    if len(starts) != 1:
        fail(f"{unit}: Type={kind} takes one ExecStart=, found {len(starts)}")
    command = starts[0]
    if command[:1] in "-@:+!":
        fail(f"{unit}: ExecStart= prefixes are not emulated: {command}")
    if "$" in command:
        fail(f"{unit}: variables in ExecStart= are not emulated: {command}")
    argv = shlex.split(command)

    user = last(s, "User", "root")
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        fail(f"{unit}: User={user} does not exist")
    group = last(s, "Group")
    try:
        gid = grp.getgrnam(group).gr_gid if group else pw.pw_gid
    except KeyError:
        fail(f"{unit}: Group={group} does not exist")
    extra = []
    for name in words(s, "SupplementaryGroups"):
        try:
            extra.append(grp.getgrnam(name).gr_gid)
        except KeyError:
            fail(f"{unit}: SupplementaryGroups: group {name} does not exist (systemd would refuse to start)")

    env = {
        "PATH": BASE_PATH,
        "HOME": pw.pw_dir,
        "USER": pw.pw_name,
        "LOGNAME": pw.pw_name,
        "SHELL": pw.pw_shell,
    }
    directories = []
    for key, (root, variable, owned) in DIRECTORY_KINDS.items():
        names = words(s, key)
        if names:
            mode = int(last(s, key + "Mode", "0755"), 8)
            full = [os.path.join(root, n) for n in names]
            directories += [(p, mode, owned) for p in full]
            env[variable] = ":".join(full)
    for assignment in s.get("Environment", []):
        for word in shlex.split(assignment):
            key, sep, value = word.partition("=")
            if not sep:
                fail(f"{unit}: Environment={word} is not KEY=value")
            env[key] = value
    for spec in s.get("EnvironmentFile", []):
        env.update(environment_file(spec))

    skipped = sorted(k for k in s if k not in HANDLED and k not in REFUSED)
    return {
        "paths": paths,
        "settings": s,
        "argv": argv,
        "user": pw,
        "gid": gid,
        "groups": extra,
        "env": env,
        "umask": int(last(s, "UMask", "0022"), 8),
        "cwd": last(s, "WorkingDirectory", "/"),
        "directories": directories,
        "skipped": skipped,
    }


def make_directories(p):
    uid, gid = p["user"].pw_uid, p["gid"]
    for path, mode, owned in p["directories"]:
        if not os.path.isdir(path):
            os.makedirs(path, mode=mode)
            os.chmod(path, mode)
            if owned:
                os.chown(path, uid, gid)
        elif owned and os.stat(path).st_uid != uid:
            # systemd hands a directory over to the service's user, wholly.
            for root, dirs, files in os.walk(path):
                for name in [root] + [os.path.join(root, x) for x in dirs + files]:
                    os.lchown(name, uid, gid)


def main():
    args = sys.argv[1:]
    get = None
    if args[:1] == ["--get"]:
        if len(args) < 3:
            fail("usage: unit-exec.py --get KEY UNIT")
        get, args = args[1], args[2:]
    if not args or args[0].startswith("-"):
        fail("usage: unit-exec.py [--get KEY] UNIT [-- extra args]")
    unit, rest = args[0], args[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    p = plan(unit)
    if get is not None:
        values = p["settings"].get(get)
        if not values:
            fail(f"{unit} does not set {get}")
        print(values[-1])
        return
    if os.geteuid() != 0:
        fail("must run as root, as systemd does, to become the unit's user")
    make_directories(p)
    pw = p["user"]
    argv = p["argv"] + rest
    print(
        f"unit-exec: {unit} from {', '.join(p['paths'])}: as {pw.pw_name}:{grp.getgrgid(p['gid']).gr_name}"
        f" (+{','.join(grp.getgrgid(g).gr_name for g in p['groups']) or 'none'}),"
        f" umask {p['umask']:04o}, in {p['cwd']}, environment {' '.join(sorted(p['env']))};"
        f" {shlex.join(argv)}",
        file=sys.stderr,
    )
    if p["skipped"]:
        print(f"unit-exec: not reproduced here: {', '.join(p['skipped'])}", file=sys.stderr)
    groups = sorted(set(os.getgrouplist(pw.pw_name, p["gid"]) + p["groups"]))
    os.setgroups(groups)
    os.setgid(p["gid"])
    os.setuid(pw.pw_uid)
    os.umask(p["umask"])
    os.chdir(p["cwd"])
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    try:
        os.execve(argv[0], argv, p["env"])
    except OSError as e:
        fail(f"{unit}: cannot run {argv[0]}: {e}")


if __name__ == "__main__":
    main()
