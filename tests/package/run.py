"""run.py — the Debian package, installed and run the way an operator would.

Builds the package (make deb: dpkg-buildpackage, lintian with no errors or warnings),
makes a clean Debian 12 with debootstrap (minbase) in a folder, installs the package
there with `apt install ./algoreg_*.deb`, and checks what the maintainer scripts did (the
system user, the database with its keys and administrator, modes and owners, the
configuration as a conffile), that systemd accepts both units and that the service is
sandboxed, then starts the service as its unit says (its user, its ExecStartPre and
ExecStart, a NOTIFY_SOCKET as systemd gives one) and talks to it over loopback: ready,
signed-in API, reload, stop. Then an upgrade: a register of an earlier released schema
is put in place and the package reinstalled, so postinst migrates it; the log still
verifies against that register's saved checkpoint. Last, purge removes data and user.

Needs root and Debian's mirror (debootstrap and apt). Prints 'package: N passed, M failed'."""
import gzip
import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORK = os.path.join(ROOT, "build", "pkgtest")
CHROOT = os.path.join(WORK, "root")
MIRROR = os.environ.get("ALGOREG_DEBIAN_MIRROR", "http://deb.debian.org/debian")
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "schema", "v6")  # a released schema
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
       "DEBIAN_FRONTEND": "noninteractive"}

passed = failed = 0
state = {}


def check(name):
    def wrap(fn):
        global passed, failed
        try:
            fn()
            passed += 1
            print("ok - " + name, flush=True)
        except Exception:
            failed += 1
            print("not ok - " + name, flush=True)
            traceback.print_exc(limit=4, file=sys.stdout)
        return fn
    return wrap


def sh(*cmd, check_rc=True, env=None, timeout=900):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env or ENV, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if check_rc and r.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (" ".join(cmd), r.returncode,
                                                      r.stdout[-3000:], r.stderr[-3000:]))
    return r


def inroot(*cmd, **kw):
    return sh("chroot", CHROOT, *cmd, **kw)


def path(p):
    return os.path.join(CHROOT, p.lstrip("/"))


