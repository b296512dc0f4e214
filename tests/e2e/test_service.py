"""algoreg as a system service, against real processes: readiness, reload and stopping
told to systemd over NOTIFY_SOCKET (a datagram socket this test binds, as systemd
does), a SIGHUP reload that keeps open connections and applies the new rate limit,
access log and tokens, socket activation with a socket passed as fd 3, JSON and
journald-ready log lines, a trusted reverse proxy's X-Forwarded-For, and start-up
faults that each give one line and a non-zero exit with nothing started."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, Server, free_port, run_cli  # noqa: E402

TOKEN_A = "service-token-aaaaaaaaaaaa"
TOKEN_B = "service-token-bbbbbbbbbbbb"


def wait_port(port, proc, log):
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    raise RuntimeError("server did not start: " + read(log))


class Notify:
    """The systemd side of sd_notify: a datagram socket; messages are KEY=VALUE lines."""

    def __init__(self, where):
        self.path = os.path.join(where, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(20)

    def expect(self, key):
        """Messages until one has key; returns that message as a dict."""
        while True:
            msg = self.sock.recv(4096).decode()
            fields = dict(l.split("=", 1) for l in msg.splitlines() if "=" in l)
            if key in fields:
                return fields

    def close(self):
        self.sock.close()


def read(path):
    with open(path) as f:
        return f.read()


def lines_of(path):
    return [json.loads(l) for l in read(path).splitlines()]


def get(port, path, headers=None, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    if conn is None:
        c.close()
    return r.status, body


class Service(unittest.TestCase):
    def setUp(self):
        self.srv0 = Server(demo=True)
        self.srv0.stop()
        self.dir = self.srv0.dir
        self.db = self.srv0.db

    def spawn(self, conf_text, env=None, args=(), pass_fd=None):
        conf = os.path.join(self.dir, "algoreg.conf")
        with open(conf, "w") as f:
            f.write(conf_text)
        e = {k: v for k, v in os.environ.items() if k != "ALGOREG_API_TOKENS"}
        e.update(env or {})
        log = os.path.join(self.dir, "serve.log")
        out = open(log, "wb")
        cmd = [BIN, "serve", "--config", conf, *args]
        kw = {}
        if pass_fd is not None:
            # the shell's pid is algoreg's after exec, as LISTEN_PID must say
            cmd = ["sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"', "sh", *cmd]
            kw = {"pass_fds": (3,), "preexec_fn": lambda: os.dup2(pass_fd, 3)}
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=e, **kw)
        out.close()
        return proc, conf, log

    def stop(self, proc, log):
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
        self.assertEqual(rc, 0, read(log)[-3000:])

    def test_notify_reload_and_stop(self):
        notify = Notify(self.dir)
        port = free_port()
        tokens = os.path.join(self.dir, "service.tokens")
        with open(tokens, "w") as f:
            f.write("robot:%s\n" % TOKEN_A)
        os.chmod(tokens, 0o600)
        access = os.path.join(self.dir, "access.log")
        base = "db = %s\nlisten = 127.0.0.1:%d\ntokens = %s\n" % (self.db, port, tokens)
        proc, conf, log = self.spawn(base + "rate-limit = 0\n", env={"NOTIFY_SOCKET": notify.path})
        try:
            ready = notify.expect("READY")
            self.assertEqual(ready["READY"], "1")
            self.assertIn("serving http://127.0.0.1:%d/" % port, ready["STATUS"])
            keep = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            self.assertEqual(get(port, "/healthz", conn=keep)[0], 200)
            who = {"Authorization": "Bearer " + TOKEN_A}
            self.assertEqual(get(port, "/api/v1/me", who)[0], 200)
            # new settings: a rate limit, an access log, another token; listen changes too
            with open(tokens, "w") as f:
                f.write("robot2:%s\n" % TOKEN_B)
            other = free_port()
            with open(conf, "w") as f:
                f.write("db = %s\nlisten = 127.0.0.1:%d\ntokens = %s\nrate-limit = 1\n"
                        "access-log = %s\n" % (self.db, other, tokens, access))
            proc.send_signal(signal.SIGHUP)
            reloading = notify.expect("RELOADING")
            self.assertEqual(reloading["RELOADING"], "1")
            self.assertGreater(int(reloading["MONOTONIC_USEC"]), 0)
            self.assertEqual(notify.expect("READY")["READY"], "1")
            # the connection opened before the reload still works
            self.assertEqual(get(port, "/healthz", conn=keep)[0], 200)
            keep.close()
            # the new token works and the old one no longer does
            self.assertEqual(get(port, "/api/v1/me", {"Authorization": "Bearer " + TOKEN_B})[0], 200)
            self.assertEqual(get(port, "/api/v1/me", who)[0], 401)
            # rate limit 1/s with bursts of 10: some of 15 quick requests are refused
            codes = [get(port, "/healthz")[0] for _ in range(15)]
            self.assertIn(429, codes)
            self.assertEqual(codes[0], 200)
            self.assertTrue(any(l["status"] == 429 for l in lines_of(access)))
            self.assertNotIn(TOKEN_B, read(access))
            text = read(log)
            self.assertIn("reload: listen changed; it takes effect at the next restart", text)
            self.assertIn("reload: rate-limit 1 (was 0)", text)
            # log rotation: the file is moved away, SIGHUP reopens the configured path
            with open(conf, "w") as f:
                f.write("db = %s\nlisten = 127.0.0.1:%d\ntokens = %s\nrate-limit = 0\n"
                        "access-log = %s\n" % (self.db, port, tokens, access))
            os.rename(access, access + ".1")
            proc.send_signal(signal.SIGHUP)
            notify.expect("RELOADING")
            notify.expect("READY")
            get(port, "/healthz?after-rotation")
            self.assertTrue(os.path.exists(access))
            self.assertTrue(any(l["path"] == "/healthz" for l in lines_of(access)))
            # a broken configuration changes nothing
            with open(conf, "w") as f:
                f.write("db = %s\nrate-limt = 5\n" % self.db)
            proc.send_signal(signal.SIGHUP)
            notify.expect("RELOADING")
            notify.expect("READY")
            self.assertIn("configuration not reloaded; the running settings stay",
                          read(log))
            self.assertEqual(get(port, "/api/v1/me", {"Authorization": "Bearer " + TOKEN_B})[0], 200)
            self.assertEqual({get(port, "/healthz")[0] for _ in range(30)}, {200})  # still no limit
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(notify.expect("STOPPING")["STOPPING"], "1")
            self.assertEqual(proc.wait(timeout=30), 0, read(log)[-3000:])
        finally:
            if proc.poll() is None:
                proc.kill()
            notify.close()

    def test_stop_lets_requests_in_flight_finish(self):
        port = free_port()
        proc, _, log = self.spawn("db = %s\nlisten = 127.0.0.1:%d\nrate-limit = 0\n" % (self.db, port))
        try:
            wait_port(port, proc, log)
            body = json.dumps({"text": "De omschrijving klopt niet.", "email": "a@b.nl"}).encode()
            slow = socket.create_connection(("127.0.0.1", port), timeout=10)
            # Expect: 100-continue — the server says "100 Continue" once the request is
            # in its hands, so the stop below surely finds it in flight
            slow.sendall(b"POST /api/v1/registrations/10000016/reports HTTP/1.1\r\n"
                         b"Host: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body))
            cont = b""
            while b"\r\n\r\n" not in cont:
                cont += slow.recv(4096)
            self.assertIn(b" 100 ", cont.split(b"\r\n")[0])
            slow.sendall(body[:10])
            proc.send_signal(signal.SIGTERM)
            for _ in range(2000):  # the server says when it begins to stop
                if "shutting down" in read(log):
                    break
                time.sleep(0.005)
            # a new request is told to come back; the one in flight is served whole
            st, _ = get(port, "/healthz")
            self.assertEqual(st, 503)
            slow.sendall(body[10:])
            reply = b""
            while b"\r\n\r\n" not in reply:
                reply += slow.recv(65536)
            slow.close()
            self.assertNotIn(b" 503 ", reply.split(b"\r\n")[0])
            self.assertEqual(proc.wait(timeout=30), 0, read(log))
        finally:
            if proc.poll() is None:
                proc.kill()

    def test_socket_activation(self):
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(16)
        port = lsock.getsockname()[1]
        unused = free_port()
        proc, _, log = self.spawn("db = %s\nlisten = 127.0.0.1:%d\nrate-limit = 0\n" % (self.db, unused),
                                  pass_fd=lsock.fileno())
        lsock.close()
        try:
            wait_port(port, proc, log)
            st, body = get(port, "/readyz")
            self.assertEqual(st, 200, body)
            self.assertIn("serving on the socket systemd passed (port %d)" % port, read(log))
            with self.assertRaises(OSError):  # the configured address is not used
                socket.create_connection(("127.0.0.1", unused), timeout=0.5).close()
        finally:
            self.stop(proc, log)

    def test_json_log_lines(self):
        port = free_port()
        proc, _, log = self.spawn("db = %s\nlisten = 127.0.0.1:%d\nlog-format = json\n" % (self.db, port))
        try:
            wait_port(port, proc, log)
        finally:
            self.stop(proc, log)
        lines = lines_of(log)
        msgs = [l["msg"] for l in lines]
        self.assertTrue(any(m.startswith("serving http://127.0.0.1:%d/" % port) for m in msgs), msgs)
        self.assertIn("shutting down", msgs)
        for l in lines:
            self.assertEqual(set(l), {"time", "level", "msg"})
            self.assertIn(l["level"], ("error", "warning", "notice", "info"))
        r = run_cli("serve", "--db", self.db, "--log-format", "xml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--log-format is text, json, journal or auto, not xml", r.stderr.decode())

    def test_journald_fields(self):
        """Under systemd the messages and the access log are journald fields: a socket
        bound where journald listens receives them (native protocol, KEY=value lines)."""
        where = "/run/systemd/journal/socket"
        if os.path.exists(where) or os.geteuid() != 0:
            self.skipTest("a journald is running here (or not root): its socket is taken")
        made = not os.path.isdir(os.path.dirname(where))
        os.makedirs(os.path.dirname(where), exist_ok=True)
        journal = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        journal.bind(where)
        journal.settimeout(10)
        port = free_port()
        try:
            proc, _, log = self.spawn("db = %s\nlisten = 127.0.0.1:%d\nlog-format = journal\n"
                                      "access-log = journal\ntokens = %s\n"
                                      % (self.db, port, self.tokens_file()))
            try:
                wait_port(port, proc, log)
                get(port, "/api/v1/me?secret-query=1", {"Authorization": "Bearer " + TOKEN_A})
            finally:
                self.stop(proc, log)
            entries = []
            journal.settimeout(1)  # everything was sent before the process exited
            try:
                while True:
                    raw = journal.recv(65536).decode()
                    entries.append(dict(l.split("=", 1) for l in raw.splitlines() if "=" in l))
            except socket.timeout:
                pass
        finally:
            journal.close()
            os.remove(where)
            if made:
                shutil.rmtree("/run/systemd")
        self.assertEqual(read(log), "", "nothing on stderr: all of it went to the journal")
        serving = [e for e in entries if e.get("MESSAGE", "").startswith("serving http://")]
        self.assertEqual(len(serving), 1, entries)
        self.assertEqual((serving[0]["PRIORITY"], serving[0]["SYSLOG_IDENTIFIER"]), ("5", "algoreg"))
        access = [e for e in entries if e.get("ALGOREG_ACCESS") == "1"]
        self.assertTrue(access, entries)
        me = [e for e in access if e["ROUTE"] == "/api/v1/me"][0]
        self.assertEqual((me["METHOD"], me["REQUEST_PATH"], me["STATUS"], me["WHO"]),
                         ("GET", "/api/v1/me", "200", "robot"))
        self.assertEqual(me["MESSAGE"], "GET /api/v1/me 200")
        self.assertGreater(float(me["DURATION_MS"]), 0)
        blob = json.dumps(entries)
        self.assertNotIn(TOKEN_A, blob)
        self.assertNotIn("secret-query", blob)

    def tokens_file(self):
        tokens = os.path.join(self.dir, "service.tokens")
        with open(tokens, "w") as f:
            f.write("robot:%s\n" % TOKEN_A)
        os.chmod(tokens, 0o600)
        return tokens

    def test_trusted_proxy(self):
        access = os.path.join(self.dir, "access.log")
        port = free_port()
        proc, _, log = self.spawn("db = %s\nlisten = 127.0.0.1:%d\naccess-log = %s\nrate-limit = 1\n"
                                  "trusted-proxy = 127.0.0.1\n" % (self.db, port, access))
        try:
            wait_port(port, proc, log)
            a = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
            codes = [get(port, "/healthz", a)[0] for _ in range(14)]
            self.assertIn(429, codes)
            # another client behind the same proxy has its own allowance
            self.assertEqual(get(port, "/healthz", {"X-Forwarded-For": "203.0.113.10"})[0], 200)
            # garbage gets the proxy's own address, never a crash
            self.assertIn(get(port, "/healthz", {"X-Forwarded-For": "x" * 2000})[0], (200, 429))
        finally:
            self.stop(proc, log)
        clients = {l["client"] for l in lines_of(access)}
        # the right-most address that is not the proxy; what the client wrote left of it counts for nothing
        self.assertIn("203.0.113.9", clients)
        self.assertIn("203.0.113.10", clients)
        self.assertNotIn("198.51.100.7", clients)
        # without trusting the proxy, the header is ignored
        port = free_port()
        os.remove(access)
        proc, _, log = self.spawn("db = %s\nlisten = 127.0.0.1:%d\naccess-log = %s\nrate-limit = 0\n"
                                  % (self.db, port, access))
        try:
            wait_port(port, proc, log)
            get(port, "/healthz", {"X-Forwarded-For": "203.0.113.9"})
        finally:
            self.stop(proc, log)
        self.assertEqual({l["client"] for l in lines_of(access)}, {"127.0.0.1"})

    def test_start_up_faults_one_line_each(self):
        def refused(args, want, setup=None, undo=None):
            if setup:
                setup()
            try:
                r = run_cli("serve", *args)
            finally:
                if undo:
                    undo()
            err = r.stderr.decode().strip().splitlines()
            self.assertNotEqual(r.returncode, 0, want)
            self.assertEqual(len(err), 1, err)
            self.assertIn(want, err[0])

        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        try:
            refused(["--db", self.db, "--listen", "127.0.0.1:%d" % port],
                    "cannot listen on 127.0.0.1:%d: Address already in use" % port)
        finally:
            busy.close()
        missing = os.path.join(self.dir, "nowhere.db")
        refused(["--db", missing], "cannot open the database " + missing)
        self.assertFalse(os.path.exists(missing), "serve never creates a database")
        key = self.srv0.files + ".key"
        refused(["--db", self.db], "must not be readable by group or others (chmod 600)",
                lambda: os.chmod(key, 0o644), lambda: os.chmod(key, 0o600))
        refused(["--db", self.db], "is missing (algoreg init creates it)",
                lambda: os.rename(key, key + ".away"), lambda: os.rename(key + ".away", key))
        refused(["--db", self.db, "--listen", "127.0.0.1:99999"], "listen must be")
        refused(["--db", self.db, "--tokens", os.path.join(self.dir, "none")], "does not exist")
        # a broken configuration file: its problems by line, then that nothing started
        bad = os.path.join(self.dir, "broken.conf")
        with open(bad, "w") as f:
            f.write("db = %s\nthreads = many\n" % self.db)
        r = run_cli("serve", "--config", bad)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.decode().splitlines(),
                         ["%s:2: --threads must be from 1 to 64" % bad,
                          "algoreg: serve: the configuration has problems (above); nothing started"])


if __name__ == "__main__":
    unittest.main()
