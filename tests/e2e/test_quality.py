"""Register quality against real servers: similar entries, completeness and plain language
(stored and draft), link monitoring against link targets this test serves on loopback
(fine, gone, refusing HEAD, hanging), error reports with the form token and limits moved
by the settable clock, answers, per-organisation quality, and the dashboards."""
import http.server
import json
import os
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TOKEN, Server, run_cli  # noqa: E402

T0 = "2026-11-23T10:00:00Z"


class Targets(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, body):
        if self.path.startswith("/ok"):
            self.send_response(200)
        elif self.path.startswith("/nohead"):
            self.send_response(405 if self.command == "HEAD" else 200)
        elif self.path.startswith("/slow"):
            time.sleep(3)  # a link target that hangs past the checker's timeout
            self.send_response(200)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")

    def do_HEAD(self):
        self.answer(False)

    def do_GET(self):
        self.answer(True)


def record(name, **kw):
    r = {"name": name, "description_short": "Korte omschrijving van " + name,
         "organization": kw.pop("organization", "Politie"), "status": "In gebruik",
         "contact_email": "a@b.nl", "publication_category": "Impactvolle algoritmes"}
    r.update(kw)
    return r


class Quality(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Targets)
        cls.target = "http://127.0.0.1:%d" % cls.httpd.server_address[1]
        threading.Thread(target=cls.httpd.serve_forever, daemon=True).start()
        cls.srv = Server(demo=True, env={"ALGOREG_NOW": T0})

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.httpd.shutdown()

    def test_similar_entries_and_quality(self):
        st, _, sim = self.srv.json("GET", "/api/v1/registrations/10000061/similar", token=False)
        self.assertEqual(st, 200)
        self.assertEqual(sim["items"][0]["id"], "10000074")  # the OM's reoffending risk
        self.assertTrue(all(i["organization"]["slug"] != "politie" for i in sim["items"]))
        st, _, sim = self.srv.json("GET", "/api/v1/registrations/10000061/similar?same_org=1&limit=3",
                                   token=False)
        self.assertLessEqual(len(sim["items"]), 3)
        self.assertEqual(self.srv.request("GET", "/api/v1/registrations/10000061/similar?limit=0",
                                          token=False)[0], 400)
        st, _, q = self.srv.json("GET", "/api/v1/registrations/10000061/quality", token=False)
        self.assertTrue(0 <= q["score"] <= 100)
        self.assertIn("impacttoetsen", {m["field"] for m in q["missing"]})
        # an editor checks a draft while writing: nothing is stored
        draft = record("Concept", goal="<p>Teneinde de besluitvorming te faciliteren wordt"
                                       " middels dit systeem een advies gegeven.</p>")
        st, _, q = self.srv.json("POST", "/api/v1/quality/check", draft, token=False)
        self.assertEqual(st, 200)
        goal = [p for p in q["plain_language"] if p["field"] == "goal"][0]
        self.assertIn("middels", {j["word"] for j in goal["jargon"]})
        self.assertEqual(goal["passive"], 1)
        self.assertEqual(self.srv.request("POST", "/api/v1/quality/check", raw=b"[1]",
                                          headers={"Content-Type": "application/json"})[0], 422)
        # every save answers with the same hints for what was stored
        st, _, made = self.srv.json("POST", "/api/v1/registrations", record("Kwaliteitsproef"))
        self.assertEqual(st, 201, made)
        st, _, up = self.srv.json("PUT", "/api/v1/registrations/" + made["id"],
                                  dict(made["record"], goal=draft["goal"]))
        self.assertEqual(st, 200, up)
        goal = [p for p in up["quality"]["plain_language"] if p["field"] == "goal"][0]
        self.assertIn("middels", {j["word"] for j in goal["jargon"]})
        self.assertIn("impacttoetsen", {m["field"] for m in up["quality"]["missing"]})
        page = self.srv.request("GET", "/registrations/10000061", token=False)[2].decode()
        self.assertIn('id="similar"', page)
        self.assertIn('id="quality"', page)
        st, _, oq = self.srv.json("GET", "/api/v1/organisations/politie/quality", token=False)
        self.assertGreater(oq["entries"], 3)
        self.assertTrue(0 < oq["average_score"] <= 100)

    def test_links_are_checked_with_back_off(self):
        # a register without the demonstration data, whose links point at real sites:
        # this test's traffic stays on loopback
        srv = Server(demo=False, env={"ALGOREG_NOW": T0})
        try:
            self.links_on(srv)
        finally:
            srv.stop()

    def links_on(self, srv):
        t = self.target
        st, _, b = srv.json("POST", "/api/v1/registrations", record(
            "Linkcontrole", website=t + "/ok", url=t + "/gone",
            lawful_basis_grouping=[{"title": "Wet", "link": t + "/nohead"}],
            process_index_url=t + "/slow"))
        self.assertEqual(st, 201, b)
        rid = b["id"]
        # first run: every due link, the hanging one times out (1 second)
        env = {"ALGOREG_NOW": T0}
        r = run_cli("links", "--db", srv.db, "--timeout", "1", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        links = {l["url"]: l for l in
                 srv.json("GET", "/api/v1/registrations/%s/links" % rid)[2]["items"]}
        self.assertEqual(links[t + "/ok"]["status"], 200)
        self.assertEqual(links[t + "/nohead"]["status"], 200)  # GET after a refused HEAD
        self.assertEqual(links[t + "/gone"]["error"], "HTTP 404")
        self.assertIsNotNone(links[t + "/slow"]["error"])
        self.assertEqual(links[t + "/gone"]["failures"], 1)
        # nothing is due again at once: failing links wait an hour, good ones a day
        r = run_cli("links", "--db", srv.db, "--timeout", "1", env=env)
        self.assertIn(b"checked 0", r.stdout)
        r = run_cli("links", "--db", srv.db, "--timeout", "1",
                    env={"ALGOREG_NOW": "2026-11-23T11:00:01Z"})
        self.assertIn(b"broken 2", r.stdout)  # /gone and /slow failed twice
        broken = srv.json("GET", "/api/v1/links/broken?organization=politie")[2]["items"]
        self.assertEqual({l["url"] for l in broken if l["registration"] == rid},
                         {t + "/gone", t + "/slow"})
        hist = srv.json("GET", "/api/v1/links/history?url=" + urllib.parse.quote(t + "/gone"))[2]
        self.assertEqual([c["error"] for c in hist["checks"]], ["HTTP 404", "HTTP 404"])
        page = srv.request("GET", "/registrations/" + rid, token=False)[2].decode()
        self.assertIn('id="links"', page)
        self.assertIn(t + "/gone", page)
        org = srv.request("GET", "/organisations/politie", token=False)[2].decode()
        self.assertIn(t + "/gone", org)

    def test_error_reports_with_token_limits_and_answers(self):
        rid = "10000029"
        tok = self.srv.json("GET", "/api/v1/registrations/%s/reports/token" % rid,
                            token=False)[2]["token"]
        body = {"message": "De wettelijke grondslag verwijst naar een oude wet.",
                "contact": "CANARY-CONTACT@example.org", "token": tok}
        path = "/api/v1/registrations/%s/reports" % rid
        st, _, p = self.srv.json("POST", path, body, token=False)
        self.assertEqual((st, p["errors"][0]["rule"]), (422, "too_fast"))  # same second
        st, _, p = self.srv.json("POST", path, dict(body, token="1.abc"), token=False)
        self.assertEqual((st, p["errors"][0]["rule"]), (422, "invalid"))
        st, _, p = self.srv.json("POST", path, dict(body, message="x" * 3000), token=False)
        self.assertIn("max_length", {e["rule"] for e in p["errors"]})
        # ten seconds later (the clock is moved by restarting the server on the same data)
        self.srv.stop()
        later = Server(db=self.srv.db, env={"ALGOREG_NOW": "2026-11-23T10:00:10Z"})
        type(self).srv = later
        ids = []
        for i in range(5):
            st, _, b = later.json("POST", path, dict(body, message=body["message"] + " %d" % i),
                                  token=False)
            self.assertEqual(st, 201, b)
            ids.append(b["id"])
        st, _, p = later.json("POST", path, body, token=False)
        self.assertEqual((st, p["errors"][0]["rule"]), (429, "rate_limit"))
        pub = later.json("GET", path, token=False)[2]
        self.assertEqual((pub["open"], pub["items"]), (5, []))  # messages wait for an answer
        st, _, a = later.json("POST", "/api/v1/reports/%d/answer" % ids[0],
                              {"answer": "Dank u, de link is bijgewerkt."})
        self.assertEqual(st, 200, a)
        self.assertEqual(later.json("POST", "/api/v1/reports/%d/answer" % ids[0],
                                    {"answer": "Nog eens"})[0], 409)
        self.assertEqual(later.request("POST", "/api/v1/reports/%d/answer" % ids[1],
                                       body={"answer": "x y"}, token=False)[0], 401)
        pub = later.json("GET", path, token=False)[2]
        self.assertEqual(pub["open"], 4)
        self.assertEqual(pub["items"][0]["answer"], "Dank u, de link is bijgewerkt.")
        self.assertEqual(pub["items"][0]["days"], 0)
        page = later.request("GET", "/registrations/" + rid, token=False)[2].decode()
        self.assertIn("de link is bijgewerkt", page)
        for surface in (json.dumps(pub), page):
            self.assertNotIn("CANARY-CONTACT", surface)
        own = later.json("GET", "/api/v1/reports?state=open")[2]["items"]
        self.assertIn("CANARY-CONTACT@example.org", {r["contact"] for r in own})
        # the web form: a token from two days ago has expired; the page says so inline
        form = urllib.parse.urlencode({"t": tok, "message": "Een fout in de omschrijving."})
        st, _, html = later.request("POST", "/registrations/%s/report" % rid, raw=form.encode(),
                                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                                    token=False)
        self.assertEqual(st, 429)  # this address is over its hourly limit
        self.assertIn(b'id="report-errors"', html)

    def test_dashboard(self):
        st, _, d = self.srv.json("GET", "/api/v1/dashboard", token=False)
        self.assertEqual(st, 200)
        self.assertTrue(d["organisations"])
        self.assertIn("high_risk", {r["key"] for r in d["risk"]})
        page = self.srv.request("GET", "/dashboard", token=False)[2].decode()
        self.assertEqual(page.count('role="img"'), page.count("<title id="))
        self.assertIn("<desc id=", page)
        self.assertIn("<table", page)


if __name__ == "__main__":
    unittest.main()
