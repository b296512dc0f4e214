"""Search results as spreadsheets (issue 7): CSV and XLSX from the API, the search page
and the CLI, read back by independent readers — Python's csv module and Debian's
openpyxl (run with Debian's own python3, where python3-openpyxl lives). Every row has
the registration's id and the organisation's id; rows follow the search; a cell that
would be a formula is defused; withheld content never appears; large results come in
parts of 5,000 with a Link to the next."""
import csv
import io
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_cli  # noqa: E402

DEBIAN_PYTHON = "/usr/bin/python3"
CANARY = "CANARY-SHEET-5512"
REC = {"description_short": "Herkent kentekens, ook \"gedeeltelijk\" zichtbare.",
       "organization": "Politie", "status": "In gebruik", "contact_email": "a@b.nl",
       "publication_category": "Impactvolle algoritmes"}


def read_csv(data):
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def read_xlsx(path):
    code = ("import json, sys, openpyxl\n"
            "ws = openpyxl.load_workbook(sys.argv[1], read_only=True).active\n"
            "print(json.dumps([[c for c in r] for r in ws.iter_rows(values_only=True)],"
            " default=str))\n")
    r = subprocess.run([DEBIAN_PYTHON, "-c", code, path], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    return rows[0], rows[1:]


class Sheets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo=True)
        s = cls.srv
        st, _, cls.tricky = s.json("POST", "/api/v1/registrations", dict(
            REC, name="=HYPERLINK(\"http://x.example\",\"klik\"), é ü — komma"))
        assert st == 201, cls.tricky
        st, _, cls.secret = s.json("POST", "/api/v1/registrations", {
            "record": dict(REC, name="Geheim systeem", description_short="Omschrijving " + CANARY),
            "withhold": {"ground": "investigation", "justification": "Onderzoek " + CANARY,
                         "until": "2027-06-01"}})
        assert st == 201, cls.secret

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_csv_follows_the_search(self):
        st, hd, data = self.srv.request("GET", "/api/v1/registrations.csv?organization=politie&sort=name",
                                        token=False)
        self.assertEqual(st, 200, data)
        self.assertTrue(hd["Content-Type"].startswith("text/csv; charset=utf-8"))
        self.assertIn("attachment", hd["Content-Disposition"])
        self.assertNotIn(CANARY.encode(), data)
        self.assertIn(b"\r\n", data)
        head, rows = read_csv(data)
        self.assertEqual(head[:4], ["id", "organization_id", "version", "updated"])
        self.assertIn("safeguards.is_ai", head)
        self.assertEqual(len(set(head)), len(head), "column names are unique")
        st, _, search = self.srv.json("GET", "/api/v1/registrations?organization=politie&sort=name"
                                      "&per_page=100", token=False)
        self.assertEqual([r[0] for r in rows], [i["id"] for i in search["items"]])
        self.assertEqual(int(hd["X-Total-Count"]), search["total"])
        self.assertEqual({r[1] for r in rows}, {"politie"})
        for r in rows:
            self.assertEqual(len(r), len(head))
            self.assertRegex(r[0], r"^\d{8}$")
        by_id = {r[0]: dict(zip(head, r)) for r in rows}
        # every plain field in its own column, as the API has it; absent fields empty
        for rid, row in by_id.items():
            st, _, reg = self.srv.json("GET", "/api/v1/registrations/" + rid, token=False)
            rec = reg["record"]
            for key in ("status", "contact_email", "publication_category", "website",
                        "begin_date", "provider", "source_id"):
                want = rec.get(key, "")
                if isinstance(want, str) and not want.startswith(("=", "+", "-", "@")):
                    self.assertEqual(row[key], want, (rid, key))
            self.assertEqual(row["version"], str(reg["version"]))
        tricky = by_id[self.tricky["id"]]
        # a formula is defused, the rest of the text kept exactly
        self.assertEqual(tricky["name"], "'=HYPERLINK(\"http://x.example\",\"klik\"), é ü — komma")
        self.assertEqual(tricky["description_short"], REC["description_short"])
        # the withheld registration is there as the public sees it, without its content
        self.assertIn(self.secret["id"], by_id)

    def test_xlsx_has_the_same_rows(self):
        st, hd, data = self.srv.request("GET", "/api/v1/registrations.xlsx", token=False)
        self.assertEqual(st, 200, data)
        self.assertEqual(hd["Content-Type"],
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertTrue(data.startswith(b"PK"), "a zip container")
        path = os.path.join(self.srv.dir, "all.xlsx")
        with open(path, "wb") as f:
            f.write(data)
        xhead, xrows = read_xlsx(path)
        st, _, cdata = self.srv.request("GET", "/api/v1/registrations.csv", token=False)
        chead, crows = read_csv(cdata)
        self.assertEqual(xhead, chead)
        self.assertEqual(len(xrows), len(crows))
        for x, c in zip(xrows, crows):
            self.assertEqual(str(x[0]), c[0])
            self.assertEqual(x[1], c[1])
            self.assertEqual(x[2], int(c[2]))  # the version is a number
            self.assertEqual(x[chead.index("name")] or "", c[chead.index("name")])  # empty: withheld
        self.assertNotIn(CANARY, json.dumps(xrows))

    def test_bad_queries_and_the_search_page_link(self):
        st, _, b = self.srv.json("GET", "/api/v1/registrations.csv?per_page=10", token=False)
        self.assertEqual((st, b["errors"][0]["field"]), (400, "per_page"))
        st, _, b = self.srv.json("GET", "/api/v1/registrations.xlsx?status=Kapot", token=False)
        self.assertEqual((st, b["errors"][0]["field"]), (400, "status"))
        st, _, page = self.srv.request("GET", "/?q=kenteken&organization=politie", token=False)
        html = page.decode()
        self.assertIn('href="/api/v1/registrations.csv?q=kenteken&amp;organization=politie&amp;page=1"',
                      html)
        self.assertIn("/api/v1/registrations.xlsx?q=kenteken", html)

    def test_cli_export(self):
        out = os.path.join(self.srv.dir, "cli.xlsx")
        r = run_cli("export", "--db", self.srv.db, "--format", "xlsx", "--organization", "politie",
                    "--sort", "name", out)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertFalse(os.path.exists(out + ".partial"))
        head, rows = read_xlsx(out)
        st, _, data = self.srv.request("GET", "/api/v1/registrations.csv?organization=politie&sort=name",
                                       token=False)
        chead, crows = read_csv(data)
        self.assertEqual([str(r[0]) for r in rows], [r[0] for r in crows])
        r = run_cli("export", "--db", self.srv.db, "--format", "csv", "--q", "kenteken")
        self.assertEqual(r.returncode, 0)
        head, rows = read_csv(r.stdout)
        self.assertTrue(rows and all(r[0] for r in rows))
        r = run_cli("export", "--db", self.srv.db, "--format", "ods")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--format is jsonl, csv, xlsx, standard or standard-json, not ods",
                      r.stderr.decode())
        r = run_cli("export", "--db", self.srv.db, "--format", "csv", "/nonexistent/dir/x.csv")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.decode().strip().splitlines()), 1)


