"""The authority's and the police's case pages over HTTP, without JavaScript (issue 10),
under a hypothetical Dutch Art. 5(5) law that allows OBJ_I: an urgent real-time use
started from the request form, the authorisation requested from the case's page, the
request's elements checked rule by rule (with articles) on the authority's page before
it decides, only the named authority seeing it, the refusal, and the deletion confirmed.
A request that breaks rules shows which, and a police page names every rule that
refused a step."""
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, add_account, national_law_config  # noqa: E402
from test_oidc import Browser  # noqa: E402

PW = "Kettle-Orbit-Lantern-58"
NOW = "2026-11-23T10:00:00Z"
RT_REQUEST = {"objective": "OBJ_I", "target": "a missing child, photo of 2026-11-22",
              "limit_time": "6 hours", "limit_area": "Utrecht Centraal",
              "limit_persons": "one person", "harm_if_not_used": "the child's life",
              "rights_impact": "travellers' faces compared, not kept", "fria_ref": "IAMA-2026-4"}


def csrf_of(body):
    return re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()


def checks_of(body):
    """{(field, rule-detail prefix): met} from the page's check table."""
    rows = re.findall(rb'<tr class="utrecht-table__row check-(ok|failed)"><th[^>]*>([^<]+)</th>'
                      rb'<td[^>]*>([^<]+)</td>', body)
    return [(f.decode(), d.decode(), s == b"ok") for s, f, d in rows]


