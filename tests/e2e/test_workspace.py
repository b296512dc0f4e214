"""The workspace pages of editors and approvers (issue 10) over HTTP, without JavaScript:
problems next to their fields in the visitor's language with typed values kept, an
unfinished concept saved and taken up again, its release refused until it keeps the
rules, a double submit and a stale form (someone published meanwhile) explained, four
eyes, and a rejection that needs a reason. The browser test (tests/browser) walks the
same path in Chromium with axe-core."""
import json
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, add_account  # noqa: E402
from test_oidc import Browser  # noqa: E402

PW = "Kettle-Orbit-Lantern-58"


def csrf_of(body):
    return re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()


def errors_of(body):
    return dict((k.decode(), v.decode()) for k, v in
                re.findall(rb'error-message" id="f-([^"]+)-error">([^<]+)<', body))


class Workspace(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo=True)
        add_account(cls.srv.db, "anna", "registrant", "politie", PW)
        add_account(cls.srv.db, "piet", "approver", "politie", PW)
        cls.base = cls.srv.base

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def login(self, who, lang=None):
        b = Browser()
        st, _, _, _ = b.request("POST", self.base + "/login", {"name": who, "password": PW})
        self.assertEqual(st, 303)
        st, _, body, _ = b.request("GET", self.base + "/workspace/new" + (
            "?lang=" + lang if lang else ""))
        self.assertEqual(st, 200)
        return b, csrf_of(body), body

    def test_problems_next_to_fields_in_both_languages(self):
        for lang, words in ((None, ("vul dit veld in", "de vorm klopt niet")),
                            ("en", ("fill in this field", "the form is not right"))):
            b, csrf, body = self.login("anna", lang)
            self.assertIn(b'value="Politie"', body)
            form = {"csrf": csrf, "description_short": "Kort & <b>goed</b>",
                    "organization": "Politie", "status": "In gebruik",
                    "contact_email": "a@politie.example", "begin_date": "2024-13",
                    "category": "Recht", "lawful_basis_grouping.0.title": "Wet",
                    "lawful_basis_grouping.0.link": "geen link"}
            if lang:
                form["lang"] = lang
            st, _, body, _ = b.request("POST", self.base + "/workspace/drafts" +
                                       ("?lang=" + lang if lang else ""), form)
            self.assertEqual(st, 422)
            errs = errors_of(body)
            self.assertIn(words[0], errs["name"])
            self.assertIn(words[1], errs["begin_date"])
            self.assertIn("lawful_basis_grouping", errs)
            self.assertIn("publication_category", errs)
            # typed values come back, escaped
            self.assertIn(b"Kort &amp; &lt;b&gt;goed&lt;/b&gt;", body)
            self.assertIn(b'value="2024-13"', body)
            self.assertIn(b'value="geen link"', body)
            self.assertRegex(body, rb'value="Recht" checked')
            self.assertIn(b'id="error-summary"', body)

    def test_concept_saved_unfinished_then_submitted_once(self):
        b, csrf, _ = self.login("anna")
        st, hd, _, _ = b.request("POST", self.base + "/workspace/drafts",
                                 {"csrf": csrf, "action": "concept", "organization": "Politie",
                                  "description_short": "Half af"})
        self.assertEqual(st, 303)
        d = hd["location"]
        st, _, body, _ = b.request("GET", self.base + d)
        self.assertIn(b"Verder bewerken", body)
        self.assertIn(b"concept", body)
        # not released while it breaks the rules: the form says what to mend
        st, _, body, _ = b.request("POST", self.base + d + "/release", {"csrf": csrf})
        self.assertEqual(st, 422)
        self.assertEqual(set(errors_of(body)),
                         {"name", "status", "contact_email", "publication_category"})
        st, _, body, _ = b.request("GET", self.base + d + "/edit")
        self.assertIn(b"Half af", body)
        form = {"csrf": csrf, "draft": d.rsplit("/", 1)[1], "name": "Afgemaakt concept",
                "description_short": "Half af", "organization": "Politie",
                "status": "In gebruik", "contact_email": "a@politie.example",
                "publication_category": "Overige algoritmes"}
        st, hd, _, _ = b.request("POST", self.base + "/workspace/drafts", form)
        self.assertEqual(st, 303)
        st, _, body, _ = b.request("GET", self.base + hd["location"])
        self.assertIn(b"wacht op goedkeuring", body)
        # the same form once more changes nothing: its concept was already submitted
        st, hd2, _, _ = b.request("POST", self.base + "/workspace/drafts", form)
        self.assertEqual((st, hd2["location"]), (303, d))
        st, _, body, _ = b.request("GET", self.base + "/workspace")
        self.assertEqual(body.count(b"Afgemaakt concept"), 1)
        # a new registration sent twice: the second send finds the first
        f2 = dict(form, name="Twee keer verstuurd")
        del f2["draft"]
        st, h1, _, _ = b.request("POST", self.base + "/workspace/drafts", f2)
        st, h2, body, _ = b.request("POST", self.base + "/workspace/drafts", f2)
        self.assertEqual(h2["location"], h1["location"] + "?twice=1")
        st, _, body, _ = b.request("GET", self.base + h2["location"])
        self.assertIn(b"al ingediend", body)

    def test_stale_form_and_four_eyes(self):
        b, csrf, _ = self.login("anna")
        st, _, body, _ = b.request("GET", self.base + "/workspace/registrations/10000016/edit")
        self.assertEqual(st, 200)
        bv = int(re.search(rb'name="base_version" value="(\d+)"', body).group(1))
        # meanwhile a newer version is published (a service token, without four eyes)
        st, _, cur = self.srv.json("GET", "/api/v1/registrations/10000016")
        rec = cur["record"]
        rec["tags"] = "intussen gewijzigd"
        st, _, out = self.srv.json("PUT", "/api/v1/registrations/10000016", rec)
        self.assertIn(st, (200, 201), out)
        form = {"csrf": csrf, "id": "10000016", "base_version": str(bv)}
        for k in ("name", "description_short", "organization", "status", "contact_email",
                  "publication_category"):
            form[k] = rec[k] if isinstance(rec[k], str) else rec[k]
        form["name"] = "Mijn wijziging"
        st, _, body, _ = b.request("POST", self.base + "/workspace/drafts", form)
        self.assertEqual(st, 409)
        self.assertIn(b"nieuwere versie gepubliceerd", body)
        self.assertIn(b'value="Mijn wijziging"', body)
        self.assertIn(b'name="base_version" value="%d"' % (bv + 1), body)
        # sent again on the new base: a draft; the approver (not the author) decides
        form["base_version"] = str(bv + 1)
        st, hd, _, _ = b.request("POST", self.base + "/workspace/drafts", form)
        self.assertEqual(st, 303)
        draft = hd["location"]
        p, pcsrf, _ = self.login("piet")
        st, _, body, _ = p.request("GET", self.base + "/workspace")
        self.assertIn(b"Mijn wijziging", body)
        st, _, body, _ = p.request("GET", self.base + draft)
        self.assertIn(b"Mijn wijziging", body)  # in the differences
        st, _, body, _ = p.request("POST", self.base + draft + "/reject", {"csrf": pcsrf})
        self.assertEqual(st, 422)
        self.assertIn(b"draft-error", body)
        st, hd, _, _ = p.request("POST", self.base + draft + "/approve", {"csrf": pcsrf})
        self.assertEqual((st, hd["location"]), (303, "/registrations/10000016"))
        st, _, pub = self.srv.json("GET", "/api/v1/registrations/10000016", token=False)
        self.assertEqual(pub["record"]["name"], "Mijn wijziging")
        self.assertEqual(pub["author"], "anna")
        # a registrant cannot reach the decision
        st, _, _, _ = b.request("POST", self.base + draft + "/approve", {"csrf": csrf})
        self.assertEqual(st, 403)


    def test_z_an_approver_retracts_from_the_workspace(self):
        b, csrf, _ = self.login("anna")
        st, _, body, _ = b.request("GET", self.base + "/workspace")
        self.assertNotIn(b"/retract", body)  # registrants do not retract
        p, pcsrf, _ = self.login("piet")
        st, _, body, _ = p.request("GET", self.base + "/workspace")
        self.assertIn(b'action="/workspace/registrations/10000016/retract"', body)
        st, hd, _, _ = p.request("POST", self.base + "/workspace/registrations/10000016/retract",
                                 {"csrf": pcsrf})
        self.assertEqual((st, hd["location"]), (303, "/workspace?done=retracted"))
        st, _, body, _ = p.request("GET", self.base + hd["location"])
        self.assertIn(b'id="work-notice"', body)
        self.assertEqual(Browser().request("GET", self.base + "/registrations/10000016")[0], 410)
        st, _, _, _ = p.request("POST", self.base + "/workspace/registrations/10000016/retract",
                                {"csrf": pcsrf})
        self.assertEqual(st, 409)


