"""PostgreSQL as the store (issue 6), what only it has: three algoreg servers on one
database taking writes at once, whose log never forks (every server's checkpoint is
consistent with every other's, checked by algoreg verify); a server whose database goes
away answers 503 with a problem, comes back by itself and has lost no acknowledged
write; pages served from the cache without a round trip to the database, yet a write on
one server shown at once on it and within moments on the others (the change counter
kept from LISTEN/NOTIFY); and the two dialects' migrations giving the same tables and
columns. The rest of
the suite runs on PostgreSQL as a whole (ALGOREG_TEST_BACKEND=postgresql)."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ROOT, Server, files_of, new_database, run_cli)  # noqa: E402

HAVE_PG = bool(os.environ.get("ALGOREG_TEST_PG"))
REC = {"description_short": "d", "organization": "Politie", "status": "In gebruik",
       "contact_email": "a@b.nl", "publication_category": "Overige algoritmes"}


def vkey(srv):
    return srv.json("GET", "/api/v1/log")[2]["verifier_key"]


@unittest.skipUnless(HAVE_PG, "needs ALGOREG_TEST_PG (scripts/run-tests.sh starts one)")
class PostgreSQL(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.environ.setdefault("ALGOREG_STATE_DIR", tempfile.mkdtemp(prefix="algoreg-pgstate-"))

    def pg_db(self):
        """A new database of the suite's PostgreSQL, whatever backend the run uses."""
        saved = os.environ.get("ALGOREG_TEST_BACKEND")
        os.environ["ALGOREG_TEST_BACKEND"] = "postgresql"
        import harness
        harness.PG = True
        try:
            return new_database()[0]
        finally:
            harness.PG = saved == "postgresql"
            if saved is None:
                del os.environ["ALGOREG_TEST_BACKEND"]
            else:
                os.environ["ALGOREG_TEST_BACKEND"] = saved

    def test_three_servers_one_log(self):
        db = self.pg_db()
        r = run_cli("init", "--db", db, "--demo")
        self.assertEqual(r.returncode, 0, r.stderr)
        servers = [Server(db=db) for _ in range(3)]
        try:
            errors, ids = [], []
            lock = threading.Lock()

            def writer(k):
                srv = servers[k % 3]
                for i in range(15):
                    st, _, b = srv.json("POST", "/api/v1/registrations",
                                        dict(REC, name="Schrijver %d stuk %d" % (k, i)))
                    with lock:
                        (ids.append(b["id"]) if st == 201 else errors.append((st, b)))

            threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(errors, [])
            self.assertEqual(len(set(ids)), 90)
            # every server sees every write, and the same log
            for srv in servers:
                st, _, res = srv.json("GET", "/api/v1/registrations?q=schrijver&per_page=1")
                self.assertEqual(res["total"], 90)
            key = vkey(servers[0])
            self.assertEqual({vkey(s) for s in servers}, {key})
            saved = []
            for k, srv in enumerate(servers):
                path = os.path.join(srv.dir, "cp%d" % k)
                r = run_cli("verify", "--url", srv.base, "--vkey", key, "--save", path)
                self.assertEqual(r.returncode, 0, r.stdout.decode()[-2000:])
                saved.append(path)
            # each server's tree contains every other's: consistency proofs all round
            for srv in servers:
                for path in saved:
                    r = run_cli("verify", "--url", srv.base, "--vkey", key, "--checkpoint", path)
                    self.assertEqual(r.returncode, 0, r.stdout.decode()[-2000:])
            leaves = json.loads(servers[1].request("GET", "/api/v1/log", token=False)[2])
            self.assertGreaterEqual(leaves["size"], 90 + 8)
        finally:
            for s in servers:
                s.stop()

    def test_change_counter_from_notifications(self):
        db = self.pg_db()
        r = run_cli("init", "--db", db, "--demo")
        self.assertEqual(r.returncode, 0, r.stderr)
        a, b = Server(db=db), Server(db=db)
        try:
            def statements(srv):
                body = srv.request("GET", "/metrics", token=False)[2].decode()
                return int(float(re.search(r"^algoreg_db_statement_duration_seconds_count (\S+)$",
                                           body, re.M).group(1)))

            st, _, made = a.json("POST", "/api/v1/registrations", dict(REC, name="Eerste naam"))
            self.assertEqual(st, 201, made)
            page = "/registrations/" + made["id"]
            for srv in (a, b):  # each renders and caches the page
                deadline = time.monotonic() + 5
                while "Eerste naam" not in srv.request("GET", page, token=False)[2].decode():
                    self.assertLess(time.monotonic(), deadline, "the write never showed")
            # 40 visits of a cached page: no statement each (only the background threads')
            before = statements(b)
            for _ in range(40):
                self.assertEqual(b.request("GET", page, token=False)[0], 200)
            self.assertLess(statements(b) - before, 15)
            # the writer sees its own write at once; the other server within moments
            st, _, up = a.json("PUT", "/api/v1/registrations/" + made["id"],
                               dict(made["record"], name="Tweede naam"))
            self.assertEqual(st, 200, up)
            self.assertIn("Tweede naam", a.request("GET", page, token=False)[2].decode())
            start = time.monotonic()
            while "Tweede naam" not in b.request("GET", page, token=False)[2].decode():
                self.assertLess(time.monotonic() - start, 3, "server b kept the old page")
            # a write by a tool that is no server (algoreg import) is heard the same way
            src = os.path.join(a.dir, "one.jsonl")
            with open(src, "w") as f:
                f.write(json.dumps(dict(REC, name="Van de import")) + "\n")
            r = run_cli("import", "--db", db, src)
            self.assertEqual(r.returncode, 0, r.stderr)
            start = time.monotonic()
            while b.json("GET", "/api/v1/registrations?q=import")[2]["total"] != 1:
                self.assertLess(time.monotonic() - start, 3, "the import never showed")
        finally:
            a.stop()
            b.stop()

    def test_database_away_then_back(self):
        out = subprocess.run([os.path.join(ROOT, "scripts", "pg-tmp.sh"), "start"],
                             capture_output=True, text=True, check=True, timeout=120).stdout.split()
        pgdir, uri = out[0], out[1]
        port = uri.rsplit(":", 1)[1].split("/")[0]
        as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        pg_ctl = "/usr/lib/postgresql/15/bin/pg_ctl"
        try:
            r = run_cli("init", "--db", uri, "--demo")
            self.assertEqual(r.returncode, 0, r.stderr)
            srv = Server(db=uri)
            try:
                st, _, b = srv.json("POST", "/api/v1/registrations", dict(REC, name="Voor de storing"))
                self.assertEqual(st, 201)
                before = b["id"]
                subprocess.run(as_pg + [pg_ctl, "-D", pgdir + "/data", "-m", "fast", "-w", "stop"],
                               check=True, capture_output=True, timeout=60)
                st, hd, b = srv.json("GET", "/api/v1/registrations/" + before)
                self.assertEqual(st, 503)
                self.assertEqual(hd["Content-Type"], "application/problem+json")
                self.assertEqual(b["status"], 503)
                st, _, _ = srv.json("POST", "/api/v1/registrations", dict(REC, name="Tijdens"))
                self.assertEqual(st, 503)
                self.assertEqual(srv.request("GET", "/registrations/" + before, token=False)[0], 503)
                subprocess.run(as_pg + [pg_ctl, "-D", pgdir + "/data", "-l", pgdir + "/server.log",
                                        "-w", "start", "-o",
                                        "-h 127.0.0.1 -p %s -k %s -c fsync=off" % (port, pgdir)],
                               check=True, capture_output=True, timeout=60)
                # back by itself; the acknowledged write is there, the refused one is not
                st, _, b = srv.json("GET", "/api/v1/registrations/" + before)
                self.assertEqual((st, b["record"]["name"]), (200, "Voor de storing"))
                st, _, res = srv.json("GET", "/api/v1/registrations?q=tijdens")
                self.assertEqual(res["total"], 0)
                st, _, b = srv.json("POST", "/api/v1/registrations", dict(REC, name="Na de storing"))
                self.assertEqual(st, 201)
                r = run_cli("verify", "--url", srv.base, "--vkey", vkey(srv))
                self.assertEqual(r.returncode, 0, r.stdout.decode()[-2000:])
            finally:
                srv.stop()
        finally:
            subprocess.run([os.path.join(ROOT, "scripts", "pg-tmp.sh"), "stop", pgdir],
                           capture_output=True, timeout=120)

    def test_round_trip_and_backup(self):
        """SQLite → PostgreSQL → SQLite keeps every row of every table; the PostgreSQL copy
        serves the same log (its checkpoint consistent with one saved before); a backup of
        PostgreSQL restores into another PostgreSQL database that serves it too."""
        d = tempfile.mkdtemp(prefix="algoreg-copy-")
        a = os.path.join(d, "a.db")
        self.assertEqual(run_cli("init", "--db", a, "--demo").returncode, 0)
        first = Server(db=a)
        try:
            first.json("POST", "/api/v1/registrations", dict(REC, name="Voor de verhuizing"))
            key = vkey(first)
            saved = os.path.join(d, "cp")
            r = run_cli("verify", "--url", first.base, "--vkey", key, "--save", saved)
            self.assertEqual(r.returncode, 0, r.stdout)
        finally:
            first.stop()
        pg = self.pg_db()
        r = run_cli("migrate", "--db", a, "--to", pg)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"rows copied", r.stdout)
        b = os.path.join(d, "b.db")
        r = run_cli("migrate", "--db", pg, "--to", b)
        self.assertEqual(r.returncode, 0, r.stderr)

        def tables(path):
            c = sqlite3.connect(path)
            out = {}
            names = [n for (n,) in c.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE"
                " 'sqlite_%' AND name NOT LIKE 'registration_fts%'")]
            for n in names:
                out[n] = sorted(map(repr, c.execute("SELECT * FROM %s" % n)))
            out["fts"] = sorted(map(repr, c.execute("SELECT rowid, nl, en FROM registration_fts")))
            out["version"] = c.execute("PRAGMA user_version").fetchone()
            c.close()
            return out

        ta, tb = tables(a), tables(b)
        self.assertEqual(sorted(ta), sorted(tb))
        for name in ta:
            self.assertEqual(ta[name], tb[name], name)
        self.assertGreater(len(ta["log_leaves"]), 8)
        # the keys go with it; the PostgreSQL copy serves the same tree
        for ext in (".key", ".enc"):
            shutil.copy(a + ext, files_of(pg) + ext)
            os.chmod(files_of(pg) + ext, 0o600)
        srv = Server(db=pg)
        try:
            self.assertEqual(vkey(srv), key)
            st, _, got = srv.json("GET", "/api/v1/registrations?q=verhuizing")
            self.assertEqual(got["total"], 1)
            r = run_cli("verify", "--url", srv.base, "--vkey", key, "--checkpoint", saved)
            self.assertEqual(r.returncode, 0, r.stdout.decode()[-2000:])
        finally:
            srv.stop()
        # backup of PostgreSQL (a SQLite file) and restore into another database
        backup = os.path.join(d, "backup.db")
        r = run_cli("backup", "--db", pg, backup)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(tables(backup)["log_leaves"], ta["log_leaves"])
        self.assertNotEqual(run_cli("backup", "--db", pg, backup).returncode, 0)  # never over
        pg2 = self.pg_db()
        r = run_cli("restore", "--db", pg2, backup)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(run_cli("restore", "--db", pg2, backup).returncode, 0)  # not empty
        for ext in (".key", ".enc"):
            shutil.copy(a + ext, files_of(pg2) + ext)
            os.chmod(files_of(pg2) + ext, 0o600)
        srv = Server(db=pg2)
        try:
            r = run_cli("verify", "--url", srv.base, "--vkey", key, "--checkpoint", saved)
            self.assertEqual(r.returncode, 0, r.stdout.decode()[-2000:])
        finally:
            srv.stop()

    def test_both_dialects_make_the_same_tables(self):
        d = tempfile.mkdtemp(prefix="algoreg-parity-")
        lite = os.path.join(d, "a.db")
        pg = self.pg_db()
        # a password in the URI is never printed (the test cluster trusts loopback)
        with_pw = pg.replace("postgresql://algoreg@", "postgresql://algoreg:Geheim-Wachtwoord@")
        for db in (lite, with_pw):
            r = run_cli("init", "--db", db)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn(b"Geheim-Wachtwoord", r.stdout + r.stderr)
        r = run_cli("migrate", "--db", with_pw)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"Geheim-Wachtwoord", r.stdout + r.stderr)
        c = sqlite3.connect(lite)
        want = {}
        for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name"
                                 " NOT LIKE 'sqlite_%' AND name NOT LIKE 'registration_fts%'"):
            want[name] = [row[1] for row in c.execute("PRAGMA table_info(%s)" % name)]
        version = c.execute("PRAGMA user_version").fetchone()[0]
        c.close()
        out = subprocess.run(["psql", "-At", "-F", "\t", pg, "-c",
                              "SELECT table_name, column_name FROM information_schema.columns"
                              " WHERE table_schema = 'public' AND table_name NOT LIKE"
                              " 'registration_fts%' ORDER BY table_name, ordinal_position"],
                             capture_output=True, text=True, check=True, timeout=60).stdout
        have = {}
        for line in out.splitlines():
            t, col = line.split("\t")
            have.setdefault(t, []).append(col)
        self.assertEqual(have, want)
        out = subprocess.run(["psql", "-At", pg, "-c", "SELECT value FROM meta WHERE key = 'schema'"],
                             capture_output=True, text=True, check=True, timeout=60).stdout
        self.assertEqual(int(out.strip()), version)
        self.assertTrue(os.path.exists(files_of(pg) + ".key"))


if __name__ == "__main__":
    unittest.main()
