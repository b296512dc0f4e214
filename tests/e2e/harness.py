"""harness.py — start a real algoreg server on a free loopback port for tests.

Uses only the Python standard library. The server binary is the sanitizer build
(build/algoreg-san) unless ALGOREG_BIN says otherwise; a sanitizer report makes the
server exit non-zero, which stop() turns into a test failure."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# ALGOREG_TEST_BACKEND=postgresql runs the servers on databases of the PostgreSQL at
# ALGOREG_TEST_PG (scripts/run-tests.sh starts one): each Server gets a new database, and
# the files a database owns (keys, accounts) go to one state folder for the run.
PG = os.environ.get("ALGOREG_TEST_BACKEND") == "postgresql"
if PG:
    os.environ.setdefault("ALGOREG_STATE_DIR", tempfile.mkdtemp(prefix="algoreg-pgstate-"))


def new_database():
    """A new empty database: a SQLite path in a new folder, or a new PostgreSQL
    database's URI; and the base of the files it owns (PATH.key, PATH.accounts, ...)."""
    if not PG:
        d = tempfile.mkdtemp(prefix="algoreg-e2e-")
        path = os.path.join(d, "algoreg.db")
        return path, path
    import uuid
    name = "t" + uuid.uuid4().hex[:16]
    uri = os.environ["ALGOREG_TEST_PG"]
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", uri, "-c", "CREATE DATABASE " + name],
                   check=True, capture_output=True, timeout=60)
    return uri.rsplit("/", 1)[0] + "/" + name, os.path.join(os.environ["ALGOREG_STATE_DIR"], name)


def db_bytes(db):
    """Everything database db stores, as bytes: the SQLite file and its WAL, or a
    pg_dump of the PostgreSQL database's data (for checks that a secret is stored
    nowhere in plain text)."""
    if db.startswith("postgresql://"):
        return subprocess.run(["pg_dump", "--data-only", db], check=True, capture_output=True,
                              timeout=120).stdout
    out = b""
    for suffix in ("", "-wal"):
        if os.path.exists(db + suffix):
            with open(db + suffix, "rb") as f:
                out += f.read()
    return out


def db_query(db, sql):
    """The first row of a read-only query on database db, as a tuple of strings or
    numbers (SQL that both databases understand)."""
    if db.startswith("postgresql://"):
        r = subprocess.run(["psql", "-At", "-F", "\t", db, "-c", sql], check=True,
                           capture_output=True, text=True, timeout=60)
        return tuple(int(v) if v.lstrip("-").isdigit() else v
                     for v in r.stdout.splitlines()[0].split("\t"))
    import sqlite3
    c = sqlite3.connect(db)
    try:
        return c.execute(sql).fetchone()
    finally:
        c.close()


def copy_database(db):
    """A copy of (stopped) database db with the files it owns, as a new database."""
    if db.startswith("postgresql://"):
        new, files = new_database()
        name = new.rsplit("/", 1)[1]
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", db.rsplit("/", 1)[0] + "/algoreg",
                        "-c", "DROP DATABASE %s" % name, "-c",
                        "CREATE DATABASE %s TEMPLATE %s" % (name, db.rsplit("/", 1)[1])],
                       check=True, capture_output=True, timeout=60)
    else:
        new = os.path.join(tempfile.mkdtemp(prefix="algoreg-e2e-"), "algoreg.db")
        files = new
        for ext in ("-wal", "-shm", ""):
            if os.path.exists(db + ext):
                shutil.copy2(db + ext, new + ext)
    for ext in (".key", ".enc", ".accounts"):
        if os.path.exists(files_of(db) + ext):
            shutil.copy2(files_of(db) + ext, files + ext)
    return new


def national_law_config(folder, objectives):
    """An AI Act configuration file in folder under a hypothetical Dutch Art. 5(5) law
    that allows the given real-time objectives (the Netherlands has none); its path."""
    with open(os.path.join(ROOT, "data", "aiact", "config.json")) as f:
        cfg = json.load(f)
    cfg["nl_art5_5"] = {"enabled": True, "allowed_objectives": list(objectives),
                        "allowed_offences": []}
    path = os.path.join(folder, "aiact.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def files_of(db):
    """The base path of the files database db owns (its keys, accounts, tokens)."""
    if db.startswith("postgresql://"):
        return os.path.join(os.environ["ALGOREG_STATE_DIR"], db.rsplit("/", 1)[1].split("?")[0])
    return db
BIN = os.environ.get("ALGOREG_BIN", os.path.join(ROOT, "build", "algoreg-san"))
TOKEN = "test-token-0123456789abcdef"
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args, stdin=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([BIN, *args], input=stdin, capture_output=True, env=e, timeout=600)


def add_account(db, name, role, org=None, password=None, email=None):
    """Create an account with algoreg user add (password on stdin) and return a new API
    token of it."""
    args = ["user", "add", "--db", db, "--name", name, "--role", role]
    if org:
        args += ["--org", org]
    if email:
        args += ["--email", email]
    if password:
        args += ["--password-file", "-"]
    r = run_cli(*args, stdin=(password + "\n").encode() if password else None)
    if r.returncode != 0:
        raise RuntimeError("user add failed: " + r.stderr.decode())
    r = run_cli("user", "token", "--db", db, "--name", name)
    if r.returncode != 0:
        raise RuntimeError("user token failed: " + r.stderr.decode())
    return r.stdout.decode().strip()


class Server:
    def __init__(self, demo=True, env=None, db=None, serve_args=(), service_publish=True,
                 port=None):
        """A server on a new database, or on db (an existing one) when given; args are
        extra options for algoreg serve (serve_args)."""
        self.dir = tempfile.mkdtemp(prefix="algoreg-e2e-")
        if db:
            self.db = db
        elif PG:
            self.db = new_database()[0]
        else:
            self.db = os.path.join(self.dir, "algoreg.db")
        self.files = files_of(self.db)  # PATH.key, PATH.accounts, ... of this database
        if not db:
            args = ["init", "--db", self.db] + (["--demo"] if demo else [])
            r = run_cli(*args)
            if r.returncode != 0:
                raise RuntimeError("init failed: " + r.stderr.decode())
        self.port = port or free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        e = dict(os.environ)
        e["ALGOREG_API_TOKENS"] = "tester:" + TOKEN
        e.update(env or {})
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--db", self.db, "--listen", "127.0.0.1:%d" % self.port,
             # tests send many requests from one address; test_robustness checks the limit
             *([] if "--rate-limit" in serve_args else ["--rate-limit", "0"]),
             # the test token is a service token; test_accounts checks the default refusal
             *(["--service-tokens-publish"] if service_publish else []), *serve_args],
            stdout=self.log, stderr=subprocess.STDOUT, env=e)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("server did not start: " + open(self.log.name).read())

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(timeout=30)
        self.log.close()
        if rc != 0:
            raise AssertionError("server exited %d:\n%s" % (rc, open(self.log.name).read()[-4000:]))

    def request(self, method, path, body=None, headers=None, token=True, raw=None):
        h = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if token:
            h.setdefault("Authorization", "Bearer " + TOKEN)
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def json(self, method, path, body=None, **kw):
        status, headers, data = self.request(method, path, body, **kw)
        ctype = headers.get("Content-Type", "")
        return status, headers, json.loads(data) if "json" in ctype else data.decode()