class LargeResults(unittest.TestCase):
    def test_parts_of_5000_with_a_link_to_the_next(self):
        srv0 = Server(demo=False)
        srv0.stop()
        lines = "".join(json.dumps(dict(REC, name="Systeem %05d" % i, source_id="gen-%d" % i)) + "\n"
                        for i in range(5003))
        r = run_cli("import", "--db", srv0.db, "-", stdin=lines.encode())
        self.assertEqual(r.returncode, 0, r.stderr.decode()[-2000:])
        srv = Server(db=srv0.db)
        try:
            st, hd, one = srv.request("GET", "/api/v1/registrations.csv?sort=name", token=False)
            self.assertEqual((st, hd["X-Total-Count"]), (200, "5003"))
            link = re.match(r'<([^>]+)>; rel="next"', hd["Link"]).group(1)
            self.assertEqual(link, "/api/v1/registrations.csv?sort=name&page=2")
            st, hd2, two = srv.request("GET", link, token=False)
            self.assertEqual(st, 200)
            self.assertNotIn("Link", hd2)
            _, r1 = read_csv(one)
            _, r2 = read_csv(two)
            self.assertEqual((len(r1), len(r2)), (5000, 3))
            ids = [r[0] for r in r1 + r2]
            self.assertEqual(len(set(ids)), 5003)
            st, _, page = srv.request("GET", "/?sort=name", token=False)
            self.assertIn("5001–5003", page.decode())
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
