"""The facial-recognition review track in the workspace (issue 10), over HTTP without
JavaScript: the review committee accepts the demonstration application and gives its
opinion (refused while a weighing factor is missing), the police chief ratifies, the
public prosecutor decides go; each role sees only its own step, and a step taken by the
wrong role is refused with the rule."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, add_account  # noqa: E402
from test_oidc import Browser  # noqa: E402

PW = "Kettle-Orbit-Lantern-58"


def csrf_of(body):
    return re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()


def state_of(body):
    return re.search(rb'case-state">([^<]+)<', body).group(1).decode()


class Review(unittest.TestCase):
    def test_the_whole_track(self):
        srv = Server(demo=True)
        try:
            add_account(srv.db, "korpschef", "police_chief", None, PW)
            add_account(srv.db, "ovj", "prosecutor", None, PW)
            add_account(srv.db, "commissie", "review_committee", None, PW)

            def login(who):
                b = Browser()
                st, _, _, _ = b.request("POST", srv.base + "/login", {"name": who, "password": PW})
                self.assertEqual(st, 303)
                return b

            com = login("commissie")
            st, _, body, _ = com.request("GET", srv.base + "/review")
            self.assertEqual(st, 200)
            case = re.search(rb'class="utrecht-unordered-list rev-mine".*?href="(/review/cases/\d+)',
                             body, re.S).group(1).decode()
            st, _, body, _ = com.request("GET", srv.base + case)
            self.assertEqual(state_of(body), "SUBMITTED")
            self.assertIn(b'value="committee_accepts"', body)
            self.assertNotIn(b'value="ratify"', body)
            csrf = csrf_of(body)
            st, hd, _, _ = com.request("POST", srv.base + case, {
                "csrf": csrf, "event": "committee_accepts", "independence_declaration": "yes",
                "composition": "voorzitter, jurist, technicus"})
            self.assertEqual(st, 303)
            st, _, body, _ = com.request("GET", srv.base + case)
            self.assertEqual(state_of(body), "IN_REVIEW")
            form = {"csrf": csrf, "event": "oordeel", "outcome": "positive"}
            for i in range(1, 10):  # nine of the ten factors
                form["factor_%d" % i] = "afgewogen"
            for g in ("reporting_and_review", "system_conditions", "human_control",
                      "privacy_and_data", "transparency_and_accountability"):
                form[g] = "voldaan"
            st, _, body, _ = com.request("POST", srv.base + case, form)
            self.assertEqual(st, 422)
            self.assertIn(b"ten weighing factors", body)
            self.assertIn(b'value="afgewogen"', body)  # what was typed stays
            form["factor_10"] = "afgewogen"
            st, _, _, _ = com.request("POST", srv.base + case, form)
            self.assertEqual(st, 303)
            # the committee does not ratify
            st, _, body, _ = com.request("POST", srv.base + case,
                                         {"csrf": csrf, "event": "ratify", "reasons": "x"})
            self.assertEqual(st, 422)
            self.assertIn(b"police_chief", body)
            chief = login("korpschef")
            st, _, body, _ = chief.request("GET", srv.base + case)
            self.assertEqual(state_of(body), "POSITIVE")
            self.assertIn(b'value="ratify"', body)
            st, _, _, _ = chief.request("POST", srv.base + case, {
                "csrf": csrf_of(body), "event": "ratify", "reasons": "het oordeel is zorgvuldig"})
            self.assertEqual(st, 303)
            ovj = login("ovj")
            st, _, body, _ = ovj.request("GET", srv.base + "/review")
            self.assertIn(case.encode(), body.split(b"rev-mine")[1].split(b"</ul>")[0])
            st, _, body, _ = ovj.request("GET", srv.base + case)
            st, _, _, _ = ovj.request("POST", srv.base + case, {
                "csrf": csrf_of(body), "event": "go", "reasons": "inzet bij de overval"})
            self.assertEqual(st, 303)
            st, _, body, _ = ovj.request("GET", srv.base + case)
            self.assertEqual(state_of(body), "DEPLOYABLE")
            self.assertIn(b"go (prosecutor", body)
            # a registrant has no review pages
            red = Browser()
            with open(srv.files + ".accounts") as f:
                acc = {l.split("\t")[0]: l.split("\t")[2]
                       for l in f if l.strip() and not l.startswith("#")}
            red.request("POST", srv.base + "/login",
                        {"name": "redacteur", "password": acc["redacteur"]})
            self.assertEqual(red.request("GET", srv.base + "/review")[0], 403)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
