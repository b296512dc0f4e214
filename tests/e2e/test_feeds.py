"""Feeds (issue 7): the JSON change feed with a cursor and the Atom feed, against a real
server. A follower paging with the cursor sees every change exactly once and in log
order — new, changed, withheld, published after withholding (when the clock passes the
end date) — per organisation or for the register; withheld content never shows; the
Atom feed is well-formed RFC 4287 with absolute links that a forged Host cannot bend."""
import json
import os
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run_cli  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"
CANARY = "CANARY-FEED-8841"
REC = {"name": "Kentekenherkenning", "description_short": "Herkent kentekens.",
       "organization": "Politie", "status": "In gebruik", "contact_email": "a@b.nl",
       "publication_category": "Impactvolle algoritmes"}


def follow(srv, cursor=0, limit=3, org=None):
    """Every change from cursor, page by page; returns (items, next cursor)."""
    items = []
    while True:
        q = "/api/v1/changes?cursor=%d&limit=%d" % (cursor, limit)
        if org:
            q += "&organization=" + org
        st, _, page = srv.json("GET", q, token=False)
        assert st == 200, page
        items += page["items"]
        assert page["next_cursor"] >= cursor
        cursor = page["next_cursor"]
        if not page["more"]:
            return items, cursor


class Feeds(unittest.TestCase):
    def test_change_feed_and_atom(self):
        srv = Server(demo=True)
        try:
            items, cursor = follow(srv)
            cursors = [i["cursor"] for i in items]
            self.assertEqual(cursors, sorted(set(cursors)), "log order, each once")
            self.assertTrue({"new", "changed", "withheld"} <= {i["type"] for i in items})
            st, _, all_regs = srv.json("GET", "/api/v1/registrations?per_page=100", token=False)
            versions = sum(r["version"] for r in all_regs["items"])
            # one change per version: a publication after withholding is a version too
            self.assertEqual(len(items), versions)
            for i in items:
                self.assertRegex(i["id"], r"^\d{8}$")
                self.assertEqual(i["url"], "/registrations/%s?version=%d" % (i["id"], i["version"]))
                st, _, entry = srv.json("GET", i["log_entry"], token=False)
                self.assertEqual(st, 200)
            withheld = [i for i in items if i["type"] == "withheld"][0]
            self.assertRegex(withheld["withheld"]["until"], r"^\d{4}-\d\d-\d\d$")
            # new writes continue the feed from the cursor
            st, _, b = srv.json("POST", "/api/v1/registrations", REC)
            self.assertEqual(st, 201, b)
            st, _, b2 = srv.json("PUT", "/api/v1/registrations/" + b["id"],
                                 {"record": dict(REC, status="Buiten gebruik"), "base_version": 1})
            self.assertEqual(st, 200, b2)
            st, _, w = srv.json("POST", "/api/v1/registrations", {
                "record": dict(REC, name="Geheim " + CANARY, description_short=CANARY),
                "withhold": {"ground": "investigation", "justification": CANARY,
                             "until": "2027-01-10"}})
            self.assertEqual(st, 201, w)
            more, cursor2 = follow(srv, cursor)
            self.assertEqual([(i["type"], i["id"]) for i in more],
                             [("new", b["id"]), ("changed", b["id"]), ("withheld", w["id"])])
            self.assertEqual(more[2]["withheld"]["until"], "2027-01-10")
            _, _, raw = srv.request("GET", "/api/v1/changes?cursor=0&limit=1000", token=False)
            _, _, atom = srv.request("GET", "/feed.atom", token=False)
            for text in (raw, atom):
                self.assertNotIn(CANARY.encode(), text)
            # one organisation
            pol, _ = follow(srv, org="politie")
            self.assertTrue(pol)
            self.assertEqual({i["organization"]["slug"] for i in pol}, {"politie"})
            st, _, p = srv.json("GET", "/api/v1/changes?organization=nobody", token=False)
            self.assertEqual((st, p["errors"][0]["field"]), (404, "organization"))
            for bad in ("cursor=-1", "cursor=x", "limit=0", "limit=1001", "organization=Bad%20Slug"):
                st, _, p = srv.json("GET", "/api/v1/changes?" + bad, token=False)
                self.assertEqual(st, 400, bad)
                self.assertEqual(p["errors"][0]["field"], bad.split("=")[0])
            # Atom: newest first, absolute links, a forged Host does not leak into them
            st, hd, atom = srv.request("GET", "/feed.atom?organization=politie",
                                       headers={"Host": 'evil.example"><x'}, token=False)
            self.assertEqual(st, 200)
            self.assertTrue(hd["Content-Type"].startswith("application/atom+xml"))
            feed = ET.fromstring(atom)
            self.assertEqual(feed.tag, ATOM + "feed")
            for need in ("id", "title", "updated"):
                self.assertIsNotNone(feed.find(ATOM + need), need)
            entries = feed.findall(ATOM + "entry")
            self.assertTrue(0 < len(entries) <= 50)
            updated = [e.find(ATOM + "updated").text for e in entries]
            self.assertEqual(updated, sorted(updated, reverse=True))
            ids = [e.find(ATOM + "id").text for e in entries]
            self.assertEqual(len(set(ids)), len(ids))
            for e in entries:
                href = e.find(ATOM + "link").get("href")
                self.assertTrue(href.startswith("http://localhost/registrations/"), href)
                self.assertIn(e.find(ATOM + "category").get("term"),
                              ("new", "changed", "withheld", "published"))
            self.assertIn(b"Politie", feed.find(ATOM + "title").text.encode())
            # the pages point to the feeds
            _, _, home = srv.request("GET", "/", token=False)
            self.assertIn(b'type="application/atom+xml"', home)
            _, _, org = srv.request("GET", "/organisations/politie", token=False)
            self.assertIn(b'href="/feed.atom?organization=politie"', org)
        finally:
            srv.stop()
        # when the clock passes the end date the entry is published, and the feed says so
        r = run_cli("tick", "--db", srv.db, env={"ALGOREG_NOW": "2027-01-11T09:00:00Z"})
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        later = Server(db=srv.db, env={"ALGOREG_NOW": "2027-01-11T09:00:00Z"})
        try:
            items, _ = follow(later, cursor2)
            self.assertEqual([(i["type"], i["id"]) for i in items], [("published", w["id"])])
            self.assertIn("reason", items[0])
            _, _, atom = later.request("GET", "/feed.atom", token=False)
            top = ET.fromstring(atom).find(ATOM + "entry")
            self.assertEqual(top.find(ATOM + "category").get("term"), "published")
        finally:
            later.stop()


if __name__ == "__main__":
    unittest.main()