class WithholdFields(unittest.TestCase):
    def test_withholding_chosen_fields_from_the_form(self):
        srv = Server(demo=True)
        try:
            with open(srv.files + ".accounts") as f:
                acc = {l.split("\t")[0]: l.split("\t")[2]
                       for l in f if l.strip() and not l.startswith("#")}

            def login(who):
                b = Browser()
                b.request("POST", srv.base + "/login", {"name": who, "password": acc[who]})
                return b
            ed = login("redacteur")
            st, _, body, _ = ed.request("GET", srv.base + "/workspace/new")
            self.assertIn(b'id="wh-field-goal"', body)
            self.assertNotIn(b'id="wh-field-organization"', body)  # always public
            form = [("csrf", csrf_of(body)), ("name", "Deels achtergehouden"),
                    ("description_short", "Openbaar deel"), ("organization", "Politie"),
                    ("status", "In gebruik"), ("contact_email", "a@politie.example"),
                    ("publication_category", "Impactvolle algoritmes"),
                    ("goal", "CANARY-GOAL-3319"), ("withhold", "1"),
                    ("withhold.ground", "investigation"), ("withhold.until", "2027-01-10"),
                    ("withhold.justification", "lopend onderzoek")]
            hdr = {"Content-Type": "application/x-www-form-urlencoded"}
            # a chosen field that is empty: refused next to the choice, the choice kept
            st, _, body, _ = ed.request("POST", srv.base + "/workspace/drafts", urllib.parse.urlencode(
                form + [("withhold.fields", "goal"), ("withhold.fields", "provider")]), hdr)
            self.assertEqual(st, 422)
            self.assertIn(b'id="wh-fields-error"', body)
            self.assertRegex(body, rb'id="wh-field-provider"[^>]*checked')
            st, hd, _, _ = ed.request("POST", srv.base + "/workspace/drafts", urllib.parse.urlencode(
                form + [("withhold.fields", "goal")]), hdr)
            self.assertEqual(st, 303)
            ap = login("goedkeurder")
            st, _, body, _ = ap.request("GET", srv.base + hd["location"])
            st, hd, _, _ = ap.request("POST", srv.base + hd["location"] + "/approve",
                                      {"csrf": csrf_of(body)})
            self.assertEqual(st, 303)
            st, body = Browser().request("GET", srv.base + hd["location"])[0:3:2]
            self.assertIn(b"Deels achtergehouden", body)  # the name stays public
            self.assertNotIn(b"CANARY-GOAL-3319", body)
            # the editor's withholding page puts what the public sees beside what it does not
            lars = hd["location"].rsplit("/", 1)[1]
            st, _, page, _ = ed.request("GET", srv.base + "/workspace/registrations/%s/withholding"
                                        % lars)
            self.assertEqual(st, 200)
            public = page.split(b'class="side-public"')[1].split(b"</section>")[0]
            hidden = page.split(b'class="side-hidden"')[1].split(b"</section>")[0]
            self.assertIn(b"Deels achtergehouden", public)
            self.assertNotIn(b"CANARY-GOAL-3319", page)
            self.assertIn(b"Doel en impact", hidden)
        finally:
            srv.stop()


class DueSoon(unittest.TestCase):
    def test_end_dates_within_thirty_days_are_shown(self):
        """The demonstration withholds one entry for 180 days: 160 days on, the editor's
        workspace and the supervisor's overview say it ends soon."""
        import datetime
        later = (datetime.datetime.now(datetime.timezone.utc) +
                 datetime.timedelta(days=160)).strftime("%Y-%m-%dT12:00:00Z")
        srv = Server(demo=True, env={"ALGOREG_NOW": later})
        try:
            with open(srv.files + ".accounts") as f:
                acc = {l.split("\t")[0]: l.split("\t")[2]
                       for l in f if l.strip() and not l.startswith("#")}
            for who, path, mark in (("redacteur", "/workspace", b'class="utrecht-alert'
                                     b' utrecht-alert--warning due-soon"'),
                                    ("toezicht", "/supervision", b'class="due-soon"')):
                b = Browser()
                b.request("POST", srv.base + "/login", {"name": who, "password": acc[who]})
                st, _, body, _ = b.request("GET", srv.base + path)
                self.assertEqual(st, 200)
                self.assertIn(mark, body, who)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
