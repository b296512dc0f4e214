"""The law-enforcement exception against a real server: withholding a registration or
some fields, what the public sees (never the content, justification or case reference:
canary strings are searched for on every public surface), timed publication driven by
the settable clock, the reveal that anyone can check against the log, extensions and
the supervisor's decision, statistics, and every refused request."""
import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_cli  # noqa: E402

SUPERVISOR = "supervisor-token-0123456789abcdef"


def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Exception_(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo=True, env={"ALGOREG_API_TOKENS":
                                         "tester:test-token-0123456789abcdef,"
                                         "ap:" + SUPERVISOR + ":supervisor"})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def withhold(self, fields=None, until="2027-03-01", **over):
        mark = uuid.uuid4().hex[:10]
        rec = {"name": "Zaakssysteem " + mark, "description_short": "Omschrijving CANARY-D-" + mark,
               "organization": "Politie", "status": "In gebruik", "contact_email": "a@b.nl",
               "publication_category": "Hoog-risico AI-systeem",
               "goal": "<p>Doel CANARY-G-%s</p>" % mark,
               "methods_and_models": "Werking CANARY-M-" + mark}
        w = {"ground": "investigation", "justification": "Omdat CANARY-J-" + mark,
             "case_reference": "CANARY-C-" + mark, "until": until}
        if fields:
            w["fields"] = fields
        w.update(over)
        st, _, b = self.srv.json("POST", "/api/v1/registrations", {"record": rec, "withhold": w})
        return st, b, mark

    def public_surfaces(self, rid):
        """Every public response that could mention the registration."""
        paths = ["/api/v1/registrations/" + rid, "/registrations/" + rid,
                 "/registrations/%s/history" % rid, "/api/v1/registrations/%s/versions" % rid,
                 "/api/v1/registrations/%s/withholding" % rid, "/api/v1/statistics/withholding",
                 "/api/v1/registrations?q=Zaakssysteem&per_page=100", "/?q=Zaakssysteem",
                 "/api/v1/registrations?q=CANARY", "/?q=CANARY", "/organisations/politie",
                 "/checkpoint", "/api/v1/log"]
        size = self.srv.json("GET", "/api/v1/log")[2]["size"]
        paths += ["/api/v1/log/entries/%d" % i for i in range(size)]
        w = min(size, 256)
        paths.append("/tile/entries/000" + ("" if w == 256 else ".p/%d" % w))
        out = []
        for p in paths:
            st, hd, body = self.srv.request("GET", p, token=False)
            out.append((p, body))
        out.append(("export", run_cli("export", "--db", self.srv.db).stdout))
        return out

    def assert_no_canary(self, rid, marks):
        for path, body in self.public_surfaces(rid):
            for m in marks:
                self.assertNotIn(m.encode(), body, "%s leaks %s" % (path, m))

    def test_whole_registration_is_withheld_then_published_and_checkable(self):
        st, b, mark = self.withhold()
        self.assertEqual(st, 201, b)
        rid = b["id"]
        rec = b["record"]
        self.assertEqual(set(rec), {"lars", "organization", "publication_category", "lang",
                                    "standard_version"})
        w = b["withholding"]
        self.assertEqual((w["state"], w["scope"], w["ground"], w["until"], w["extensions"]),
                         ("withheld", "all", "investigation", "2027-03-01", 0))
        self.assertIn("goal", w["fields"])
        commitment = w["commitments"][0]["commitment"]
        leaf = self.srv.json("GET", "/api/v1/log/entries/%d" % w["commitments"][0]["log_index"])[2]
        self.assertEqual(leaf["entry"]["withheld"]["commitment"], commitment)
        self.assert_no_canary(rid, ["CANARY-%s-%s" % (k, mark) for k in "DGMJC"] + ["Zaakssysteem " + mark])
        # a withheld registration is not edited in place, through the API or an import
        full = {"name": "Anders", "description_short": "x", "organization": "Politie",
                "status": "In gebruik", "contact_email": "a@b.nl",
                "publication_category": "Hoog-risico AI-systeem"}
        st, _, pb = self.srv.json("PUT", "/api/v1/registrations/" + rid, full)
        self.assertEqual((st, pb["rule"]), (409, "withheld"))
        r = run_cli("import", "--db", self.srv.db, "-",
                    stdin=(json.dumps(dict(full, lars=rid)) + "\n").encode())
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"withheld", r.stderr)
        st, _, got = self.srv.json("GET", "/api/v1/registrations/" + rid)
        self.assertNotIn("name", got["record"])
        # its empty status is no filter value
        st, _, res = self.srv.json("GET", "/api/v1/registrations?per_page=1")
        self.assertNotIn("", [f["value"] for f in res["facets"]["status"]])
        # the day before the end date nothing happens; on it, it is published
        env = {"ALGOREG_NOW": "2027-02-28T23:59:59Z"}
        r = run_cli("tick", "--db", self.srv.db, env=env)
        self.assertEqual(r.stdout.splitlines()[0], b"published 0")
        r = run_cli("tick", "--db", self.srv.db, env={"ALGOREG_NOW": "2027-03-01T00:00:00Z"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(r.stdout.splitlines()[0], b"published 0")
        st, _, got = self.srv.json("GET", "/api/v1/registrations/" + rid)
        self.assertEqual(got["record"]["name"], "Zaakssysteem " + mark)
        self.assertEqual(got["withholding"]["state"], "published")
        # the reveal: anyone recomputes the commitment from salt and content
        e = self.srv.json("GET", "/api/v1/log/entries/%d" % got["log"]["index"])[2]["entry"]
        self.assertEqual(e["kind"], "publication")
        rv = e["revealed"][0]
        self.assertEqual(hashlib.sha256(base64.b64decode(rv["salt"]) + canonical(rv["content"])).hexdigest(),
                         commitment)
        self.assertEqual(len(base64.b64decode(rv["salt"])), 32)
        self.assertIn("CANARY-G-" + mark, rv["content"]["goal"])
        # anyone can check the reveal through the API too; a wrong salt is named
        chk = {"commitment": commitment, "salt": rv["salt"], "content": rv["content"]}
        self.assertEqual(self.srv.json("POST", "/api/v1/log/commitments/check", chk, token=False)[0], 200)
        bad_salt = base64.b64encode(b"\x01" * 32).decode()
        st, _, pb = self.srv.json("POST", "/api/v1/log/commitments/check",
                                  dict(chk, salt=bad_salt), token=False)
        self.assertEqual((st, pb["field"], pb["rule"]), (422, "salt", "commitment_mismatch"))
        altered = dict(rv["content"], goal="<p>anders</p>")
        st, _, pb = self.srv.json("POST", "/api/v1/log/commitments/check",
                                  dict(chk, content=altered), token=False)
        self.assertEqual(pb["rule"], "commitment_mismatch")
        # justification and case reference stay sealed forever
        self.assert_no_canary(rid, ["CANARY-J-" + mark, "CANARY-C-" + mark])
        # what is public stays public: no new withholding, no second publication
        st, _, pb = self.srv.json("POST", "/api/v1/registrations/%s/withholding/close" % rid)
        self.assertEqual((st, pb["rule"]), (409, "published"))
        st, _, pb = self.srv.json("POST", "/api/v1/registrations/%s/withholding/extensions" % rid,
                                  {"until": "2027-06-01", "reason": "x"})
        self.assertEqual(st, 409)

    def test_fields_only_and_closing_early(self):
        st, b, mark = self.withhold(fields=["goal", "methods_and_models"])
        self.assertEqual(st, 201, b)
        rid = b["id"]
        self.assertEqual(b["record"]["name"], "Zaakssysteem " + mark)  # the rest is public at once
        self.assertNotIn("goal", b["record"])
        self.assertIn("Zaakssysteem " + mark, self.srv.request("GET", "/registrations/" + rid)[2].decode())
        self.assert_no_canary(rid, ["CANARY-G-" + mark, "CANARY-M-" + mark, "CANARY-J-" + mark,
                                    "CANARY-C-" + mark])
        st, _, w = self.srv.json("POST", "/api/v1/registrations/%s/withholding/close" % rid)
        self.assertEqual((st, w["state"]), (200, "published"))
        st, _, got = self.srv.json("GET", "/api/v1/registrations/" + rid)
        self.assertIn("CANARY-M-" + mark, got["record"]["methods_and_models"])

    def test_extension_needs_a_supervisor(self):
        st, b, mark = self.withhold(fields=["goal"])
        rid = b["id"]
        base = "/api/v1/registrations/%s/withholding" % rid
        st, _, pb = self.srv.json("POST", base + "/extensions", {"until": "2027-06-01"})
        self.assertEqual((st, pb["field"]), (422, "reason"))
        st, _, pb = self.srv.json("POST", base + "/extensions",
                                  {"until": "2028-12-01", "reason": "andere onderzoeken"})
        self.assertEqual((st, pb["rule"]), (422, "maximum"))
        self.srv.json("GET", "/api/v1/registrations/" + rid)  # fill the response cache
        self.srv.request("GET", "/registrations/" + rid)
        st, _, ext = self.srv.json("POST", base + "/extensions",
                                   {"until": "2027-06-01", "reason": "Hindert onderzoek CANARY-R-" + mark})
        self.assertEqual(st, 201, ext)
        st, _, pb = self.srv.json("POST", base + "/extensions",
                                  {"until": "2027-05-01", "reason": "nog een"})
        self.assertEqual((st, pb["rule"]), (422, "pending"))
        # a registrant's token cannot decide
        st, _, pb = self.srv.json("POST", "%s/extensions/%d/decision" % (base, ext["id"]),
                                  {"grant": True, "reason": "ok"})
        self.assertEqual(st, 403)
        st, _, w = self.srv.json("POST", "%s/extensions/%d/decision" % (base, ext["id"]),
                                 {"grant": True, "reason": "Toegestaan CANARY-S-" + mark},
                                 headers={"Authorization": "Bearer " + SUPERVISOR})
        self.assertEqual(st, 200, w)
        self.assertEqual((w["until"], w["extensions"]), ("2027-06-01", 1))
        # cached pages follow the decision at once
        got = self.srv.json("GET", "/api/v1/registrations/" + rid)[2]["withholding"]
        self.assertEqual((got["until"], got["extensions"]), ("2027-06-01", 1))
        self.assertIn("2027-06-01", self.srv.request("GET", "/registrations/" + rid)[2].decode())
        self.assertEqual(w["extension_requests"][0]["state"], "granted")
        st, _, pb = self.srv.json("POST", "%s/extensions/%d/decision" % (base, ext["id"]),
                                  {"grant": False, "reason": "nee"},
                                  headers={"Authorization": "Bearer " + SUPERVISOR})
        self.assertEqual(st, 422)
        # the supervisor reads what is sealed; nobody else does
        st, _, sealed = self.srv.json("GET", base + "/sealed",
                                      headers={"Authorization": "Bearer " + SUPERVISOR})
        self.assertEqual(st, 200)
        self.assertIn("CANARY-G-" + mark, sealed["versions"][0]["content"]["goal"])
        self.assertEqual(sealed["justification"], "Omdat CANARY-J-" + mark)
        self.assertEqual(self.srv.json("GET", base + "/sealed")[0], 403)
        self.assertEqual(self.srv.json("GET", base + "/sealed", token=False)[0], 401)
        self.assert_no_canary(rid, ["CANARY-R-" + mark, "CANARY-S-" + mark, "CANARY-G-" + mark])
        # the old end date passes: still withheld; the new one: published
        r = run_cli("tick", "--db", self.srv.db, env={"ALGOREG_NOW": "2027-03-15T00:00:00Z"})
        self.assertEqual(self.srv.json("GET", base)[2]["state"], "withheld")
        run_cli("tick", "--db", self.srv.db, env={"ALGOREG_NOW": "2027-06-01T00:00:00Z"})
        self.assertEqual(self.srv.json("GET", base)[2]["state"], "published")

    def test_refused_requests_change_nothing(self):
        before = self.srv.json("GET", "/api/v1/log")[2]["size"]
        cases = [({"ground": "national security"}, "withhold.ground", "permitted_values"),
                 ({"justification": ""}, "withhold.justification", "required"),
                 ({"until": "2030-01-01"}, "withhold.until", "maximum"),
                 ({"until": "2020-01-01"}, "withhold.until", "future"),
                 ({"until": "1-3-2027"}, "withhold.until", "format"),
                 ({"fields": ["organization"]}, "withhold.fields", "permitted_values"),
                 ({"fields": ["website"]}, "withhold.fields", "empty"),
                 ({"colour": "red"}, "withhold", "unknown_field")]
        for over, field, rule in cases:
            st, b, mark = self.withhold(**over)
            self.assertEqual(st, 422, (over, b))
            self.assertNotIn("CANARY", json.dumps(b), "an error message leaks the content")
            self.assertIn((field, rule), [(e["field"], e["rule"]) for e in b["errors"]], over)
            if field == "withhold.ground":
                self.assertIn("prevention", b["detail"] + json.dumps(b["errors"]))
        self.assertEqual(self.srv.json("GET", "/api/v1/log")[2]["size"], before)
        st, _, pb = self.srv.json("POST", "/api/v1/registrations/10000016/withholding/close")
        self.assertEqual(st, 404)
        # a public registration can never be withheld afterwards
        st, _, pb = self.srv.json("POST", "/api/v1/registrations/10000016/withholding",
                                  {"ground": "investigation", "justification": "j",
                                   "until": "2027-01-01", "fields": ["goal"]})
        self.assertEqual((st, pb["rule"]), (409, "already_public"))
        # an extension after the end date is refused
        st, b, mark = self.withhold(fields=["goal"], until="2026-12-01")
        rid = b["id"]
        r = run_cli("tick", "--db", self.srv.db, env={"ALGOREG_NOW": "2026-11-30T00:00:00Z"})
        st, _, pb = self.srv.json("POST", "/api/v1/registrations/%s/withholding/extensions" % rid,
                                  {"until": "2027-01-01", "reason": "r"},)
        self.assertEqual(st, 201)  # in time (the server's clock is today)

    def test_statistics_and_scheduler(self):
        st, b, mark = self.withhold(until="2027-01-10")
        stats = self.srv.json("GET", "/api/v1/statistics/withholding")[2]
        self.assertGreaterEqual(stats["withheld_now"], 1)
        self.assertEqual(stats["past_end_date"], 0)
        self.assertIn("investigation", [g["ground"] for g in stats["by_ground"]])
        rid = b["id"]
        # a second server on the same database, whose clock is past the end date,
        # publishes by its own scheduler, without anyone calling tick
        later = Server(db=self.srv.db, env={"ALGOREG_NOW": "2027-01-10T00:00:01Z",
                                            "ALGOREG_API_TOKENS": "t:test-token-0123456789abcdef"})
        try:
            state = None
            for _ in range(100):
                state = later.json("GET", "/api/v1/registrations/%s/withholding" % rid)[2]["state"]
                if state == "published":
                    break
                time.sleep(0.1)  # waits for the scheduler thread, not for a deadline
            self.assertEqual(state, "published")
            stats = later.json("GET", "/api/v1/statistics/withholding")[2]
            self.assertEqual(stats["past_end_date"], 0)
            grp = [g for g in stats["by_organization"] if g["organization"] == "politie"][0]
            self.assertGreaterEqual(grp["published"], 1)
            self.assertGreaterEqual(grp["longest_days"], 40)
        finally:
            later.stop()


if __name__ == "__main__":
    unittest.main()
