"""Upgrades, downgrades, backups and restores against real databases.

Every earlier schema: tests/fixtures/schema/vN holds a register made by the algoreg of
that schema (tools/make-schema-fixtures.sh) with the checkpoint its server signed; the
released ones are 3, 6, 8, 10 and 11, and 4, 5, 7 and 9 existed between releases (1 and 2 were
never released; see the script). Each
is migrated by this algoreg; nothing stored changes, the log keeps every leaf it had and
grows from the saved checkpoint by appending only (checked by algoreg verify), and the
register serves and takes writes. A database newer than this algoreg is refused with a
clear line and left untouched. A backup taken while the server writes restores into a
new instance whose log is consistent with checkpoints saved before the backup."""
import gzip
import hashlib
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PG, ROOT, Server, run_cli  # noqa: E402

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "schema")
REC = {"name": "Kentekenherkenning na de upgrade", "description_short": "Herkent kentekens.",
       "organization": "Politie", "status": "In gebruik", "contact_email": "a@b.nl",
       "publication_category": "Impactvolle algoritmes"}


def latest_schema():
    return len([f for f in os.listdir(os.path.join(ROOT, "src", "store", "migrations", "sqlite"))
                if f.endswith(".sql")])


def rows(db, sql):
    c = sqlite3.connect(db)
    try:
        return c.execute(sql).fetchall()
    finally:
        c.close()


def file_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def unpack(n):
    """Fixture vN in a new folder: the database and its keys (mode 0600)."""
    src = os.path.join(FIXTURES, "v%d" % n)
    d = tempfile.mkdtemp(prefix="algoreg-upgrade-")
    db = os.path.join(d, "algoreg.db")
    with gzip.open(os.path.join(src, "algoreg.db.gz")) as f, open(db, "wb") as out:
        out.write(f.read())
    for ext in ("key", "enc"):
        if os.path.exists(os.path.join(src, "algoreg.db." + ext)):
            shutil.copy(os.path.join(src, "algoreg.db." + ext), db + "." + ext)
            os.chmod(db + "." + ext, 0o600)
    return src, db


def vkey_of(srv):
    st, _, log = srv.json("GET", "/api/v1/log", token=False)
    assert st == 200, log
    return log["verifier_key"]


@unittest.skipIf(PG, "schema fixtures are SQLite files; PostgreSQL databases start at the current schema")
class Upgrade(unittest.TestCase):
    def test_every_earlier_schema(self):
        latest = latest_schema()
        versions = sorted(int(d[1:]) for d in os.listdir(FIXTURES) if re.fullmatch(r"v\d+", d))
        self.assertEqual(versions, list(range(3, latest)), "a fixture for every earlier schema")
        for n in versions:
            with self.subTest(schema=n):
                self.upgrade_one(n, latest)

    def upgrade_one(self, n, latest):
        src, db = unpack(n)
        before = rows(db, "SELECT reg_id, version, created, doc FROM versions ORDER BY id")
        self.assertGreater(len(before), 0)
        leaves = rows(db, "SELECT idx, hash FROM log_leaves ORDER BY idx")
        had_accounts = bool(rows(db, "SELECT name FROM sqlite_master WHERE name = 'accounts'")) and \
            rows(db, "SELECT count(*) FROM accounts")[0][0] > 0
        r = run_cli("migrate", "--db", db, "--check")
        self.assertEqual((r.returncode, r.stdout.decode().strip()),
                         (1, "%s: schema %d, migration to %d due" % (db, n, latest)))
        self.assertEqual(rows(db, "PRAGMA user_version")[0][0], n, "--check changes nothing")
        r = run_cli("migrate", "--db", db)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertTrue(r.stdout.decode().startswith("%s: schema %d migrated to %d" % (db, n, latest)))
        self.assertEqual(rows(db, "PRAGMA user_version")[0][0], latest)
        r = run_cli("migrate", "--db", db)
        self.assertEqual(r.stdout.decode().strip(), "%s: schema %d, up to date" % (db, latest))
        # nothing stored changed and the log kept every leaf
        self.assertEqual(rows(db, "SELECT reg_id, version, created, doc FROM versions ORDER BY id"),
                         before)
        after = rows(db, "SELECT idx, hash FROM log_leaves ORDER BY idx")
        self.assertEqual(after[:len(leaves)], leaves)
        # a register from before accounts gets its administrator, as init gives one
        self.assertEqual(os.path.exists(db + ".accounts"), not had_accounts)
        if not had_accounts:
            self.assertEqual(os.stat(db + ".accounts").st_mode & 0o777, 0o600)
            self.assertIn("admin", [r[0] for r in rows(db, "SELECT name FROM accounts")])
        ids = [r[0] for r in rows(db, "SELECT lars FROM registrations")]
        srv = Server(db=db)
        try:
            st, _, ready = srv.json("GET", "/readyz", token=False)
            self.assertEqual(st, 200, ready)
            for lars in ids:
                st, _, _ = srv.request("GET", "/api/v1/registrations/" + lars, token=False)
                self.assertIn(st, (200,), lars)
            st, _, b = srv.json("POST", "/api/v1/registrations", REC)
            self.assertEqual(st, 201, b)
            vkey = vkey_of(srv)
            with open(os.path.join(src, "vkey")) as f:
                self.assertEqual(f.read().strip(), vkey, "the same signing key")
            args = ["verify", "--url", srv.base, "--vkey", vkey, "--id", b["id"], "--id", ids[0],
                    "--checkpoint", os.path.join(src, "checkpoint")]
            r = run_cli(*args)
            self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
            self.assertIn("verified", r.stdout.decode())
        finally:
            srv.stop()

    def test_newer_database_is_refused_and_left_alone(self):
        srv = Server(demo=True)
        srv.stop()
        c = sqlite3.connect(srv.db)
        c.execute("PRAGMA user_version = %d" % (latest_schema() + 1))
        c.commit()
        c.close()
        h = file_hash(srv.db)
        want = "has schema version %d, newer than this algoreg knows (%d): refusing to downgrade" % (
            latest_schema() + 1, latest_schema())
        for args in (["serve", "--db", srv.db, "--listen", "127.0.0.1:0"],
                     ["migrate", "--db", srv.db],
                     ["restore", "--db", os.path.join(srv.dir, "copy.db"), srv.db],
                     ["backup", "--db", srv.db, os.path.join(srv.dir, "b.db")]):
            r = run_cli(*args)
            err = r.stderr.decode().strip().splitlines()
            self.assertEqual(r.returncode, 1, args)
            self.assertEqual(len(err), 1, err)
            self.assertIn(want, err[0])
        self.assertEqual(file_hash(srv.db), h)
        self.assertFalse(os.path.exists(os.path.join(srv.dir, "copy.db")))
        self.assertFalse(os.path.exists(os.path.join(srv.dir, "b.db")))


