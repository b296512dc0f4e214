"""The national register's real data through algoreg import (issue 7): all 1,530 records
of the 2026 scrape and all 130 full entries of the 2023 dump, with a per-record report
(accepted, normalised and how, rejected and why), no record unaccounted for, ids kept,
idempotent re-imports, a progress bar only on a terminal, and bad files refused whole."""
import json
import os
import pty
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, SHARED, Server, run_cli  # noqa: E402

DUMPS = os.path.join(SHARED, "data", "algoritmeregister", "dumps")
SCRAPE = os.path.join(DUMPS, "schellevis-algoritmes-2026-08-08.json")
FULL = os.path.join(DUMPS, "minbzk-pub_data-2023-06-19.json")


def report(path):
    with open(path) as f:
        return [json.loads(l) for l in f]


@unittest.skipUnless(os.path.exists(SCRAPE), "needs ../shared (the register's dumps)")
class RealData(unittest.TestCase):
    def test_both_dumps_with_reports(self):
        srv = Server(demo=False)
        srv.stop()
        db = srv.db
        with open(SCRAPE, encoding="utf-8") as f:
            scrape = json.load(f)["algoritmes"]
        with open(FULL, encoding="utf-8") as f:
            full = json.load(f)
        r1 = os.path.join(srv.dir, "scrape.jsonl")
        r = run_cli("import", "--db", db, "--format", "register-summary", "--report", r1, SCRAPE)
        self.assertEqual(r.returncode, 0, r.stderr.decode()[-2000:])
        err = r.stderr.decode()
        self.assertIn("1530 created, 0 updated, 0 unchanged, 0 rejected; 1530 normalised", err)
        self.assertNotIn("\r", err, "no progress bar when stderr is not a terminal")
        rows = report(r1)
        self.assertEqual([x["line"] for x in rows], list(range(1, 1531)), "every record")
        self.assertEqual([x["id"] for x in rows], [s["id"] for s in scrape], "ids kept")
        self.assertEqual({x["outcome"] for x in rows}, {"created"})
        for x in rows:
            fields = {n["field"] for n in x["normalised"]}
            self.assertTrue({"contact_email", "publication_category"} <= fields)
        cut = [x for x in rows if any(n["field"] == "description_short" for n in x["normalised"])]
        self.assertTrue(cut and all("cut from" in n["detail"] or "name is used" in n["detail"]
                                    for x in cut for n in x["normalised"]
                                    if n["field"] == "description_short"))
        # the 2023 entries: many are the same registrations (same ids): new versions
        r2 = os.path.join(srv.dir, "full.jsonl")
        r = run_cli("import", "--db", db, "--format", "register-2023", "--report", r2, FULL)
        self.assertEqual(r.returncode, 0, r.stderr.decode()[-2000:])
        rows2 = report(r2)
        self.assertEqual(len(rows2), 130)
        self.assertEqual([x["id"] for x in rows2], [e["lars"] for e in full])
        outcomes = [x["outcome"] for x in rows2]
        self.assertEqual(outcomes.count("created") + outcomes.count("updated"), 130)
        self.assertIn("updated", outcomes)
        notes = [n for x in rows2 for n in x["normalised"]]
        statuses = [n["detail"] for n in notes if n["field"] == "status"]
        self.assertIn('"Actief" read as In gebruik', statuses)
        self.assertIn('"Gestopt" read as Buiten gebruik', statuses)
        self.assertTrue(any(d.startswith('"Het algoritme is in productie') and
                            d.endswith("read as In gebruik") for d in statuses))
        self.assertTrue(any("is not an e-mail address" in n["detail"] for n in notes
                            if n["field"] == "contact_email"))
        # idempotent: the same file again changes nothing
        r = run_cli("import", "--db", db, "--format", "register-2023", FULL)
        self.assertIn("0 created, 0 updated, 130 unchanged, 0 rejected", r.stderr.decode())
        # the register serves what was imported, under the national ids
        srv2 = Server(db=db)
        try:
            st, _, res = srv2.json("GET", "/api/v1/registrations?per_page=1", token=False)
            self.assertEqual(res["total"], 1530 + outcomes.count("created"))
            st, _, one = srv2.json("GET", "/api/v1/registrations/" + full[0]["lars"], token=False)
            self.assertEqual(st, 200)
        finally:
            srv2.stop()

    def test_bad_entries_and_files(self):
        srv = Server(demo=False)
        srv.stop()
        with open(SCRAPE, encoding="utf-8") as f:
            scrape = json.load(f)["algoritmes"][:3]
        bad = [dict(scrape[0], status="weg"), dict(scrape[1], title=""), scrape[2], "tekst",
               dict(scrape[2], id="12345678")]
        path = os.path.join(srv.dir, "bad.json")
        with open(path, "w") as f:
            json.dump({"algoritmes": bad}, f)
        rep = os.path.join(srv.dir, "bad.jsonl")
        r = run_cli("import", "--db", srv.db, "--format", "register-summary", "--report", rep, path)
        self.assertEqual(r.returncode, 1)
        rows = report(rep)
        self.assertEqual([x["outcome"] for x in rows],
                         ["rejected", "rejected", "created", "rejected", "created"])
        self.assertEqual(rows[0]["problems"][0]["detail"], 'unknown status "weg"')
        self.assertEqual(rows[1]["problems"][0]["field"], "title")
        self.assertIn(rows[3]["problems"][0]["rule"], ("json", "type"))  # not an object
        self.assertIn("not a valid register id", rows[4]["normalised"][0]["detail"])
        # a truncated file: one line, nothing imported
        with open(path, "w") as f:
            f.write(json.dumps({"algoritmes": scrape})[:-30])
        r = run_cli("import", "--db", srv.db, "--format", "register-summary", path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.decode().strip().splitlines()), 1, r.stderr)
        self.assertIn("the JSON is broken", r.stderr.decode())
        r = run_cli("import", "--db", srv.db, "--format", "register-1999", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--format is jsonl, standard, register-summary or register-2023",
                      r.stderr.decode())

    def test_progress_bar_on_a_terminal(self):
        srv = Server(demo=False)
        srv.stop()
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(BIN, [BIN, "import", "--db", srv.db, "--format", "register-summary",
                           "--report", os.devnull, SCRAPE])
        out = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.waitpid(pid, 0)
        text = out.decode(errors="replace")
        self.assertIn("\r  [", text)
        self.assertIn("] 1530/1530", text)
        self.assertIn("1530 created", text)


