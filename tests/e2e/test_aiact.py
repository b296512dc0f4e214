"""The AI Act workflows against real servers: the questionnaire (CLI, API, web form with
back and forth), classifications stored and logged, the demonstration police systems,
the EU export with the Art. 49(4) whitelist and the Art. 26(8) block, real-time and post
remote biometric identification with the national-law gate, authorities, timers moved by
the settable clock, notices and the yearly report, the review-committee track; canaries
prove the request's operational content never reaches a public surface or the log."""
import hashlib
import http.client
import json
import os
import re
import sys
import tempfile
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, SHARED, TOKEN, Server, national_law_config, run_cli  # noqa: E402

AUTH = "auth-token-0123456789abcdef"
SUP = "supervisor-token-0123456789ab"
COMM = "committee-token-0123456789ab"
CHIEF = "chief-token-0123456789abcdef"
OVJ = "ovj-token-0123456789abcdef01"
TOKENS = ",".join(["tester:" + TOKEN, "Rechtbank Den Haag:%s:authorising_authority" % AUTH,
                   "AP:%s:supervisor" % SUP, "Toetsingscommissie:%s:review_committee" % COMM,
                   "Korpschef:%s:police_chief" % CHIEF, "OvJ:%s:prosecutor" % OVJ])
OFFICIAL = os.path.join(SHARED, "data", "ai-verordening-beslishulp", "decision-tree.yaml")
with open(os.path.join(ROOT, "data", "demo", "aiact.json")) as _f:
    DEMO = json.load(_f)
RT_EXCEPTION = "1.1=0 1.2=0 1.3=1 2.1=1 2.3=1 2.4=0 2.5=1 2.6=0 2.7=1 4.1=0"
HIGH_6D_DEPLOYER = "1.1=0 1.2=0 1.3=1 2.1=0 2.2=1 2.3=1 2.4=0 2.5=0 3.1=0 4.1=0"
HIGH_6D_PROVIDER = "1.1=0 1.2=0 1.3=0 2.1=0 2.2=1 2.3=1 2.4=0 2.5=0 3.1=0 4.1=0"
HIGH_5D_PROVIDER = "1.1=0 1.2=0 1.3=0 2.1=1 2.3=1 2.4=0 2.5=0 2.8=7 3.1=1 3.2=0 4.1=0"


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def bearer(t):
    return {"Authorization": "Bearer " + t}