@unittest.skipIf(PG, "SQLite's online backup; PostgreSQL's backup and restore: test_postgresql")
class Backup(unittest.TestCase):
    def test_backup_while_writing_and_restore(self):
        srv = Server(demo=True)
        backup = os.path.join(srv.dir, "backup.db")
        saved = os.path.join(srv.dir, "saved.checkpoint")
        try:
            vkey = vkey_of(srv)
            r = run_cli("verify", "--url", srv.base, "--vkey", vkey, "--save", saved)
            self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
            st, _, first = srv.json("POST", "/api/v1/registrations", REC)
            self.assertEqual(st, 201, first)
            r = run_cli("verify", "--url", srv.base, "--vkey", vkey, "--checkpoint", saved, "--save",
                        saved)
            self.assertEqual(r.returncode, 0, r.stdout.decode())
            # writers keep going while the backup runs
            stop = threading.Event()
            written = []

            def writer():
                i = 0
                while not stop.is_set():
                    i += 1
                    st, _, b = srv.json("POST", "/api/v1/registrations",
                                        dict(REC, name="Tijdens de back-up %d" % i))
                    written.append(st)

            t = threading.Thread(target=writer)
            t.start()
            try:
                r = run_cli("backup", "--db", srv.db, backup)
            finally:
                stop.set()
                t.join()
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            self.assertIn("the keys are not in it", r.stdout.decode())
            self.assertEqual(set(written), {201})
            r = run_cli("backup", "--db", srv.db, backup)
            self.assertEqual(r.returncode, 1)
            self.assertIn("it is never overwritten", r.stderr.decode())
        finally:
            srv.stop()
        self.assertEqual(rows(backup, "PRAGMA integrity_check"), [("ok",)])
        self.assertFalse(os.path.exists(backup + "-wal"))
        # a new instance from the backup and the old keys
        new = tempfile.mkdtemp(prefix="algoreg-restore-")
        db = os.path.join(new, "algoreg.db")
        r = run_cli("restore", "--db", db, backup)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        for ext in ("key", "enc"):
            shutil.copy(srv.db + "." + ext, db + "." + ext)
            os.chmod(db + "." + ext, 0o600)
        restored = Server(db=db)
        try:
            st, _, b = restored.json("GET", "/api/v1/registrations/" + first["id"], token=False)
            self.assertEqual(st, 200, b)
            r = run_cli("verify", "--url", restored.base, "--vkey", vkey, "--checkpoint", saved,
                        "--id", first["id"])
            self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
            self.assertIn("verified", r.stdout.decode())
        finally:
            restored.stop()
        # refusals: an existing target, a damaged file, something that is not algoreg's
        r = run_cli("restore", "--db", db, backup)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is never overwritten", r.stderr.decode())
        damaged = os.path.join(new, "damaged.db")
        with open(backup, "rb") as f:
            data = bytearray(f.read())
        data[4096 * 2:4096 * 2 + 64] = b"\xff" * 64
        with open(damaged, "wb") as f:
            f.write(data)
        r = run_cli("restore", "--db", os.path.join(new, "d.db"), damaged)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is damaged or not a database", r.stderr.decode())
        self.assertFalse(os.path.exists(os.path.join(new, "d.db")))
        other = os.path.join(new, "other.db")
        c = sqlite3.connect(other)
        c.execute("CREATE TABLE t (x)")
        c.execute("PRAGMA user_version = 3")
        c.commit()
        c.close()
        r = run_cli("restore", "--db", os.path.join(new, "o.db"), other)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is an SQLite database, but not algoreg's", r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