def unit(name):
    """The unit file as key -> list of values."""
    out = {}
    with open(path("/lib/systemd/system/" + name)) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", "[")) and "=" in line:
                k, v = line.split("=", 1)
                out.setdefault(k, []).append(v)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(port, p, token=None, body=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, p),
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"} if body else {})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Service:
    """The service started as its unit says, with a notify socket systemd would give."""

    def __init__(self):
        u = unit("algoreg.service")
        self.user = u["User"][0]
        self.port = free_port()
        sock_path = path("/run/algoreg-notify.sock")
        if os.path.exists(sock_path):
            os.remove(sock_path)
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(sock_path)
        os.chmod(sock_path, 0o777)
        self.notify.settimeout(30)
        env = dict(ENV, NOTIFY_SOCKET="/run/algoreg-notify.sock",
                   ALGOREG_LISTEN="127.0.0.1:%d" % self.port)
        for pre in u.get("ExecStartPre", []):
            sh("chroot", "--userspec=%s:%s" % (self.user, self.user), CHROOT, *shlex.split(pre),
               env=env)
        self.log = open(os.path.join(WORK, "serve.log"), "ab")
        self.trace = os.path.join(WORK, "serve.strace")
        # strace from outside: every system call and file the service touches, to hold
        # against the unit's sandbox (systemd itself cannot run here)
        self.proc = subprocess.Popen(
            ["strace", "-f", "-qq", "-o", self.trace, "-s", "256",
             "chroot", "--userspec=%s:%s" % (self.user, self.user), CHROOT,
             *shlex.split(u["ExecStart"][0])], env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def expect(self, key):
        while True:
            msg = self.notify.recv(4096).decode()
            fields = dict(l.split("=", 1) for l in msg.splitlines() if "=" in l)
            if key in fields:
                return fields

    def signal(self, sig):
        """To the service (strace's child, which chroot became), as systemd's MAINPID."""
        with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
            os.kill(int(f.read().split()[0]), sig)

    def stop(self):
        try:
            self.signal(signal.SIGTERM)
            self.expect("STOPPING")
            rc = self.proc.wait(timeout=60)
        except Exception:
            # never leave a service running behind a failed check
            try:
                self.signal(signal.SIGKILL)
            except (OSError, ValueError, IndexError):
                pass
            self.proc.kill()
            self.proc.wait(timeout=60)
            raise
        finally:
            self.notify.close()
            self.log.close()
        assert rc == 0, "the service exited %d" % rc


def syscall_set(name, seen=None):
    """The system calls of a systemd syscall-filter group, groups within expanded."""
    seen = seen if seen is not None else set()
    out = set()
    if name in seen:
        return out
    seen.add(name)
    r = sh("systemd-analyze", "syscall-filter", "--no-pager", name)
    for line in r.stdout.splitlines()[1:]:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out |= syscall_set(line, seen) if line.startswith("@") else {line}
    return out


def allowed_syscalls(u):
    """What the unit's SystemCallFilter= lines allow: the first list allows, '~' lists deny."""
    allow = None
    for value in u["SystemCallFilter"]:
        deny = value.startswith("~")
        names = set()
        for item in value.lstrip("~").split():
            names |= syscall_set(item) if item.startswith("@") else {item}
        if deny:
            allow -= names
        else:
            allow = names if allow is None else allow | names
    return allow


def traced(trace):
    """(system calls, paths opened for writing or changed) of the service after it
    replaced chroot, from an strace -f log."""
    calls, written = set(), set()
    started = False
    with open(trace, errors="replace") as f:
        for line in f:
            m = re.match(r"^\d+ +(?:<\.\.\. )?([a-z0-9_]+)[( ]", line)
            if not m:
                continue
            name = m.group(1)
            if not started:
                started = 'execve("/usr/bin/algoreg"' in line and line.rstrip().endswith("= 0")
                continue
            calls.add(name)
            if name in ("openat", "open", "creat"):
                w = re.search(r'"([^"]*)", ([A-Z_|]+)', line)
                if w and re.search(r"O_WRONLY|O_RDWR|O_CREAT", w.group(2)):
                    written.add(w.group(1))
            elif name in ("unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir",
                          "mkdirat", "truncate", "ftruncate"):
                written.update(p for p in re.findall(r'"(/[^"]*)"', line))
    return calls, written


def main():
    os.makedirs(WORK, exist_ok=True)
    if os.path.exists(CHROOT):
        shutil.rmtree(CHROOT)

    @check("make deb builds the package and lintian reports no errors or warnings")
    def _():
        r = sh("make", "-C", ROOT, "--no-print-directory", "deb", env=dict(os.environ))
        deb = r.stdout.strip().splitlines()[-1]
        assert deb.endswith(".deb") and os.path.exists(os.path.join(ROOT, deb)), r.stdout
        state["deb"] = os.path.join(ROOT, deb)

    @check("a clean Debian 12 (debootstrap, minbase) in a folder")
    def _():
        sh("debootstrap", "--variant=minbase", "bookworm", CHROOT, MIRROR, timeout=1200)
        shutil.copy("/etc/resolv.conf", path("/etc/resolv.conf"))
        state["root"] = True

    if "root" not in state or "deb" not in state:
        return

    @check("apt install ./algoreg_*.deb installs it with its dependencies")
    def _():
        shutil.copy(state["deb"], path("/tmp/"))
        inroot("apt-get", "update", "-q")
        # systemd first, as on every installed Debian 12 machine (minbase has none)
        inroot("apt-get", "install", "-y", "-q", "--no-install-recommends", "systemd")
        inroot("apt", "install", "-y", "-q", "/tmp/" + os.path.basename(state["deb"]))
        assert inroot("dpkg-query", "-W", "-f=${Status}", "algoreg").stdout == \
            "install ok installed"

    @check("postinst: a system user, the database with its keys and administrator, 0600")
    def _():
        pw = inroot("getent", "passwd", "algoreg").stdout.split(":")
        uid = int(pw[2])
        assert uid < 1000, "a system user"
        assert pw[6].strip() in ("/usr/sbin/nologin", "/bin/false"), pw
        st = os.stat(path("/var/lib/algoreg"))
        assert (st.st_uid, st.st_mode & 0o777) == (uid, 0o750), oct(st.st_mode)
        for f in ("algoreg.db", "algoreg.db.key", "algoreg.db.enc", "algoreg.db.accounts"):
            st = os.stat(path("/var/lib/algoreg/" + f))
            assert (st.st_uid, st.st_mode & 0o077) == (uid, 0), (f, oct(st.st_mode))
        with open(path("/var/lib/algoreg/algoreg.db.accounts")) as f:
            admin = [l.split("\t") for l in f if l.startswith("admin\t")][0]
        state["admin_token"] = admin[3].strip()
        conffiles = inroot("dpkg-query", "-W", "-f=${Conffiles}", "algoreg").stdout
        assert "/etc/algoreg/algoreg.conf" in conffiles, conffiles
        assert os.path.exists(path("/usr/share/man/man1/algoreg.1.gz"))

    @check("systemd accepts both units; the service is sandboxed and waits for readiness")
    def _():
        inroot("systemd-analyze", "verify", "--man=no", "algoreg.service", "algoreg.socket")
        u = unit("algoreg.service")
        want = {"Type": "notify", "User": "algoreg", "ProtectSystem": "strict",
                "PrivateTmp": "yes", "NoNewPrivileges": "yes", "CapabilityBoundingSet": "",
                "ProtectHome": "yes", "PrivateDevices": "yes", "RestrictSUIDSGID": "yes",
                "MemoryDenyWriteExecute": "yes", "StateDirectory": "algoreg"}
        for k, v in want.items():
            assert u.get(k) == [v], (k, u.get(k))
        assert "/bin/kill -HUP $MAINPID" in u["ExecReload"][0]
        assert unit("algoreg.socket")["ListenStream"] == ["127.0.0.1:8080"]
        # enabled at boot, the socket unit only when asked for
        assert os.path.lexists(path("/etc/systemd/system/multi-user.target.wants/algoreg.service"))
        assert not os.path.lexists(path("/etc/systemd/system/sockets.target.wants/algoreg.socket"))

    @check("the service starts as its unit says: ready, signed-in API, reload, stop")
    def _():
        svc = Service()
        try:
            ready = svc.expect("READY")
            assert "serving http://127.0.0.1:%d/" % svc.port in ready["STATUS"], ready
            st, body = http(svc.port, "/readyz")
            assert st == 200 and json.loads(body)["status"] == "ready", body
            st, body = http(svc.port, "/api/v1/me", state["admin_token"])
            assert st == 200 and json.loads(body)["name"] == "admin", body
            svc.signal(signal.SIGHUP)
            svc.expect("RELOADING")
            svc.expect("READY")
            assert http(svc.port, "/healthz")[0] == 200
            for p in ("/", "/about", "/statistics", "/api/v1/registrations?q=politie",
                      "/checkpoint", "/metrics", "/login"):
                assert http(svc.port, p)[0] == 200, p
            # a write: the administrator adds the supervisor's account
            st, body = http(svc.port, "/api/v1/accounts", state["admin_token"],
                            {"name": "toezicht", "role": "supervisor"})
            assert st == 201, body
        finally:
            state["trace"] = svc.trace
            svc.stop()

    @check("the service stays in its sandbox: only system calls its unit allows, writes only"
           " in its state directory")
    def _():
        u = unit("algoreg.service")
        calls, written = traced(state["trace"])
        assert len(calls) > 20, calls
        outside = calls - allowed_syscalls(u)
        assert not outside, "system calls the unit's SystemCallFilter forbids: %s" % sorted(outside)
        state_dir = "/var/lib/" + u["StateDirectory"][0] + "/"
        stray = {p for p in written if not p.startswith((state_dir, "/tmp/", "/dev/null"))}
        assert not stray, "writes outside the state directory (ProtectSystem=strict): %s" % stray
        assert any(p.startswith(state_dir) for p in written), written

    @check("upgrade: postinst migrates a register of an earlier release; its log still verifies")
    def _():
        uid = int(inroot("id", "-u", "algoreg").stdout)
        lib = path("/var/lib/algoreg")
        for f in os.listdir(lib):
            os.remove(os.path.join(lib, f))
        with gzip.open(os.path.join(FIXTURE, "algoreg.db.gz")) as f, \
                open(os.path.join(lib, "algoreg.db"), "wb") as out:
            out.write(f.read())
        for ext in ("key", "enc"):
            shutil.copy(os.path.join(FIXTURE, "algoreg.db." + ext), os.path.join(lib, "algoreg.db." + ext))
        for f in os.listdir(lib):
            os.chown(os.path.join(lib, f), uid, uid)
            os.chmod(os.path.join(lib, f), 0o600)
        r = inroot("apt-get", "install", "-y", "-q", "--reinstall",
                   "/tmp/" + os.path.basename(state["deb"]))
        assert "schema 6 migrated to" in r.stdout + r.stderr, r.stdout + r.stderr
        db = sqlite3.connect(os.path.join(lib, "algoreg.db"))
        version = db.execute("PRAGMA user_version").fetchone()[0]
        db.close()
        latest = len(os.listdir(os.path.join(ROOT, "src", "store", "migrations", "sqlite")))
        assert version == latest, version
        assert os.path.exists(os.path.join(lib, "algoreg.db.accounts")), "an administrator"
        svc = Service()
        try:
            svc.expect("READY")
            with open(os.path.join(FIXTURE, "vkey")) as f:
                vkey = f.read().strip()
            r = sh(os.path.join(ROOT, "build", "algoreg"), "verify", "--url",
                   "http://127.0.0.1:%d" % svc.port, "--vkey", vkey, "--checkpoint",
                   os.path.join(FIXTURE, "checkpoint"))
            assert "verified" in r.stdout, r.stdout
        finally:
            svc.stop()

    @check("purge removes the register's data, its configuration and the user")
    def _():
        inroot("apt-get", "purge", "-y", "-q", "algoreg")
        assert not os.path.exists(path("/var/lib/algoreg"))
        assert not os.path.exists(path("/etc/algoreg/algoreg.conf"))
        assert inroot("getent", "passwd", "algoreg", check_rc=False).returncode != 0


try:
    main()
finally:
    if os.path.exists(CHROOT) and not os.environ.get("ALGOREG_KEEP_CHROOT"):
        shutil.rmtree(CHROOT, ignore_errors=True)
print("package: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