class AiAct(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo=True, env={"ALGOREG_API_TOKENS": TOKENS})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def new_reg(self, status="In gebruik", aiact=None, mark=None):
        mark = mark or uuid.uuid4().hex[:8]
        rec = {"name": "Systeem " + mark, "description_short": "Omschrijving " + mark,
               "organization": "Politie", "status": status, "contact_email": "a@b.nl",
               "publication_category": "Hoog-risico AI-systeem"}
        if aiact:
            rec["aiact"] = aiact
        st, _, b = self.srv.json("POST", "/api/v1/registrations", rec)
        self.assertEqual(st, 201, b)
        return b["id"]

    def classify(self, rid, answers, token=TOKEN):
        return self.srv.json("POST", "/api/v1/registrations/%s/classifications" % rid,
                             {"answers": answers}, headers=bearer(token))

    def log_text(self):
        size = self.srv.json("GET", "/api/v1/log")[2]["size"]
        out = []
        for i in range(size):
            out.append(self.srv.json("GET", "/api/v1/log/entries/%d" % i)[2]["data"])
        return "\n".join(out)

    # ---- command line -------------------------------------------------------------------

    def test_cli_classify(self):
        r = run_cli("classify", "--answers", "1.1=1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"conclusion AR.NOT_AI", r.stdout)
        self.assertIn(b"label scope:not-ai", r.stdout)
        r = run_cli("classify", "--answers", "1.1=0")
        self.assertEqual(r.returncode, 3)
        self.assertIn(b"unanswered 1.2", r.stdout)
        r = run_cli("classify", "--answers", "1.1=zero")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertIn(b"QUESTION=INDEX", r.stderr)
        r = run_cli("classify", "--answers", "1.1=7")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"1.1", r.stderr)
        r = run_cli("classify", "--walk")
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"dead_ends 0", r.stdout)
        r = run_cli("classify", "--json", "--answers", HIGH_6D_DEPLOYER)
        out = json.loads(r.stdout)
        self.assertEqual(out["assessment"]["eu_section"], "secure")
        self.assertTrue(any(o["id"] == "fria" for o in out["assessment"]["obligations"]))
        bad = os.path.join(tempfile.mkdtemp(), "c.json")
        with open(bad, "w") as f:
            json.dump({"text": "x", "dates": {}, "durations": {"urgent_request_hours": 30}}, f)
        r = run_cli("classify", "--config", bad, "--answers", "1.1=1")
        self.assertEqual(r.returncode, 1)
        if os.path.exists(OFFICIAL):
            r = run_cli("classify", "--tree", OFFICIAL, "--walk")
            self.assertIn(b"paths 3140\ndead_ends 0\nconclusions 50\n", r.stdout)
            r = run_cli("classify", "--tree", OFFICIAL, "--answers", "1.1=1")
            self.assertIn(b"conclusion 11.0", r.stdout)

    # ---- API: questionnaire, classifications, demo scenarios ------------------------------

    def test_evaluate(self):
        st, _, b = self.srv.json("POST", "/api/v1/aiact/evaluate", {"answers": {"1.1": 0}},
                                 token=False)
        self.assertEqual(st, 200)
        self.assertEqual(b["run"]["unanswered"], "1.2")
        self.assertNotIn("assessment", b)
        st, _, b = self.srv.json("POST", "/api/v1/aiact/evaluate", {"answers": "1.1=1"},
                                 token=False)
        self.assertEqual(b["assessment"]["scope"], "not_ai")
        for bad in ({"answers": {"1.1": 9}}, {"answers": {"1.1": "x"}}, {"answers": 3}, {}):
            st, hd, b = self.srv.json("POST", "/api/v1/aiact/evaluate", bad, token=False)
            self.assertEqual(st, 422, bad)
            self.assertEqual(hd["Content-Type"], "application/problem+json")
            self.assertEqual(b["errors"][0]["field"], "answers")
        st, _, t = self.srv.json("GET", "/api/v1/aiact/tree", token=False)
        self.assertEqual(t["tree"]["questions"][0]["questionId"], "1.1")
        self.assertEqual(len(t["id"]["sha256"]), 64)
        st, _, c = self.srv.json("GET", "/api/v1/aiact/config", token=False)
        self.assertEqual(c["dates"]["aia.hr_annex_iii"], "2027-12-02")
        self.assertFalse(c["nl_art5_5"]["enabled"])

    def test_demo_police_systems(self):
        for d in DEMO["classifications"]:
            st, _, b = self.srv.json("GET", "/api/v1/registrations/%s/aiact" % d["lars"],
                                     token=False)
            self.assertEqual(st, 200, d)
            self.assertEqual(b["assessment"]["conclusion"], d["expect"], d["why"])
        catch = self.srv.json("GET", "/api/v1/registrations/10000087/aiact", token=False)[2]
        a = catch["assessment"]
        self.assertEqual((a["rbi"], a["eu_section"], a["annex_viii"]), ("post", "secure", ["C"]))
        ids = {o["id"] for o in a["obligations"]}
        self.assertTrue({"post_rbi_authorisation", "two_person_verification", "fria"} <= ids)
        self.assertFalse(catch["use_blocked"])
        risk = self.srv.json("GET", "/api/v1/registrations/10000061/aiact", token=False)[2]
        self.assertTrue(risk["use_blocked"])
        self.assertIn("Art. 26(8)", risk["blocked_by"][0]["detail"])
        cas = self.srv.json("GET", "/api/v1/registrations/10000016/aiact", token=False)[2]
        self.assertEqual([o["id"] for o in cas["assessment"]["obligations"]], ["national_register"])
        page = self.srv.request("GET", "/registrations/10000061", token=False)[2].decode()
        self.assertIn('id="aiact-status"', page)
        self.assertIn("26(8)", page)
        self.assertIn("2027-12-02", page)

    def test_classification_is_stored_with_version_and_logged(self):
        rid = self.new_reg()
        st, _, b = self.classify(rid, {"1.1": 1, "1.2": 0})
        self.assertEqual(st, 201, b)
        self.assertEqual((b["version"], b["conclusion"]), (1, "AR.NOT_AI"))
        self.assertEqual(b["answers"], {"1.1": 1, "1.2": 0})  # as given, stale ones included
        self.assertEqual(b["path"], [{"question": "1.1", "answer": 1}])
        entry = self.srv.json("GET", "/api/v1/log/entries/%d" % b["log_index"])[2]["entry"]
        self.assertEqual((entry["kind"], entry["id"], entry["version"]),
                         ("classification", rid, 1))
        doc = {k: v for k, v in b.items() if k not in ("sha256", "log_index")}
        for o in doc["assessment"]["obligations"]:
            o.pop("in_force")
        self.assertEqual(entry["sha256"], hashlib.sha256(canon(doc)).hexdigest())
        # unanswered: nothing stored
        st, _, p = self.classify(rid, "1.1=0")
        self.assertEqual(st, 422)
        self.assertEqual(p["errors"][0]["rule"], "incomplete")
        st, _, lst = self.srv.json("GET", "/api/v1/registrations/%s/classifications" % rid,
                                   token=False)
        self.assertEqual(len(lst["items"]), 1)
        self.assertEqual(self.classify(rid, "1.1=1", token="wrong-token-000000000000")[0], 401)
        unknown = next(x for x in ("1234567%d" % d for d in range(10))
                       if self.srv.request("GET", "/api/v1/registrations/" + x)[0] == 404)
        self.assertEqual(self.classify(unknown, "1.1=1")[0], 404)

    def test_withheld_registration_keeps_its_classification_private(self):
        mark = uuid.uuid4().hex[:10]
        rec = {"name": "Geheim " + mark, "description_short": "CANARY-D-" + mark,
               "organization": "Politie", "status": "In gebruik", "contact_email": "a@b.nl",
               "publication_category": "Hoog-risico AI-systeem"}
        w = {"ground": "investigation", "justification": "x", "until": "2027-06-01"}
        st, _, b = self.srv.json("POST", "/api/v1/registrations", {"record": rec, "withhold": w})
        self.assertEqual(st, 201, b)
        rid = b["id"]
        self.assertEqual(self.classify(rid, RT_EXCEPTION)[0], 201)
        for p in ("/api/v1/registrations/%s/classifications" % rid,
                  "/api/v1/registrations/%s/aiact" % rid):
            self.assertEqual(self.srv.request("GET", p, token=False)[0], 404, p)
            self.assertEqual(self.srv.request("GET", p)[0], 200, p)
        page = self.srv.request("GET", "/registrations/" + rid, token=False)[2].decode()
        self.assertNotIn("aiact-status", page)
        self.assertNotIn("AR.HIGH_RISK", page)
        self.assertNotIn("rbi:realtime", self.log_text())

    # ---- EU database export and the Art. 26(8) block --------------------------------------

    def test_eu_export_whitelist(self):
        mark = uuid.uuid4().hex[:8]
        annex = {"annex_viii_a": {"provider_name": "Politie", "trade_name": "T-" + mark,
                                  "information_and_logic": "CANARY-A6-" + mark,
                                  "certificate": "CANARY-A8-" + mark, "status": "in_service",
                                  "member_states": ["NL"]},
                 "annex_viii_c": {"deployer_name": "Politie", "fria_summary": "CANARY-C4-" + mark}}
        rid = self.new_reg(aiact=annex)
        p = "/api/v1/registrations/%s/eu-export?section=A" % rid
        st, _, b = self.srv.json("GET", p)
        self.assertEqual((st, b["errors"][0]["rule"]), (422, "required"))  # not classified
        self.assertEqual(self.srv.request("GET", p, token=False)[0], 401)
        self.assertEqual(self.classify(rid, HIGH_6D_PROVIDER)[0], 201)
        st, _, b = self.srv.json("GET", p)
        self.assertEqual(st, 200, b)
        self.assertEqual(b["eu_section"], "secure")
        self.assertEqual(b["fields"]["A4"]["trade_name"], "T-" + mark)
        self.assertEqual(set(b["fields"]), {"A1", "A2", "A3", "A4", "A5", "A7", "A10"})
        self.assertEqual(b["not_transmitted"], ["A6", "A8", "A9", "A11", "A12", "A13"])
        self.assertNotIn("CANARY", json.dumps(b))
        st, _, c = self.srv.json("GET", p.replace("=A", "=C"))
        self.assertEqual(set(c["fields"]), {"C1", "C2", "C3"})
        self.assertNotIn("CANARY", json.dumps(c))
        st, _, e = self.srv.json("GET", p.replace("=A", "=B"))
        self.assertEqual((st, e["errors"][0]["rule"]), (422, "applies"))
        st, _, e = self.srv.json("GET", p.replace("=A", "=Z"))
        self.assertEqual((st, e["errors"][0]["field"]), (422, "section"))
        # the same system used for emergency dispatch (Annex III 5(d)) goes to the public part
        self.assertEqual(self.classify(rid, HIGH_5D_PROVIDER)[0], 201)
        st, _, b = self.srv.json("GET", p)
        self.assertEqual(b["eu_section"], "public")
        self.assertEqual(b["fields"]["A6"]["information_and_logic"], "CANARY-A6-" + mark)
        # recording a submission keeps a copy of exactly what was sent
        st, _, s = self.srv.json("POST", "/api/v1/registrations/%s/eu-submissions" % rid,
                                 {"section": "A", "reference": "EU-" + mark})
        self.assertEqual(st, 201, s)
        st, _, lst = self.srv.json("GET", "/api/v1/registrations/%s/eu-submissions" % rid)
        self.assertEqual(lst["items"][0]["doc"], s["transmitted"])
        st, _, e = self.srv.json("POST", "/api/v1/registrations/%s/eu-submissions" % rid,
                                 {"section": "A"})
        self.assertEqual((st, e["errors"][0]["field"]), (422, "reference"))

    def test_unregistered_high_risk_system_cannot_be_taken_into_use(self):
        rid = self.new_reg(status="In ontwikkeling")
        self.assertEqual(self.classify(rid, HIGH_6D_DEPLOYER)[0], 201)
        rec = self.srv.json("GET", "/api/v1/registrations/" + rid)[2]["record"]
        rec["status"] = "In gebruik"
        st, hd, b = self.srv.json("PUT", "/api/v1/registrations/" + rid, rec)
        self.assertEqual(st, 409, b)
        self.assertEqual(hd["Content-Type"], "application/problem+json")
        self.assertEqual((b["errors"][0]["field"], b["errors"][0]["rule"]),
                         ("status", "eu_registration"))
        self.assertIn("Art. 26(8)", b["errors"][0]["detail"])
        self.assertEqual(self.srv.json("GET", "/api/v1/registrations/" + rid)[2]["version"], 1)
        st, _, s = self.srv.json("POST", "/api/v1/registrations/%s/eu-submissions" % rid,
                                 {"section": "C", "reference": "EU-C-1"})
        self.assertEqual(st, 201, s)
        st, _, b = self.srv.json("PUT", "/api/v1/registrations/" + rid, rec)
        self.assertEqual(st, 200, b)

    # ---- real-time RBI with the default configuration: refused, recorded ------------------

    def test_realtime_request_refused_without_national_law(self):
        rid = self.new_reg()
        self.assertEqual(self.classify(rid, RT_EXCEPTION)[0], 201)
        mark = "CANARY-T-" + uuid.uuid4().hex[:8]
        st, _, c = self.srv.json("POST", "/api/v1/cases", {"kind": "realtime", "registration": rid,
                                                           "authority": "Rechtbank Den Haag"})
        self.assertEqual(st, 201, c)
        req = {"objective": "OBJ_III", "offence": "AII_01", "max_penalty_years": 8,
               "target": mark, "limit_time": "2h", "limit_area": "Centraal Station",
               "limit_persons": "one", "harm_if_not_used": "attack", "rights_impact": "crowd",
               "fria_ref": "IAMA-1"}
        st, hd, p = self.srv.json("POST", "/api/v1/cases/%d/events" % c["id"],
                                  {"event": "submit_request", "data": req})
        self.assertEqual(st, 422)
        self.assertEqual(hd["Content-Type"], "application/problem+json")
        rules = {(e["field"], e["rule"]) for e in p["errors"]}
        self.assertIn(("objective", "national_law"), rules)
        self.assertTrue(any("Art. 5(5)" in e["detail"] for e in p["errors"]))
        st, _, got = self.srv.json("GET", "/api/v1/cases/%d" % c["id"])
        self.assertEqual(got["state"], "DRAFT")
        self.assertEqual(got["events"][-1]["outcome"], "refused")
        # bad input: objective outside the three, offence outside Annex II or below 4 years
        for bad, rule in (({"objective": "OBJ_IV"}, "permitted_values"),
                          ({"offence": "AII_99"}, "annex_ii"),
                          ({"max_penalty_years": 3}, "minimum"),
                          ({"objetive": "OBJ_I"}, "unknown_field"),
                          ({"target": ["a"]}, "type")):
            d = dict(req, **bad)
            st, _, p = self.srv.json("POST", "/api/v1/cases/%d/events" % c["id"],
                                     {"event": "submit_request", "data": d})
            self.assertEqual(st, 422)
            self.assertIn(rule, {e["rule"] for e in p["errors"]}, bad)
        # the web form says why, next to the fields, and never echoes the token
        form = {"kind": "realtime", "registration": rid, "authority": "Rechtbank Den Haag",
                "objective": "OBJ_II", "target": mark, "token": TOKEN}
        st, _, page = self.srv.request(
            "POST", "/cases/new", raw=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"}, token=False)
        page = page.decode()
        self.assertEqual(st, 422)
        self.assertIn('id="case-errors"', page)
        self.assertIn("Art. 5(5)", page)
        self.assertIn('aria-invalid="true"', page)
        self.assertNotIn(TOKEN, page)
        # counted in the yearly report; no operational content anywhere public
        st, _, rep = self.srv.json("GET", "/api/v1/reports/rbi?year=2026", token=False)
        rt = [a for a in rep["authorities"] if a["authority"] == "Rechtbank Den Haag"][0]["realtime"]
        self.assertGreaterEqual(rt["requests"], 5)
        self.assertGreaterEqual(rt["refused_on_the_rules"], 5)
        st, hd, csv = self.srv.request("GET", "/api/v1/reports/rbi?year=2026&format=csv",
                                       token=False)
        self.assertTrue(hd["Content-Type"].startswith("text/csv"))
        self.assertTrue(csv.startswith(b"authority,kind,measure,count\r\n"))
        html = self.srv.request("GET", "/reports/rbi?year=2026", token=False)[2].decode()
        self.assertIn("Rechtbank Den Haag", html)
        for surface in (json.dumps(rep), csv.decode(), html, self.log_text()):
            self.assertNotIn(mark, surface)
        self.assertEqual(self.srv.request("GET", "/api/v1/reports/rbi?year=1999",
                                          token=False)[0], 400)
        # cases are not public
        self.assertEqual(self.srv.request("GET", "/api/v1/cases", token=False)[0], 401)

    def test_review_committee_track(self):
        st, _, c = self.srv.json("POST", "/api/v1/cases", {"kind": "review",
                                                           "registration": "10000087"})
        self.assertEqual(st, 201, c)
        path = "/api/v1/cases/%d/events" % c["id"]
        plan = {"plan": {"technology": "t", "circumstances": "c", "follow_up": "f"}}
        self.assertEqual(self.srv.json("POST", path, {"event": "apply", "data": plan})[0], 200)
        acc = {"independence_declaration": True, "composition": ["chair", "expert"]}
        st, _, p = self.srv.json("POST", path, {"event": "committee_accepts", "data": acc})
        self.assertEqual((st, p["errors"][0]["rule"]), (422, "review_track"))
        st, _, b = self.srv.json("POST", path, {"event": "committee_accepts", "data": acc},
                                 headers=bearer(COMM))
        self.assertEqual((st, b["state"]), (200, "IN_REVIEW"))
        oordeel = {"outcome": "positive",
                   "factors": [{"factor": str(i), "assessment": "ok"} for i in range(10)],
                   "preconditions": {k: "ok" for k in (
                       "reporting_and_review", "system_conditions", "human_control",
                       "privacy_and_data", "transparency_and_accountability")}}
        self.assertEqual(self.srv.json("POST", path, {"event": "oordeel", "data": oordeel},
                                       headers=bearer(COMM))[2]["state"], "POSITIVE")
        st, _, p = self.srv.json("POST", path, {"event": "go"}, headers=bearer(OVJ))
        self.assertEqual((st, p["errors"][0]["rule"]), (422, "transition"))
        self.assertEqual(self.srv.json("POST", path, {"event": "ratify"},
                                       headers=bearer(CHIEF))[2]["state"], "RATIFIED")
        self.assertEqual(self.srv.json("POST", path, {"event": "go"},
                                       headers=bearer(OVJ))[2]["state"], "DEPLOYABLE")
        # the committee sees review cases, not RBI uses
        lst = self.srv.json("GET", "/api/v1/cases", headers=bearer(COMM))[2]["items"]
        self.assertTrue(lst and all(x["kind"] == "review" for x in lst))

    # ---- the questionnaire in the browser's shape (no JavaScript) ----------------------------

    def test_questionnaire_back_and_forth_and_save(self):
        rid = self.new_reg()
        q = lambda **kw: self.srv.request("GET", "/classify?" + urllib.parse.urlencode(kw),
                                          token=False)
        st, _, p = q(reg=rid)
        self.assertIn(b"Vraag 1", p)
        st, _, p = q(reg=rid, a="", step=0, nav="next", pick=0)
        self.assertIn(b"Vraag 2", p)
        self.assertIn(b'name="a" value="1.1=0"', p)
        st, _, p = q(reg=rid, a="1.1=0", step=1, nav="back")
        self.assertIn(b"Vraag 1", p)
        self.assertRegex(p.decode(), r'id="pick-0" value="0" checked')
        st, _, p = q(reg=rid, a="1.1=0", step=1, nav="next")  # no answer chosen
        self.assertEqual(st, 422)
        self.assertIn(b'id="cls-error"', p)
        answers = HIGH_6D_DEPLOYER
        st, _, p = q(reg=rid, a=answers, step=10)
        page = p.decode()
        self.assertIn('id="result-h"', page)
        self.assertIn("Art. 27", page)
        self.assertIn("2027-12-02", page)
        form = {"a": answers, "reg": rid, "token": "not-the-token-000000000"}
        enc = {"Content-Type": "application/x-www-form-urlencoded"}
        st, _, p = self.srv.request("POST", "/classify", raw=urllib.parse.urlencode(form).encode(),
                                    headers=enc, token=False)
        self.assertEqual(st, 401)
        self.assertIn(b'id="cls-error"', p)
        self.assertNotIn(b"not-the-token", p)
        form["token"] = TOKEN
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
        conn.request("POST", "/classify", body=urllib.parse.urlencode(form), headers=enc)
        resp = conn.getresponse()
        resp.read()
        conn.close()
        self.assertEqual(resp.status, 303)  # urllib would follow it
        self.assertEqual(resp.getheader("Location"), "/registrations/%s#aiact-status" % rid)
        page = self.srv.request("GET", "/registrations/" + rid, token=False)[2].decode()
        self.assertIn("Hoog risico", page)


class RealtimeWithNationalLaw(unittest.TestCase):
    """A hypothetical Dutch Art. 5(5) law allowing OBJ_II: the full authorisation path,
    notices, and the 24-hour urgency deadline moved by the clock, across restarts."""

    T0 = "2026-11-23T10:00:00Z"

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="algoreg-aiact-")
        cls.cfg = national_law_config(cls.dir, ["OBJ_II"])
        cls.env = {"ALGOREG_API_TOKENS": TOKENS, "ALGOREG_NOW": cls.T0}
        cls.srv = Server(demo=True, env=cls.env, serve_args=("--aiact-config", cls.cfg))

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_authorised_use_and_urgent_breach(self):
        s = self.srv
        st, _, b = s.json("POST", "/api/v1/registrations", {
            "name": "Live camera", "description_short": "d", "organization": "Politie",
            "status": "In gebruik", "contact_email": "a@b.nl",
            "publication_category": "Hoog-risico AI-systeem"})
        rid = b["id"]
        st, _, cl = s.json("POST", "/api/v1/registrations/%s/classifications" % rid,
                           {"answers": RT_EXCEPTION})
        self.assertNotIn("R-5.5-NL", json.dumps(cl["assessment"]["flags"]))
        mark = "CANARY-T-" + uuid.uuid4().hex[:8]
        req = {"objective": "OBJ_II", "target": mark, "limit_time": "2h", "limit_area": "Dam",
               "limit_persons": "one", "harm_if_not_used": "bomb threat", "rights_impact": "crowd",
               "fria_ref": "IAMA-1"}
        c = s.json("POST", "/api/v1/cases", {"kind": "realtime", "registration": rid,
                                             "authority": "Rechtbank Den Haag"})[2]
        ev = "/api/v1/cases/%d/events" % c["id"]
        self.assertEqual(s.json("POST", ev, {"event": "submit_request", "data": req})[2]["state"],
                         "REQUESTED")
        grant = {"valid_from": self.T0, "valid_until": "2026-11-23T12:00:00Z"}
        st, _, p = s.json("POST", ev, {"event": "grant", "data": grant})
        self.assertEqual((st, p["errors"][0]["rule"]), (422, "authority"))
        # the authority sees only what is addressed to it, and decides
        self.assertEqual([x["id"] for x in s.json("GET", "/api/v1/cases",
                                                  headers=bearer(AUTH))[2]["items"]], [c["id"]])
        st, _, b = s.json("POST", ev, {"event": "grant", "data": {"valid_from": self.T0}},
                          headers=bearer(AUTH))
        self.assertEqual(st, 422)
        self.assertEqual(s.json("POST", ev, {"event": "grant", "data": grant},
                                headers=bearer(AUTH))[2]["state"], "AUTHORISED")
        st, _, p = s.json("POST", ev, {"event": "start"})
        self.assertEqual((st, p["errors"][0]["rule"]), (422, "eu_database"))
        s.json("POST", "/api/v1/registrations/%s/eu-submissions" % rid,
               {"section": "C", "reference": "EU-S-1"})
        self.assertEqual(s.json("POST", ev, {"event": "start"})[2]["state"], "ACTIVE")
        st, _, p = s.json("POST", ev, {"event": "match", "data": {
            "verifiers": ["A"], "reference_database": "db"}})
        self.assertEqual((st, p["errors"][0]["rule"]), (422, "two_persons"))
        notices = s.json("GET", "/api/v1/notices", headers=bearer(SUP))[2]["items"]
        mine = [n for n in notices if n["case_id"] == c["id"]]
        self.assertEqual(sorted(n["recipient"] for n in mine), ["dpa", "msa"])
        self.assertNotIn(mark, json.dumps(notices))
        self.assertEqual(s.request("GET", "/api/v1/notices")[0], 403)
        # urgent use without a request: at 24h01m the timer stops it as a breach
        u = s.json("POST", "/api/v1/cases", {"kind": "realtime", "registration": rid,
                                             "authority": "Rechtbank Den Haag"})[2]
        d = dict(req, urgency="imminent")
        self.assertEqual(s.json("POST", "/api/v1/cases/%d/events" % u["id"],
                                {"event": "start_urgent", "data": d})[2]["state"], "ACTIVE_URGENT")
        s.stop()
        try:
            r = run_cli("tick", "--db", s.db, "--aiact-config", self.cfg,
                        env={"ALGOREG_NOW": "2026-11-24T09:59:00Z"})
            self.assertIn(b"cases moved 1", r.stdout)  # the first use's window ended; 23h59m
            r = run_cli("tick", "--db", s.db, "--aiact-config", self.cfg,
                        env={"ALGOREG_NOW": "2026-11-24T10:01:00Z"})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(b"cases moved 1", r.stdout)  # 24h01m: the breach
        finally:
            type(self).srv = Server(db=s.db, env=dict(self.env, ALGOREG_NOW="2026-11-24T10:02:00Z"),
                                    serve_args=("--aiact-config", self.cfg))
        got = self.srv.json("GET", "/api/v1/cases/%d" % u["id"])[2]
        self.assertEqual(got["state"], "STOPPED_BREACH")
        self.assertEqual(got["flags"][0]["flag"], "breach")
        self.assertEqual(self.srv.json("GET", "/api/v1/cases/%d" % c["id"])[2]["state"], "ENDED")
        rep = self.srv.json("GET", "/api/v1/reports/rbi?year=2026")[2]
        rt = [a for a in rep["authorities"] if a["authority"] == "Rechtbank Den Haag"][0]["realtime"]
        self.assertEqual((rt["granted"], rt["breaches"], rt["urgent_uses"]), (1, 1, 1))
        log = "\n".join(self.srv.json("GET", "/api/v1/log/entries/%d" % i)[2]["data"]
                        for i in range(self.srv.json("GET", "/api/v1/log")[2]["size"]))
        self.assertNotIn(mark, log)
        self.assertIn('"event":"timer"', log)


if __name__ == "__main__":
    unittest.main()
