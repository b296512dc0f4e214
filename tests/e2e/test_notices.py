"""E-mail notices (issue 10) against an SMTP sink this test starts on loopback: who is
told what (a draft to approve, a decision, an extension request, an authorisation
request and its refusal, an end date within 30 days), that nothing withheld travels in a
message, that a reminder goes out once, retries after a temporary failure and giving up
after a permanent one, and the bad input of addresses and relay settings."""
import json
import os
import re
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, add_account, run_cli  # noqa: E402
from smtpsink import Sink  # noqa: E402
from test_oidc import Browser  # noqa: E402

NOW = "2026-11-23T10:00:00Z"
PUBLIC = "https://register.example.org"
PW = "Kettle-Orbit-Lantern-58"
MARK = "CANARY-" + uuid.uuid4().hex[:10]


class Notices(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink()
        cls.srv = Server(demo=True, env={"ALGOREG_NOW": NOW}, serve_args=[
            "--smtp", cls.sink.url, "--mail-from", "register@example.org",
            "--public-url", PUBLIC + "/"])
        db = cls.srv.db
        cls.tok = {
            "anna": add_account(db, "anna", "registrant", "politie", PW, "anna@politie.example"),
            "piet": add_account(db, "piet", "approver", "politie", PW, "piet@politie.example"),
            "kees": add_account(db, "kees", "approver", "politie"),  # no address: no mail
            "olga": add_account(db, "olga", "approver", "openbaar-ministerie",
                                email="olga@om.example"),
            "sara": add_account(db, "sara", "supervisor", None, PW, "sara@toezicht.example"),
            "ada": add_account(db, "ada", "authorising_authority", None, PW, "ada@rechtbank.example"),
            # another authority: a case that names ada is not hers to hear of
            "bert": add_account(db, "bert", "authorising_authority", None, PW, "bert@cbp.example"),
        }

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.sink.close()

    def api(self, who, method, path, body=None):
        return self.srv.json(method, path, body,
                             headers={"Authorization": "Bearer " + self.tok[who]})

    def record(self, name):
        return {"name": name, "description_short": "Korte omschrijving " + MARK,
                "organization": "Politie", "status": "In gebruik",
                "contact_email": "a@politie.example",
                "publication_category": "Hoog-risico AI-systeem"}

    def mail_to(self, addr, subject_part, n=1):
        msgs = self.sink.wait_for(
            lambda ms: sum(addr in m["to"] and subject_part in m["msg"]["subject"]
                           for m in ms) >= n)
        got = [m for m in msgs if addr in m["to"] and subject_part in m["msg"]["subject"]]
        self.assertGreaterEqual(len(got), n, "%s never got %r" % (addr, subject_part))
        return got

    def outbox_line(self, pred):
        """The first line of algoreg mail list that pred accepts, once there is one (the
        server sends every two seconds)."""
        out = ""
        for _ in range(100):
            out = run_cli("mail", "list", "--db", self.srv.db).stdout.decode()
            line = next((ln for ln in out.splitlines() if pred(ln)), None)
            if line:
                return line
            self.sink.wait_for(lambda ms: False, timeout=0.2)
        self.fail("no such outbox line:\n" + out)

    def assert_clean(self):
        """No message carries anything withheld, justified or reasoned."""
        for m in self.sink.messages:
            self.assertNotIn(MARK.encode(), m["raw"])
            self.assertNotIn(MARK, self.sink.text(m))

    def test_1_draft_to_approvers_and_decision_to_author(self):
        st, _, d = self.api("anna", "POST", "/api/v1/registrations",
                            {"record": self.record("Kentekenherkenning " + MARK)})
        self.assertEqual(st, 202, d)
        m = self.mail_to("piet@politie.example", "Draft %d awaits approval" % d["id"])[0]
        msg = m["msg"]
        self.assertEqual(m["from"], "<register@example.org>")
        self.assertEqual(msg["To"].addresses[0].addr_spec, "piet@politie.example")
        self.assertIn("register@example.org", msg["From"])
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertTrue(msg["Message-ID"] and msg["Date"])
        text = self.sink.text(m)
        self.assertIn("ingediend door anna", text)
        self.assertIn("submitted by anna", text)
        self.assertIn(PUBLIC + "/workspace/drafts/%d" % d["id"], text)
        # the author, an approver without an address and another organisation hear nothing
        self.assertEqual(self.sink.to("anna@politie.example"), [])
        self.assertEqual(self.sink.to("olga@om.example"), [])
        st, _, _ = self.api("piet", "POST", "/api/v1/drafts/%d/reject" % d["id"],
                            {"reason": "Beschrijf het doel " + MARK})
        self.assertEqual(st, 200)
        m = self.mail_to("anna@politie.example", "Draft %d: rejected" % d["id"])[0]
        self.assertIn("afgewezen door piet", self.sink.text(m))
        self.assert_clean()
        # the outbox shows what went out, never a message's text
        r = run_cli("mail", "list", "--db", self.srv.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.decode(), r"draft_submitted\tpiet\tsent\t")
        self.assertNotIn(MARK, r.stdout.decode())

    def test_2_withholding_extension_and_end_date_reminder(self):
        rec = self.record("Tapkamer " + MARK)
        w = {"ground": "investigation", "justification": "Omdat " + MARK, "until": "2026-12-10"}
        st, _, d = self.api("anna", "POST", "/api/v1/registrations", {"record": rec, "withhold": w})
        self.assertEqual(st, 202, d)
        self.mail_to("piet@politie.example", "Draft %d awaits" % d["id"])
        st, _, pub = self.api("piet", "POST", "/api/v1/drafts/%d/approve" % d["id"], {})
        self.assertEqual(st, 200, pub)
        rid = pub["id"]
        self.mail_to("anna@politie.example", "Draft %d: approved" % d["id"])
        st, _, x = self.api("anna", "POST", "/api/v1/registrations/%s/withholding/extensions" % rid,
                            {"until": "2027-02-01", "reason": "Lopend onderzoek " + MARK})
        self.assertEqual(st, 201, x)
        m = self.mail_to("sara@toezicht.example", "Extension requested for registration " + rid)[0]
        text = self.sink.text(m)
        self.assertIn("vóór de einddatum 2026-12-10", text)  # UTF-8 survives the trip
        self.assertIn(PUBLIC + "/supervision/" + rid, text)
        # end date within 30 days: the editors and approvers of the organisation, once
        for _ in range(2):
            r = run_cli("tick", "--db", self.srv.db, env={"ALGOREG_NOW": NOW})
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"reminders queued 0", r.stdout)  # the second run adds nothing
        subject = "Registration %s is published on 2026-12-10" % rid
        for who in ("anna@politie.example", "piet@politie.example"):
            m = self.mail_to(who, subject)[0]
            self.assertIn("over 17 dagen", self.sink.text(m))
            self.assertIn(PUBLIC + "/workspace/registrations/%s/withholding" % rid,
                          self.sink.text(m))
        self.assertEqual(len([m for m in self.sink.to("anna@politie.example")
                              if subject in m["msg"]["subject"]]), 1)
        self.assertEqual([m for m in self.sink.to("olga@om.example")], [])
        self.assert_clean()

    def test_3_authorisation_request_and_refusal(self):
        st, _, c = self.api("anna", "POST", "/api/v1/cases", {
            "kind": "post", "registration": "10000087", "authority": "ada"})
        self.assertEqual(st, 201, c)
        ev = "/api/v1/cases/%d/events" % c["id"]
        for e in ({"event": "link_case", "data": {"link": "offence", "reference": "ON-2026-9",
                                                  "target": "verdachte " + MARK}},
                  {"event": "start_unauthorised"},
                  {"event": "submit_request", "data": {"reasons": "vluchtgevaar " + MARK}}):
            st, _, b = self.api("anna", "POST", ev, e)
            self.assertEqual(st, 200, b)
        m = self.mail_to("ada@rechtbank.example", "URGENT: Authorisation request, case %d" % c["id"])[0]
        text = self.sink.text(m)
        self.assertIn("The use already started at " + NOW, text)
        self.assertIn("Art. 26(10)", text)
        self.assertIn(PUBLIC + "/authority/cases/%d" % c["id"], text)
        st, _, b = self.api("ada", "POST", ev, {"event": "reject",
                                                "data": {"reasons": "niet noodzakelijk " + MARK}})
        self.assertEqual(st, 200, b)
        m = self.mail_to("anna@politie.example", "Case %d: refused" % c["id"])[0]
        self.assertIn("delete all data", self.sink.text(m))
        self.assertEqual(self.sink.to("bert@cbp.example"), [])
        self.assert_clean()

    def test_4_retry_after_a_temporary_failure_and_give_up_on_a_permanent_one(self):
        self.sink.mode = "tempfail"
        try:
            st, _, d = self.api("anna", "POST", "/api/v1/registrations",
                                {"record": self.record("Camerabeelden " + MARK)})
            self.assertEqual(st, 202)
            # the server's next run records the failure
            line = self.outbox_line(lambda ln: "\tpiet\t" in ln and "451" in ln)
            self.assertIn("\twaiting\t-\t1\t", line)
        finally:
            self.sink.mode = "accept"
        # the server's clock stands still at NOW, so it waits; a minute later cron sends it
        args = ["mail", "send", "--db", self.srv.db, "--smtp", self.sink.url,
                "--mail-from", "register@example.org", "--public-url", PUBLIC]
        r = run_cli(*args, env={"ALGOREG_NOW": "2026-11-23T10:00:30Z"})
        self.assertEqual((r.returncode, r.stdout), (0, b"sent 0, failed 0\n"))
        r = run_cli(*args, env={"ALGOREG_NOW": "2026-11-23T10:01:30Z"})
        self.assertEqual((r.returncode, r.stdout), (0, b"sent 1, failed 0\n"), r.stderr)
        self.mail_to("piet@politie.example", "Draft %d awaits" % d["id"])
        # a permanent refusal gives the message up at once
        self.sink.mode = "reject"
        try:
            st, _, d = self.api("anna", "POST", "/api/v1/registrations",
                                {"record": self.record("Gezichtsherkenning " + MARK)})
            self.assertEqual(st, 202)
            line = self.outbox_line(lambda ln: "\tfailed\t" in ln)
            self.assertIn("550", line)
            metrics = self.srv.request("GET", "/metrics", token=False)[2].decode()
            self.assertRegex(metrics, r"\nalgoreg_mail_failed [1-9]")
        finally:
            self.sink.mode = "accept"

    def test_5_addresses_are_checked_everywhere(self):
        db = self.srv.db
        for bad in ("anna", "a b@x.nl", "a@b", "<a@b.nl>", "a@b.nl\r\nBcc: x@y.nl", "a\"q\"@b.nl",
                    "x@-b.nl", "x" * 65 + "@b.nl"):
            r = run_cli("user", "add", "--db", db, "--name", "bad", "--role", "supervisor",
                        "--email", bad)
            self.assertNotEqual(r.returncode, 0, bad)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1)
            self.assertIn(b"e-mail address", r.stderr)
        # nothing half-made: the account does not exist either
        self.assertNotIn(b"\nbad\t", b"\n" + run_cli("user", "list", "--db", db).stdout)
        r = run_cli("user", "email", "--db", db, "--name", "kees", "--email", "kees@politie.example")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"kees@politie.example", run_cli("user", "list", "--db", db).stdout)
        r = run_cli("user", "email", "--db", db, "--name", "kees", "--email", "")
        self.assertEqual(r.returncode, 0, r.stderr)
        # the API: one's own address, problems naming the field
        st, _, b = self.api("olga", "PUT", "/api/v1/me/email", {"email": "niet goed"})
        self.assertEqual((st, b["errors"][0]["field"], b["errors"][0]["rule"]),
                         (422, "email", "format"))
        st, _, b = self.api("olga", "PUT", "/api/v1/me/email", {"email": 5})
        self.assertEqual((st, b["errors"][0]["rule"]), (422, "type"))
        st, _, b = self.api("olga", "PUT", "/api/v1/me/email", {"email": "olga@om.example"})
        self.assertEqual((st, b["email"]), (200, "olga@om.example"))
        st, _, b = self.api("olga", "GET", "/api/v1/me")
        self.assertEqual(b["email"], "olga@om.example")
        # the account page: an inline message with the typed value kept
        br = Browser()
        st, _, _, _ = br.request("POST", self.srv.base + "/login", {"name": "anna", "password": PW})
        self.assertEqual(st, 303)
        st, _, body, _ = br.request("GET", self.srv.base + "/account")
        self.assertIn(b'value="anna@politie.example"', body)
        csrf = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
        st, _, body, _ = br.request("POST", self.srv.base + "/account/email",
                                    {"csrf": csrf, "email": "anna at politie"})
        self.assertEqual(st, 422)
        self.assertIn(b'id="acc-email-e"', body)
        self.assertIn(b"geen bruikbaar e-mailadres", body)
        self.assertIn(b'value="anna at politie"', body)
        st, hd, _, _ = br.request("POST", self.srv.base + "/account/email",
                                  {"csrf": csrf, "email": "anna@politie.example"})
        self.assertEqual(st, 303)
        # the addresses are nowhere public
        for path in ("/api/v1/registrations/10000087", "/organisations/politie",
                     "/api/v1/log/entries/0"):
            self.assertNotIn(b"politie.example\"", self.srv.request("GET", path, token=False)[2])

    def test_6_relay_settings_are_checked_before_serving(self):
        db = self.srv.db
        cred = os.path.join(self.srv.dir, "smtp.cred")
        with open(cred, "w") as f:
            f.write("algoreg:relay-password\n")
        os.chmod(cred, 0o644)
        cases = [
            (["--smtp", "ftp://127.0.0.1:25", "--mail-from", "r@example.org"], b"smtp://"),
            (["--smtp", "smtp://127.0.0.1:25", "--mail-from", "not an address"], b"mail-from"),
            (["--smtp", "smtp://127.0.0.1:25", "--mail-from", "r@example.org",
              "--public-url", "ftp://x"], b"public-url"),
            (["--mail-from", "r@example.org"], b"need --smtp"),
            (["--smtp", "smtp://127.0.0.1:25", "--mail-from", "r@example.org",
              "--smtp-credentials", cred], b"group or others"),
        ]
        for args, why in cases:
            r = run_cli("serve", "--db", db, "--listen", "127.0.0.1:1", *args)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(why, r.stderr, args)
        os.chmod(cred, 0o600)
        conf = os.path.join(self.srv.dir, "algoreg.conf")
        with open(conf, "w") as f:
            f.write("db = %s\nsmtp = smtp://127.0.0.1:25\nmail-from = r@example.org\n"
                    "smtp-credentials = %s\n" % (db, cred))
        r = run_cli("config", "check", "--config", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(conf, "a") as f:
            f.write("public-url = gopher://x\n")
        r = run_cli("config", "check", "--config", conf)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"public-url", r.stderr)


if __name__ == "__main__":
    unittest.main()
