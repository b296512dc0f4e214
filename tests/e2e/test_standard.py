"""The national register's publication standard v1.0.0 (issue 7, export): what algoreg
exports as entries of the standard is validated by an independent validator — ajv
(npm) in draft-07 mode — against the official JSON Schema in ../shared. A registration
the standard cannot express is refused with every field it lacks, never exported
half; ajv itself must catch a broken entry, so the check is not vacuous."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, SHARED, Server, run_cli  # noqa: E402

SCHEMA = os.path.join(SHARED, "data", "algoritmeregister", "schema",
                      "publicatiestandaard-v1.0.0.schema.json")
VALIDATOR = os.path.join(ROOT, "tests", "interop", "ajv-validate.mjs")

COMPLETE = {
    "name": "Kentekenherkenning bij milieuzones",
    "description_short": "Camera's lezen kentekens bij de milieuzone; voertuigen die er niet "
                         "mogen rijden krijgen een boete.",
    "organization": "Gemeente Utrecht", "category": ["Verkeer", "Natuur en milieu"],
    "status": "In gebruik", "begin_date": "2023-01", "contact_email": "algoritmes@utrecht.nl",
    "website": "https://www.utrecht.nl/milieuzone", "url": "https://algoritmes.utrecht.nl/anpr",
    "publication_category": "Impactvolle algoritmes",
    "goal": "<p>Schonere lucht in de binnenstad.</p>",
    "proportionality": "<p>Handhaving met camera's is minder ingrijpend dan staande houden.</p>",
    "human_intervention": "<p>Een handhaver controleert elke overtreding.</p>",
    "risks": "<p>Verkeerd gelezen kentekens; elke match wordt nagekeken.</p>",
    "lawful_basis": "<p>Wegenverkeerswet 1994.</p>",
    "lawful_basis_grouping": [{"title": "Wegenverkeerswet 1994",
                               "link": "https://wetten.overheid.nl/BWBR0006622"}],
    "impacttoetsen_grouping": [{"title": "DPIA", "link": "https://www.utrecht.nl/dpia-anpr"},
                               {"title": "IAMA", "link": "https://www.utrecht.nl/iama-anpr"}],
    "source_data": "<p>Kentekens en de RDW-registratie.</p>",
    "source_data_grouping": [{"title": "RDW kentekenregister",
                              "link": "https://opendata.rdw.nl"}],
    "methods_and_models": "<p>Optische tekenherkenning, daarna een opzoeking.</p>",
    "provider": "Intern ontwikkeld", "source_id": "UTR-ANPR-1", "tags": "milieuzone, kenteken",
}


def ajv(entries, where):
    path = os.path.join(where, "entries.json")
    with open(path, "w") as f:
        json.dump(entries, f)
    r = subprocess.run(["node", VALIDATOR, SCHEMA, path], capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    if not r.stdout.strip():
        raise AssertionError("ajv did not run: " + r.stderr)
    return json.loads(r.stdout)


@unittest.skipUnless(os.path.exists(SCHEMA), "needs ../shared (the official schema)")
class Standard(unittest.TestCase):
    def test_export_validates_with_ajv(self):
        srv = Server(demo=True)
        try:
            st, _, reg = srv.json("POST", "/api/v1/registrations", COMPLETE)
            self.assertEqual(st, 201, reg)
            st, _, entry = srv.json("GET", "/api/v1/registrations/%s/standard" % reg["id"],
                                    token=False)
            self.assertEqual(st, 200, entry)
            # the mapping: the standard's names (the text as stored, sanitised), its
            # spelling of the category
            st, _, stored = srv.json("GET", "/api/v1/registrations/" + reg["id"], token=False)
            self.assertEqual(entry["purpose_and_impact"], stored["record"]["goal"])
            self.assertEqual(entry["considerations"], stored["record"]["proportionality"])
            self.assertEqual(entry["data"], stored["record"]["source_data"])
            self.assertEqual(entry["theme"], COMPLETE["category"])
            self.assertEqual(entry["start_date"], "2023-01")
            self.assertEqual(entry["publication_category"], "Impactvolle algoritmes (Categorie B)")
            self.assertEqual(entry["impact_assessments"], "DPIA, IAMA")
            self.assertEqual(entry["legal_basis_link"], "https://wetten.overheid.nl/BWBR0006622")
            self.assertEqual((entry["language"], entry["schema"], entry["lars"]),
                             ("nld", "1.0.0", reg["id"]))
            out = ajv([entry], srv.dir)
            self.assertEqual((out["valid"], out["invalid"]), (1, []))
            # not vacuous: ajv refuses the same entry without a required field
            broken = {k: v for k, v in entry.items() if k != "data"}
            self.assertEqual(ajv([broken], srv.dir)["valid"], 0)
            # a registration the standard cannot express: every missing field named
            st, _, p = srv.json("GET", "/api/v1/registrations/10000087/standard", token=False)
            self.assertEqual(st, 422, p)
            fields = {e["field"] for e in p["errors"]}
            self.assertIn("data", fields)
            self.assertTrue(all(e["rule"] in ("required", "max_length", "pattern", "format")
                                for e in p["errors"]))
            # algoreg allows a name of 100 characters, the standard 99
            st, _, long = srv.json("POST", "/api/v1/registrations", dict(COMPLETE, name="N" * 100))
            self.assertEqual(st, 201, long)
            st, _, p = srv.json("GET", "/api/v1/registrations/%s/standard" % long["id"], token=False)
            self.assertEqual((st, p["errors"][0]["field"], p["errors"][0]["rule"]),
                             (422, "name", "max_length"))
            st, _, p = srv.json("GET", "/api/v1/registrations/12345670/standard", token=False)
            self.assertEqual(st, 404)
            st, _, p = srv.json("GET", "/api/v1/registrations/12345678/standard", token=False)
            self.assertEqual((st, p["rule"]), (400, "check_digit"))
            # the CLI: every registration the standard can express, as one array
            out_path = os.path.join(srv.dir, "standard.json")
            r = run_cli("export", "--db", srv.db, "--format", "standard-json", out_path)
            self.assertEqual(r.returncode, 1, r.stderr.decode())  # some cannot be expressed
            err = r.stderr.decode()
            self.assertIn(long["id"] + ": name is longer than the standard allows", err)
            self.assertIn("cannot be expressed in the publication standard", err)
            with open(out_path) as f:
                entries = json.load(f)
            # the complete demonstration entry (CAS) and ours; not the over-long one
            self.assertEqual(sorted(e["lars"] for e in entries), sorted(["10000016", reg["id"]]))
            self.assertEqual(ajv(entries, srv.dir)["invalid"], [])
            r = run_cli("export", "--db", srv.db, "--format", "standard", "--organization",
                        "gemeente-utrecht")
            lines = [json.loads(l) for l in r.stdout.decode().splitlines()]
            self.assertEqual([e["lars"] for e in lines], [reg["id"]])
            # and back: a fresh register imports the entries, ids kept, and exports the same
            fresh = Server(demo=False)
            fresh.stop()
            r = run_cli("import", "--db", fresh.db, "--format", "standard", out_path)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            self.assertIn("2 created", r.stderr.decode())
            again = os.path.join(fresh.dir, "again.json")
            r = run_cli("export", "--db", fresh.db, "--format", "standard-json", again)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            with open(again) as f:
                back = json.load(f)
            key = lambda e: e["lars"]  # noqa: E731
            self.assertEqual(sorted(back, key=key), sorted(entries, key=key))
            r = run_cli("import", "--db", fresh.db, "--format", "standard", out_path)
            self.assertIn("0 created, 0 updated, 2 unchanged", r.stderr.decode())  # idempotent
            # bad entries are refused one by one, with the reason; the rest is imported
            bad = [dict(entries[0], lars=None), {"name": "X", "bogus": 1, "language": "eng"},
                   dict(entries[0], theme="Verkeer"), dict(entries[0], schema="0.4.0"),
                   dict(COMPLETE_STD, lars="12345670")]
            bad_path = os.path.join(fresh.dir, "bad.json")
            with open(bad_path, "w") as f:
                json.dump(bad, f)
            r = run_cli("import", "--db", fresh.db, "--format", "standard", bad_path)
            err = r.stderr.decode()
            self.assertEqual(r.returncode, 1)
            for want in ("line 1: lars: lars must be a string",
                         "line 2: bogus: bogus is not a field of the publication standard",
                         "line 2: language: language must be nld, not eng",
                         "line 3: theme: theme must be a list of strings",
                         "line 4: schema: schema must be 1.0.0", "1 created", "4 rejected"):
                self.assertIn(want, err)
            # a broken file: one line, nothing imported
            with open(bad_path, "w") as f:
                f.write(json.dumps(entries)[:-40])
            r = run_cli("import", "--db", fresh.db, "--format", "standard", bad_path)
            self.assertEqual(r.returncode, 1)
            self.assertEqual(len(r.stderr.decode().strip().splitlines()), 1, r.stderr)
            self.assertIn("the JSON is broken at line 1", r.stderr.decode())
        finally:
            srv.stop()


COMPLETE_STD = {
    "name": "Parkeerscan", "description_short": "Een scanauto leest kentekens van geparkeerde auto's.",
    "organization": "Gemeente Utrecht", "theme": ["Verkeer"], "status": "In gebruik",
    "start_date": "2022-05", "contact": "algoritmes@utrecht.nl",
    "publication_category": "Overige algoritmes (Categorie C)",
    "purpose_and_impact": "Sneller foutparkeerders vinden.", "considerations": "Minder menskracht.",
    "human_intervention": "Een handhaver beoordeelt.", "risk_management": "Controle achteraf.",
    "impact_assessments": "DPIA", "data": "Kentekens.", "technical_operation": "OCR.",
    "supplier": "Intern ontwikkeld", "language": "nld", "schema": "1.0.0"}


if __name__ == "__main__":
    unittest.main()