class AuthorityPages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="algoreg-authority-")
        cls.cfg = national_law_config(cls.dir, ["OBJ_I"])
        cls.srv = Server(demo=True, env={"ALGOREG_NOW": NOW},
                         serve_args=("--aiact-config", cls.cfg))
        for name, role, org in (("anna", "registrant", "politie"),
                                ("ada", "authorising_authority", None),
                                ("bert", "authorising_authority", None)):
            add_account(cls.srv.db, name, role, org, PW)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def login(self, who):
        b = Browser()
        st, _, _, _ = b.request("POST", self.srv.base + "/login", {"name": who, "password": PW})
        self.assertEqual(st, 303)
        return b

    def get(self, b, path):
        st, _, body, _ = b.request("GET", self.srv.base + path)
        return st, body

    def post(self, b, path, form, page):
        form = dict(form, csrf=csrf_of(self.get(b, page)[1]))
        st, hd, body, _ = b.request("POST", self.srv.base + path, form)
        return st, hd, body

    def new_case(self, police, form):
        st, _, body = self.post(police, "/cases/new", form, "/cases/new")
        m = re.search(rb'href="/workspace/cases/(\d+)"', body)
        self.assertIsNotNone(m, body[:3000])
        return st, int(m.group(1)), body

    def test_urgent_realtime_use_checked_refused_and_deleted(self):
        police, ada = self.login("anna"), self.login("ada")
        # urgent use starts from the request form (signed in: no token field)
        st, cid, body = self.new_case(police, dict(RT_REQUEST, kind="realtime",
                                                   registration="10000087", authority="ada",
                                                   urgency="the child was taken an hour ago"))
        self.assertEqual(st, 201, body[:2000])
        self.assertIn(b"ACTIVE_URGENT", body)
        # the case's page asks for the authorisation within 24 hours
        st, page = self.get(police, "/workspace/cases/%d" % cid)
        self.assertIn(b'class="police-request"', page)
        self.assertIn(b'data-deadline=', page)  # the 24-hour clock
        st, hd, _ = self.post(police, "/workspace/cases/%d/request" % cid, {"reasons": ""},
                              "/workspace/cases/%d" % cid)
        self.assertEqual((st, hd.get("location")), (303, "/workspace/cases/%d" % cid))
        st, page = self.get(police, "/workspace/cases/%d" % cid)
        self.assertIn(b'class="case-state">URGENT_REQUESTED', page)
        self.assertNotIn(b'class="police-request"', page)
        # the authority named sees each element against its rule before deciding
        self.assertEqual(self.get(self.login("bert"), "/authority/cases/%d" % cid)[0], 404)
        st, page = self.get(ada, "/authority/cases/%d" % cid)
        self.assertEqual(st, 200)
        checks = checks_of(page)
        met = {(f, d.split(" (Art.")[0][:40]): ok for f, d, ok in checks}
        by_field = {}
        for f, d, ok in checks:
            by_field.setdefault(f, []).append((d, ok))
        for field in ("objective", "target", "limit_time", "limit_area", "limit_persons",
                      "weighing", "fria_ref", "deadline"):
            self.assertTrue(all(ok for _, ok in by_field[field]), (field, by_field[field]))
        self.assertTrue(any("Art. 5(5)" in d and ok for d, ok in by_field["objective"]), met)
        self.assertTrue(any("24 hours" in d and "Art. 5(3)" in d for d, _ in by_field["deadline"]))
        eu = [ok for d, ok in by_field["registration"] if "EU database" in d]
        self.assertEqual(eu, [True])  # the demonstration system has its section C entry
        self.assertTrue(any("Annex III point 1(a)" in d and ok
                            for d, ok in by_field["registration"]))
        self.assertEqual([f for f, _, ok in checks if not ok], [])
        self.assertIn(b'<strong class="checks-failed">Aan alle regels is voldaan.', page)
        st, page_en = self.get(ada, "/authority/cases/%d?lang=en" % cid)
        self.assertIn(b"The request checked", page_en)
        # refused: the police must stop and delete
        st, hd, _ = self.post(ada, "/authority/cases/%d/decision" % cid,
                              {"decision": "reject", "reasons": "other means suffice"},
                              "/authority/cases/%d" % cid)
        self.assertEqual(st, 303)
        st, page = self.get(police, "/workspace/cases/%d" % cid)
        self.assertIn(b'class="police-delete"', page)
        st, hd, _ = self.post(police, "/workspace/cases/%d/deletion" % cid,
                              {"data_classes": "camera images", "items_deleted": "12",
                               "executor": "beheer"}, "/workspace/cases/%d" % cid)
        self.assertEqual(st, 303)
        self.assertIn(b'class="case-state">DELETED', self.get(police, "/workspace/cases/%d" % cid)[1])

    def test_a_request_that_breaks_rules_shows_which(self):
        police, ada = self.login("anna"), self.login("ada")
        # OBJ_III without an Annex II offence, no limits: refused at once; the case stays a
        # draft without the refused elements
        st, cid, body = self.new_case(police, {"kind": "realtime", "registration": "10000087",
                                               "authority": "ada", "objective": "OBJ_III",
                                               "target": "someone", "max_penalty_years": "2"})
        self.assertEqual(st, 422)
        st, page = self.get(ada, "/authority/cases/%d" % cid)
        failed = {f for f, _, ok in checks_of(page) if not ok}
        self.assertEqual(failed, {"objective", "target", "limit_time", "limit_area",
                                  "limit_persons", "weighing", "fria_ref"})
        self.assertNotIn(b'class="auth-decide"', page)  # nothing to decide on a draft
        self.assertIn(b'<strong class="checks-failed">7 ', page)
        # the police page names every rule that refused the request
        st, _, page = self.post(police, "/workspace/cases/%d/request" % cid, {},
                                "/workspace/cases/%d" % cid)
        self.assertEqual(st, 422)
        self.assertIn(b'id="case-problems"', page)
        self.assertIn(b"Art. 5(1)(h)", page)
        self.assertIn(b"Art. 5(2)", page)

    def test_post_use_request_needs_reasons_and_ends(self):
        police = self.login("anna")
        st, cid, body = self.new_case(police, {"kind": "post", "registration": "10000087",
                                               "authority": "ada", "link": "offence",
                                               "reference": "ON-2026-11", "target": "one suspect",
                                               "reasons": "a camera still"})
        self.assertEqual(st, 201, body[:2000])
        st, page = self.get(police, "/workspace/cases/%d" % cid)
        self.assertIn(b'class="case-state">REQUESTED', page)
        ada = self.login("ada")
        st, page = self.get(ada, "/authority/cases/%d" % cid)
        rows = checks_of(page)
        self.assertTrue(rows and all(ok for f, _, ok in rows if f in ("link", "reasons")), rows)
        st, hd, _ = self.post(ada, "/authority/cases/%d/decision" % cid,
                              {"decision": "grant", "reasons": "needed",
                               "valid_from": NOW, "valid_until": "2026-11-24T10:00:00Z"},
                              "/authority/cases/%d" % cid)
        self.assertEqual(st, 303)
        st, page = self.get(police, "/workspace/cases/%d" % cid)
        self.assertIn(b'class="case-state">AUTHORISED', page)


if __name__ == "__main__":
    unittest.main()