GOOD = {"name": "Kentekenherkenning", "description_short": "Herkent kentekens.",
        "organization": "Politie", "status": "In gebruik", "contact_email": "a@b.nl",
        "publication_category": "Impactvolle algoritmes"}


class BadInput(unittest.TestCase):
    """Bad lines in a JSON-lines import: each is refused with its reason, the rest is
    imported; with --strict nothing is."""

    def lines(self):
        big = dict(GOOD, name="Groot", goal="x" * (10 * 1024 * 1024))
        return [
            json.dumps(dict(GOOD, lars="10000016", source_id="A-1")).encode(),  # 1 good
            json.dumps(dict(GOOD, name=12)).encode(),  # 2 wrong type
            json.dumps(dict(GOOD, status="Misschien")).encode(),  # 3 unknown value
            b'{"name": "Caf\xe9 \xff", "organization": "Politie"}',  # 4 not UTF-8
            json.dumps(big).encode(),  # 5 a 10 MB string
            json.dumps(dict(GOOD, lars="10000016", name="Tweede")).encode(),  # 6 same id
            json.dumps(dict(GOOD, name="Derde", source_id="A-1")).encode(),  # 7 same source id
            json.dumps(dict(GOOD, name="Vierde", source_id="A-2")).encode(),  # 8 good
            json.dumps(dict(GOOD, name="Afgekapt"))[:40].encode(),  # 9 truncated last line
        ]

    def test_per_record_reasons_and_strict(self):
        srv = Server(demo=False)
        srv.stop()
        path = os.path.join(srv.dir, "bad.jsonl")
        with open(path, "wb") as f:
            f.write(b"\n".join(self.lines()))  # no newline at the end: truncated
        with open(path, "rb") as f:
            self.assertIn(b"\xff", f.read())
        r = run_cli("import", "--db", srv.db, "--strict", path)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("nothing imported", r.stderr.decode())
        r = run_cli("export", "--db", srv.db)
        self.assertEqual(r.stdout.strip(), b"", "strict: not one record was kept")
        rep = os.path.join(srv.dir, "report.jsonl")
        r = run_cli("import", "--db", srv.db, "--report", rep, path)
        self.assertNotEqual(r.returncode, 0, "a rejected line makes the exit non-zero")
        rows = report(rep)
        self.assertEqual([x["line"] for x in rows], list(range(1, 10)))
        outcome = {x["line"]: x for x in rows}
        self.assertEqual([outcome[n]["outcome"] for n in (1, 8)], ["created", "created"])
        why = {n: (outcome[n]["problems"][0]["field"], outcome[n]["problems"][0]["rule"])
               for n in (2, 3, 4, 5, 6, 7, 9)}
        self.assertEqual(why[2], ("name", "type"))
        self.assertEqual(why[3], ("status", "permitted_values"))
        self.assertEqual(why[4][1], "json")
        self.assertIn("UTF-8", outcome[4]["problems"][0]["detail"])
        self.assertEqual(why[5], ("", "max_length"))
        self.assertEqual(why[6], ("lars", "duplicate"))
        self.assertIn("line 1", outcome[6]["problems"][0]["detail"])
        self.assertEqual(why[7], ("source_id", "duplicate"))
        self.assertEqual(why[9][1], "json")
        r = run_cli("export", "--db", srv.db)
        names = sorted(json.loads(l)["name"] for l in r.stdout.decode().splitlines())
        self.assertEqual(names, ["Kentekenherkenning", "Vierde"])


if __name__ == "__main__":
    unittest.main()
