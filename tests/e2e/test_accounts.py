"""Accounts, roles and who may see what, against a real server: sign-in with session
cookies and CSRF tokens, logout that ends the session on the server, idle expiry by the
settable clock, API tokens per account (hashed, revocable), throttled failed logins,
disabled accounts, organisation scoping, the audit trail, a role x route matrix built
from the router's own table, and the canary scan run as every role that must not see
withheld content."""
import http.client
import json
import os
import re
import sys
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, add_account, db_bytes, run_cli  # noqa: E402

T0 = "2026-11-23T09:00:00Z"
PW = "Kettle-Orbit-Lantern-58"
ROLES = ["registrant", "approver", "supervisor", "authorising_authority", "review_committee",
         "admin", "police_chief", "prosecutor", "mayor"]


def name_of(role):
    """Test account names; init already made an account called admin."""
    return "root" if role == "admin" else role.replace("_", "-")


def raw(srv, method, path, body=None, headers=None):
    """One request without following redirects: (status, headers, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    h = dict(headers or {})
    if isinstance(body, dict) and h.get("Content-Type") == "application/x-www-form-urlencoded":
        body = urllib.parse.urlencode(body)
    elif isinstance(body, (dict, list)):
        body = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    c.close()
    return out


def form(srv, path, fields, cookie=None, headers=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        h["Cookie"] = "algoreg_session=" + cookie
    h.update(headers or {})
    return raw(srv, "POST", path, fields, h)


def login(srv, name, password=PW, headers=None):
    st, hd, body = form(srv, "/login", {"name": name, "password": password}, headers=headers)
    m = re.search(r"algoreg_session=([^;]*)", hd.get("set-cookie", ""))
    return st, hd, (m.group(1) if m else None), body


def csrf_of(srv, cookie):
    st, _, body = raw(srv, "GET", "/account", headers={"Cookie": "algoreg_session=" + cookie})
    m = re.search(rb'name="csrf" value="([^"]+)"', body)
    return m.group(1).decode() if m else None


def bearer(tok):
    return {"Authorization": "Bearer " + tok}


class Accounts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo=True, env={"ALGOREG_NOW": T0})
        db = cls.srv.db
        cls.tok = {}
        for role in ROLES:
            org = "politie" if role in ("registrant", "approver") else None
            cls.tok[role] = add_account(db, name_of(role), role, org, PW)
        cls.tok["other"] = add_account(db, "om-editor", "registrant", "openbaar-ministerie", PW)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_session_cookie_csrf_and_logout(self):
        st, hd, cookie, _ = login(self.srv, "registrant")
        self.assertEqual(st, 303)
        self.assertEqual(hd["location"], "/account")
        sc = hd["set-cookie"]
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attr, sc)
        self.assertNotIn("Secure", sc)
        # behind a TLS proxy the cookie is Secure
        self.assertIn("Secure", login(self.srv, "registrant",
                                      headers={"X-Forwarded-Proto": "https"})[1]["set-cookie"])
        st, _, me = raw(self.srv, "GET", "/api/v1/me", headers={"Cookie": "algoreg_session=" + cookie})
        me = json.loads(me)
        self.assertEqual((st, me["name"], me["org"], me["via"]), (200, "registrant", "politie", "session"))
        # a write riding on the cookie without the form token is refused
        st, _, body = form(self.srv, "/account/tokens", {"label": "x"}, cookie)
        self.assertEqual(st, 403)
        self.assertIn(b"token", body)
        st, _, body = raw(self.srv, "POST", "/api/v1/me/tokens", {"label": "x"},
                          {"Cookie": "algoreg_session=" + cookie})
        self.assertEqual((st, json.loads(body)["type"]), (403, "/problems/csrf"))
        csrf = csrf_of(self.srv, cookie)
        st, _, body = form(self.srv, "/account/tokens", {"label": "laptop", "csrf": csrf}, cookie)
        self.assertEqual(st, 201)
        tok = re.search(rb"<code>(ar_[A-Za-z0-9_-]{43})</code>", body).group(1).decode()
        st, _, me = raw(self.srv, "GET", "/api/v1/me", headers=bearer(tok))
        self.assertEqual((st, json.loads(me)["via"]), (200, "token"))
        # the header with X-CSRF-Token works as well as the form field
        st, _, made = raw(self.srv, "POST", "/api/v1/me/tokens", {"label": "script"},
                          {"Cookie": "algoreg_session=" + cookie, "X-CSRF-Token": csrf})
        self.assertEqual(st, 201)
        made = json.loads(made)
        # only hashes are stored: the token appears nowhere in the database
        self.assertNotIn(made["token"].encode(), db_bytes(self.srv.db))
        st, _, _ = raw(self.srv, "DELETE", "/api/v1/me/tokens/%d" % made["id"], headers=bearer(tok))
        self.assertEqual(st, 204)
        self.assertEqual(raw(self.srv, "GET", "/api/v1/me", headers=bearer(made["token"]))[0], 401)
        self.assertEqual(raw(self.srv, "DELETE", "/api/v1/me/tokens/%d" % made["id"],
                             headers=bearer(tok))[0], 404)
        # logout ends the session on the server: the copied cookie is dead
        st, hd, _ = form(self.srv, "/logout", {"csrf": csrf}, cookie)
        self.assertEqual(st, 303)
        self.assertIn("Max-Age=0", hd["set-cookie"])
        self.assertEqual(raw(self.srv, "GET", "/api/v1/me",
                             headers={"Cookie": "algoreg_session=" + cookie})[0], 401)
        st, hd, _ = raw(self.srv, "GET", "/account", headers={"Cookie": "algoreg_session=" + cookie})
        self.assertEqual((st, hd["location"]), (303, "/login?next=%2Faccount"))
        # a foreign next is not followed
        st, hd, _ = form(self.srv, "/login", {"name": "registrant", "password": PW,
                                             "next": "//evil.example/"})
        self.assertEqual(hd["location"], "/account")
        # all of it is in the audit trail
        st, _, a = raw(self.srv, "GET", "/api/v1/audit?actor=registrant&limit=1000",
                       headers=bearer(self.tok["admin"]))
        actions = {i["action"] for i in json.loads(a)["items"]}
        for want in ("login", "logout", "denied.csrf", "token.issue", "token.revoke"):
            self.assertIn(want, actions)

    def test_init_made_the_administrator_and_demo_accounts(self):
        path = self.srv.files + ".accounts"
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as f:
            rows = [l.split("\t") for l in f.read().splitlines() if not l.startswith("#")]
        self.assertEqual([r[:2] for r in rows][:3], [["admin", "admin"], ["redacteur", "registrant"],
                                                    ["goedkeurder", "approver"]])
        for name, role, pw, tok in rows:
            self.assertEqual(login(self.srv, name, pw)[0], 303, name)
            me = json.loads(raw(self.srv, "GET", "/api/v1/me", headers=bearer(tok))[2])
            self.assertEqual((me["name"], me["role"]), (name, role))
        # a second init on the same database makes no more accounts
        self.assertEqual(run_cli("init", "--db", self.srv.db).returncode, 0)
        with open(path) as f:
            self.assertEqual(len([l for l in f if not l.startswith("#")]), len(rows))

    def test_public_forms_use_the_session_only_with_its_form_token(self):
        cookie = login(self.srv, "registrant")[2]
        st, _, page = raw(self.srv, "GET", "/cases/new", headers={"Cookie": "algoreg_session=" + cookie})
        self.assertNotIn(b'id="f-token"', page)  # signed in: no token field
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
        fields = {"kind": "realtime", "registration": "10000016"}
        # with the form token the session speaks: the request is judged on its content
        st, _, page = form(self.srv, "/cases/new", dict(fields, csrf=csrf), cookie)
        self.assertEqual(st, 422)
        self.assertNotIn(b"a valid API token", page)
        # without it the same cookie counts for nothing: an anonymous request
        st, _, page = form(self.srv, "/cases/new", fields, cookie)
        self.assertEqual(st, 401)
        self.assertIn(b"a valid API token", page)

    def test_changing_ones_password_ends_the_sessions(self):
        add_account(self.srv.db, "wim", "supervisor", None, PW)
        cookie = login(self.srv, "wim")[2]
        other = login(self.srv, "wim")[2]
        csrf = csrf_of(self.srv, cookie)
        st, _, page = form(self.srv, "/account/password", {"current": "wrong-one-123456",
                           "password": "Amber-Falcon-River-88", "password_again": "Amber-Falcon-River-88",
                           "csrf": csrf}, cookie)
        self.assertEqual(st, 403)
        self.assertIn(b'id="password-error"', page)
        st, _, page = form(self.srv, "/account/password", {"current": PW,
                           "password": "Amber-Falcon-River-88", "password_again": "Amber-Falcon-Rivr-88",
                           "csrf": csrf}, cookie)
        self.assertEqual(st, 422)
        st, hd, _ = form(self.srv, "/account/password", {"current": PW,
                         "password": "Amber-Falcon-River-88", "password_again": "Amber-Falcon-River-88",
                         "csrf": csrf}, cookie)
        self.assertEqual((st, hd["location"]), (303, "/login?changed=1"))
        for c in (cookie, other):
            self.assertEqual(raw(self.srv, "GET", "/api/v1/me", headers={"Cookie": "algoreg_session=" + c})[0], 401)
        st, _, page = raw(self.srv, "GET", "/login?changed=1")
        self.assertIn(b'id="login-notice"', page)
        self.assertEqual(login(self.srv, "wim", "Amber-Falcon-River-88")[0], 303)

    def test_wrong_password_and_page_messages(self):
        st, _, cookie, body = login(self.srv, "registrant", "not-the-password-1")
        self.assertEqual((st, cookie), (401, None))
        self.assertIn(b'id="login-error"', body)
        self.assertIn(b'value="registrant"', body)  # the typed name comes back
        self.assertNotIn(b"not-the-password-1", body)  # the password does not
        st, _, cookie, _ = login(self.srv, "Secret-Typed-In-Name-1", "whatever-password-1")
        self.assertEqual(st, 401)
        # a name that is no account is not written down (people type passwords there)
        st, _, a = raw(self.srv, "GET", "/api/v1/audit?limit=1000", headers=bearer(self.tok["admin"]))
        self.assertNotIn(b"Secret-Typed-In-Name-1", a)
        self.assertIn(b"(unknown account)", a)

    def test_admin_manages_accounts_but_reads_no_content(self):
        adm = bearer(self.tok["admin"])
        st, _, b = raw(self.srv, "POST", "/api/v1/accounts",
                       {"name": "weak", "role": "registrant", "org": "politie", "password": "short"}, adm)
        b = json.loads(b)
        self.assertEqual((st, b["errors"][0]["field"] if "errors" in b else b.get("field")), (422, "password"))
        st, _, b = raw(self.srv, "POST", "/api/v1/accounts",
                       {"name": "floating", "role": "registrant", "password": "Quiet-Meadow-Tram-19"}, adm)
        self.assertEqual(st, 422)
        self.assertIn("organisation", b.decode())
        st, _, b = raw(self.srv, "POST", "/api/v1/accounts",
                       {"name": "nowhere", "role": "approver", "org": "no-such-org"}, adm)
        self.assertEqual(st, 422)
        st, _, b = raw(self.srv, "POST", "/api/v1/accounts",
                       {"name": "registrant", "role": "registrant", "org": "politie"}, adm)
        self.assertEqual(st, 409)
        st, _, b = raw(self.srv, "POST", "/api/v1/accounts",
                       {"name": "tina", "role": "approver", "org": "politie",
                        "password": "Quiet-Meadow-Tram-19", "admin": True}, adm)
        self.assertEqual(st, 422)  # unknown member
        st, _, b = raw(self.srv, "POST", "/api/v1/accounts",
                       {"name": "tina", "role": "approver", "org": "politie",
                        "password": "Quiet-Meadow-Tram-19"}, adm)
        self.assertEqual(st, 201, b)
        self.assertNotIn(b"pw_hash", b)
        st, _, cookie, _ = login(self.srv, "tina", "Quiet-Meadow-Tram-19")
        self.assertEqual(st, 303)
        tina = add_account.__globals__["run_cli"]("user", "token", "--db", self.srv.db,
                                                   "--name", "tina").stdout.decode().strip()
        # disabling ends sessions and stops tokens at once
        self.assertEqual(raw(self.srv, "POST", "/api/v1/accounts/tina/disable", None, adm)[0], 200)
        self.assertEqual(raw(self.srv, "GET", "/api/v1/me", headers=bearer(tina))[0], 401)
        self.assertEqual(raw(self.srv, "GET", "/api/v1/me",
                             headers={"Cookie": "algoreg_session=" + cookie})[0], 401)
        self.assertEqual(login(self.srv, "tina", "Quiet-Meadow-Tram-19")[0], 401)
        self.assertEqual(raw(self.srv, "POST", "/api/v1/accounts/tina/enable", None, adm)[0], 200)
        self.assertEqual(raw(self.srv, "GET", "/api/v1/me", headers=bearer(tina))[0], 200)
        self.assertEqual(raw(self.srv, "POST", "/api/v1/accounts/root/disable", None, adm)[0], 409)
        # account changes are transparency-log leaves too: number, role, organisation,
        # action and time; never a name, password or token
        size = json.loads(raw(self.srv, "GET", "/api/v1/log")[2])["size"]
        leaves = [json.loads(raw(self.srv, "GET", "/api/v1/log/entries/%d" % i)[2])["data"]
                  for i in range(size)]
        acct = [json.loads(d) for d in leaves if '"kind":"account"' in d]
        self.assertIn(("approver", "politie", "disable"),
                      {(a.get("role"), a.get("org"), a["action"]) for a in acct})
        self.assertEqual({tuple(sorted(a)) for a in acct} - {
            ("account", "action", "kind", "org", "role", "time"),
            ("account", "action", "kind", "role", "time")}, set())
        for d in leaves:
            self.assertNotIn("tina", d)
            self.assertNotIn("Quiet-Meadow", d)
        # the admin page lists accounts and the audit trail; its forms carry the CSRF token
        st, _, cookie, _ = login(self.srv, "root")
        st, _, page = raw(self.srv, "GET", "/admin", headers={"Cookie": "algoreg_session=" + cookie})
        self.assertEqual(st, 200)
        self.assertIn(b"tina", page)
        self.assertIn(b"account.disable", page)
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
        st, _, page = form(self.srv, "/admin/accounts", {"name": "x", "role": "registrant",
                                                          "csrf": csrf}, cookie)
        self.assertEqual(st, 422)
        self.assertIn(b'id="admin-error"', page)
        st, hd, _ = form(self.srv, "/admin/accounts", {"name": "olga", "role": "supervisor",
                                                        "password": "Quiet-Meadow-Tram-19",
                                                        "csrf": csrf}, cookie)
        self.assertEqual(st, 303)
        self.assertIn(b"olga", run_cli("user", "list", "--db", self.srv.db).stdout)
        # the audit trail: who, what, when; never a password or token
        st, _, a = raw(self.srv, "GET", "/api/v1/audit?limit=1000", headers=adm)
        items = json.loads(a)["items"]
        actions = {i["action"] for i in items}
        for want in ("login", "login.failed", "account.add", "account.disable", "token.issue",
                     "denied", "POST /api/v1/accounts"):
            self.assertIn(want, actions)
        blob = a.decode()
        self.assertNotIn("Quiet-Meadow-Tram-19", blob)
        self.assertNotIn(self.tok["admin"], blob)

    def test_organisations_write_only_their_own_entries(self):
        st, _, got = raw(self.srv, "GET", "/api/v1/registrations/10000016")
        rec = json.loads(got)["record"]
        rec.pop("lars", None)
        self.assertEqual(rec["organization"], "Politie")
        st, _, b = raw(self.srv, "PUT", "/api/v1/registrations/10000016",
                       dict(rec, name=rec["name"] + " (bijgewerkt)"), bearer(self.tok["registrant"]))
        self.assertEqual(st, 202, b)  # a draft: four eyes (FourEyes below)
        st, _, b = raw(self.srv, "PUT", "/api/v1/registrations/10000016", rec, bearer(self.tok["other"]))
        b = json.loads(b)
        self.assertEqual((st, b["errors"][0]["field"], b["errors"][0]["rule"]), (403, "id", "organisation"))
        st, _, b = raw(self.srv, "POST", "/api/v1/registrations",
                       dict(rec, name="Ander systeem"), bearer(self.tok["other"]))
        b = json.loads(b)
        self.assertEqual((st, b["errors"][0]["field"]), (403, "organization"))
        st, _, b = raw(self.srv, "POST", "/api/v1/registrations",
                       dict(rec, name="Eigen systeem", organization="Openbaar Ministerie"),
                       bearer(self.tok["other"]))
        self.assertEqual(st, 202, b)
        # the refusal is in the audit trail with who and what
        st, _, a = raw(self.srv, "GET", "/api/v1/audit?actor=om-editor", headers=bearer(self.tok["admin"]))
        self.assertIn(("denied", "/api/v1/registrations/10000016", 403),
                      {(i["action"], i["target"], i["outcome"]) for i in json.loads(a)["items"]})
        # deciding roles cannot write registrations at all
        self.assertEqual(raw(self.srv, "PUT", "/api/v1/registrations/10000016", rec,
                             bearer(self.tok["authorising_authority"]))[0], 403)


class UserCli(unittest.TestCase):
    def test_service_tokens_do_not_publish_by_default(self):
        srv = Server(demo=True, service_publish=False,
                     env={"ALGOREG_API_TOKENS": "robot:robot-token-0123456789abcdef"})
        try:
            rec = {"name": "Robot", "description_short": "d", "organization": "Politie",
                   "status": "In gebruik", "contact_email": "a@b.nl",
                   "publication_category": "Impactvolle algoritmes"}
            st, _, b = raw(srv, "POST", "/api/v1/registrations", rec,
                           {"Authorization": "Bearer robot-token-0123456789abcdef"})
            b = json.loads(b)
            self.assertEqual((st, b["type"], b["errors"][0]["rule"]), (403, "/problems/four-eyes", "four_eyes"))
            self.assertIn("--service-tokens-publish", b["errors"][0]["detail"])
        finally:
            srv.stop()

    def test_user_command_errors_are_one_line(self):
        srv = Server(demo=False)
        try:
            db = srv.db
            cases = [
                (["user", "add", "--db", db, "--name", "x1"], b"--role"),
                (["user", "add", "--db", db, "--name", "Bad Name", "--role", "supervisor"],
                 b"account name"),
                (["user", "add", "--db", db, "--name", "kim", "--role", "registrant"],
                 b"organisation"),
                (["user", "add", "--db", db, "--name", "kim", "--role", "god"], b"role is one of"),
                (["user", "disable", "--db", db, "--name", "nobody"], b"no such account"),
                (["user", "token", "--db", db, "--name", "nobody"], b"no such account"),
                (["user", "revoke", "--db", db, "--name", "admin"], b"--token"),
                (["user", "list", "--db", "/nonexistent/x.db"], b"cannot open the database"),
            ]
            for args, want in cases:
                r = run_cli(*args)
                self.assertEqual(r.returncode, 1, args)
                self.assertIn(want, r.stderr, args)
                self.assertEqual(len(r.stderr.decode().strip().splitlines()), 1, r.stderr)
            r = run_cli("user", "add", "--db", db, "--name", "kim", "--role", "supervisor",
                        "--password-file", "-", stdin=b"short\n")
            self.assertEqual((r.returncode, b"12 characters" in r.stderr), (1, True))
            pw = os.path.join(srv.dir, "pw")
            with open(pw, "w") as f:
                f.write(PW + "\n")
            os.chmod(pw, 0o644)
            r = run_cli("user", "add", "--db", db, "--name", "kim", "--role", "supervisor",
                        "--password-file", pw)
            self.assertIn(b"chmod 600", r.stderr)
            os.chmod(pw, 0o600)
            r = run_cli("user", "add", "--db", db, "--name", "kim", "--role", "supervisor",
                        "--password-file", pw)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(login(srv, "kim")[0], 303)
            out = run_cli("user", "list", "--db", db).stdout.decode()
            self.assertIn("kim\tsupervisor\t-\tactive", out)
            self.assertEqual(run_cli("user", "disable", "--db", db, "--name", "kim").returncode, 0)
            self.assertEqual(login(srv, "kim")[0], 401)
            audit = run_cli("user", "audit", "--db", db, "--name", "kim").stdout.decode()
            self.assertIn("login.failed", audit)
        finally:
            srv.stop()


class FourEyes(unittest.TestCase):
    """Publication needs an approver of the same organisation who is not the author."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo=True, env={"ALGOREG_NOW": T0})
        db = cls.srv.db
        cls.anna = bearer(add_account(db, "anna", "registrant", "politie", PW))
        cls.piet = bearer(add_account(db, "piet", "approver", "politie", PW))
        cls.paula = bearer(add_account(db, "paula", "approver", "politie", PW))
        cls.omar = bearer(add_account(db, "omar", "approver", "openbaar-ministerie", PW))

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def latest(self, rid):
        return json.loads(raw(self.srv, "GET", "/api/v1/registrations/" + rid)[2])

    def test_update_waits_for_a_second_approver(self):
        before = self.latest("10000061")
        rec = dict(before["record"], name=before["record"]["name"] + " v2")
        st, hd, d = raw(self.srv, "PUT", "/api/v1/registrations/10000061", rec, self.anna)
        d = json.loads(d)
        self.assertEqual((st, d["state"], d["author"], d["registration"]), (202, "submitted", "anna", "10000061"))
        self.assertEqual(hd["location"], "/api/v1/drafts/%d" % d["id"])
        self.assertIn("quality", d)
        self.assertEqual([c["field"] for c in d["changes"]], ["name"])
        # nothing public yet
        self.assertEqual(self.latest("10000061")["version"], before["version"])
        # the queue of the organisation; invisible to another
        st, _, q = raw(self.srv, "GET", "/api/v1/drafts?state=submitted", headers=self.piet)
        self.assertIn(d["id"], [x["id"] for x in json.loads(q)["items"]])
        st, _, q = raw(self.srv, "GET", "/api/v1/drafts", headers=self.omar)
        self.assertNotIn(d["id"], [x["id"] for x in json.loads(q)["items"]])
        self.assertEqual(raw(self.srv, "GET", "/api/v1/drafts/%d" % d["id"], headers=self.omar)[0], 404)
        self.assertEqual(raw(self.srv, "POST", "/api/v1/drafts/%d/approve" % d["id"], {},
                             self.omar)[0], 404)
        # the author cannot approve (and as a registrant not even reach the route)
        st, _, b = raw(self.srv, "POST", "/api/v1/drafts/%d/approve" % d["id"], {}, self.anna)
        self.assertEqual(st, 403)
        # an approver who wrote a draft cannot approve their own either
        rec2 = dict(before["record"], name=before["record"]["name"] + " v3")
        st, _, d2 = raw(self.srv, "PUT", "/api/v1/registrations/10000045",
                        dict(self.latest("10000045")["record"], goal="<p>Nieuw doel.</p>"), self.piet)
        d2 = json.loads(d2)
        st, _, b = raw(self.srv, "POST", "/api/v1/drafts/%d/approve" % d2["id"], {}, self.piet)
        b = json.loads(b)
        self.assertEqual((st, b["errors"][0]["rule"]), (403, "four_eyes"))
        # a second approver publishes: the author stays the author, the approver is named
        st, _, pub = raw(self.srv, "POST", "/api/v1/drafts/%d/approve" % d["id"], {}, self.paula)
        pub = json.loads(pub)
        self.assertEqual((st, pub["version"], pub["author"]), (200, before["version"] + 1, "anna"))
        self.assertIn("approved by paula", pub["note"])
        self.assertEqual(self.latest("10000061")["record"]["name"], rec["name"])
        st, _, b = raw(self.srv, "POST", "/api/v1/drafts/%d/approve" % d["id"], {}, self.paula)
        self.assertEqual(st, 409)  # decided once
        # stale: a draft on top of a version that moved on is refused at approval
        st, _, d3 = raw(self.srv, "PUT", "/api/v1/registrations/10000061",
                        dict(rec2, lars="10000061"), self.anna)
        d3 = json.loads(d3)
        st, _, d4 = raw(self.srv, "PUT", "/api/v1/registrations/10000061",
                        dict(rec2, name="Weer anders"), self.anna)
        d4 = json.loads(d4)
        self.assertEqual(raw(self.srv, "POST", "/api/v1/drafts/%d/approve" % d3["id"], {},
                             self.paula)[0], 200)
        st, _, b = raw(self.srv, "POST", "/api/v1/drafts/%d/approve" % d4["id"], {}, self.paula)
        self.assertEqual((st, json.loads(b)["errors"][0]["rule"]), (409, "stale"))
        # reject needs a reason; withdraw is the author's
        st, _, b = raw(self.srv, "POST", "/api/v1/drafts/%d/reject" % d4["id"], {}, self.paula)
        self.assertEqual(st, 422)
        st, _, b = raw(self.srv, "POST", "/api/v1/drafts/%d/reject" % d4["id"],
                       {"reason": "Verouderd"}, self.paula)
        self.assertEqual((st, json.loads(b)["state"], json.loads(b)["reason"]), (200, "rejected", "Verouderd"))
        # decisions are log leaves (no content, no reason)
        size = json.loads(raw(self.srv, "GET", "/api/v1/log")[2])["size"]
        last = json.loads(json.loads(raw(self.srv, "GET", "/api/v1/log/entries/%d" % (size - 1))[2])["data"])
        self.assertEqual((last["kind"], last["draft"], last["state"]), ("draft", d4["id"], "rejected"))
        self.assertNotIn("reason", last)
        self.assertEqual(raw(self.srv, "DELETE", "/api/v1/drafts/%d" % d2["id"], None, self.anna)[0], 404)
        self.assertEqual(raw(self.srv, "DELETE", "/api/v1/drafts/%d" % d2["id"], None, self.piet)[0], 204)
        # an identical record makes no draft
        st, _, b = raw(self.srv, "PUT", "/api/v1/registrations/10000061",
                       self.latest("10000061")["record"], self.anna)
        self.assertEqual((st, json.loads(b)["changed"]), (200, False))
        # validation happens at once, with the same problems as a direct write
        st, _, b = raw(self.srv, "PUT", "/api/v1/registrations/10000061",
                       dict(rec, status="Misschien"), self.anna)
        self.assertEqual((st, json.loads(b)["errors"][0]["field"]), (422, "status"))

    def test_withheld_draft_is_sealed_until_published(self):
        mark = "CANARY-" + uuid.uuid4().hex[:10]
        rec = {"name": "Tapkamer " + mark[-5:], "description_short": "Omschrijving " + mark,
               "organization": "Politie", "status": "In gebruik", "contact_email": "a@b.nl",
               "publication_category": "Hoog-risico AI-systeem"}
        w = {"ground": "investigation", "justification": "Omdat " + mark, "until": "2027-03-01"}
        st, _, b = raw(self.srv, "POST", "/api/v1/registrations",
                       {"record": rec, "withhold": dict(w, ground="curiosity")}, self.anna)
        self.assertEqual((st, json.loads(b)["errors"][0]["field"]), (422, "withhold.ground"))
        st, _, d = raw(self.srv, "POST", "/api/v1/registrations", {"record": rec, "withhold": w},
                       self.anna)
        self.assertEqual(st, 202, d)
        d = json.loads(d)
        self.assertTrue(d["withheld"])
        self.assertNotIn(mark.encode(), json.dumps(d.get("withhold")).encode())
        # sealed at rest: the database holds no plain text of it
        self.assertNotIn(mark.encode(), db_bytes(self.srv.db))
        st, _, full = raw(self.srv, "GET", "/api/v1/drafts/%d" % d["id"], headers=self.piet)
        self.assertIn(mark.encode(), full)  # the organisation's approver reads it
        st, _, pub = raw(self.srv, "POST", "/api/v1/drafts/%d/approve" % d["id"], {}, self.piet)
        pub = json.loads(pub)
        self.assertEqual((st, pub["withholding"]["state"]), (200, "withheld"))
        self.assertNotIn(mark.encode(), raw(self.srv, "GET", "/api/v1/registrations/" + pub["id"])[2])


def fill(pattern):
    p = pattern.replace("{id}", "10000016").replace("{version}", "1").replace("{slug}", "politie")
    p = p.replace("{index}", "0").replace("{case}", "1").replace("{report}", "1")
    p = p.replace("{ext}", "1").replace("{token}", "999999").replace("{name}", "nobody")
    p = p.replace("{draft}", "999999")
    p = p.replace("{type}", "validation").replace("/static/nobody", "/static/site.css")
    return p.replace("/tile/*", "/tile/0/000")


def gate_refused(st, hd, body):
    """Whether the router's access gate refused the request (rather than a handler)."""
    if st == 401:
        if body.startswith(b"{"):
            return b"sign in, or send an API token" in body or b"API token is not valid" in body
        return b"Log in om deze pagina te zien" in body or b"Sign in to see this page" in body
    if st == 303 and hd.get("location", "").startswith("/login?next="):
        return True
    if st == 403:
        if body.startswith(b"{"):
            return b"may not do this; it is for:" in body
        return b"Uw rol mag dit niet" in body or b"Your role may not" in body
    return False


class RoleRouteMatrix(unittest.TestCase):
    """Every route of the router's own table for every role: refused exactly when the
    route's rule leaves the role out, so a new route without a rule cannot pass."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo=True, env={"ALGOREG_NOW": T0})
        cls.tok = {r: add_account(cls.srv.db, name_of(r), r,
                                  "politie" if r in ("registrant", "approver") else None)
                   for r in ROLES}

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_matrix(self):
        out = run_cli("routes")
        self.assertEqual(out.returncode, 0, out.stderr)
        routes = [l.split("\t") for l in out.stdout.decode().splitlines()]
        self.assertGreater(len(routes), 80)
        checked = 0
        for mp, _, rule in routes:
            self.assertTrue(rule, "%s has no rule" % mp)
            method, pattern = mp.split(" ", 1)
            allowed = set(rule.split(","))
            path = fill(pattern)
            for role in [None] + ROLES:
                h = bearer(self.tok[role]) if role else {}
                body = {} if method in ("POST", "PUT") else None
                if method == "POST" and not path.startswith("/api/"):
                    h["Content-Type"] = "application/x-www-form-urlencoded"
                    body = {"x": "1"}
                st, hd, b = raw(self.srv, method, path, body, h)
                refused = gate_refused(st, hd, b)
                should = "public" not in allowed and (role is None or role not in allowed)
                self.assertEqual(refused, should, "%s %s as %s: %d %s" % (
                    method, path, role or "anonymous", st, b[:200]))
                self.assertNotEqual(st, 500, "%s %s as %s" % (method, path, role))
                checked += 1
        self.assertGreater(checked, 800)


class Throttling(unittest.TestCase):
    def test_failed_logins_lock_account_then_address(self):
        srv = Server(demo=True, env={"ALGOREG_NOW": T0})
        try:
            add_account(srv.db, "anna", "registrant", "politie", PW)
            for _ in range(5):
                self.assertEqual(login(srv, "anna", "wrong-password-123")[0], 401)
            st, hd, cookie, body = login(srv, "anna")  # the right password, but locked
            self.assertEqual((st, cookie), (429, None))
            self.assertEqual(hd["retry-after"], "900")
            self.assertIn(b"15", body)
            # the address: 20 failures from one place lock it for every name
            for i in range(15):
                login(srv, "guess%d" % i, "wrong-password-123")
            add_account(srv.db, "bert", "supervisor", None, PW)
            self.assertEqual(login(srv, "bert")[0], 429)
        finally:
            srv.stop()
        # the lock ends with its time (the settable clock; no waiting)
        srv = Server(db=srv.db, env={"ALGOREG_NOW": "2026-11-23T09:16:00Z"})
        try:
            self.assertEqual(login(srv, "anna")[0], 303)
        finally:
            srv.stop()


class SessionExpiry(unittest.TestCase):
    def test_idle_and_absolute_expiry(self):
        srv = Server(demo=True, env={"ALGOREG_NOW": T0})
        add_account(srv.db, "anna", "registrant", "politie", PW)
        cookie = login(srv, "anna")[2]
        srv.stop()

        def me_at(now):
            s = Server(db=srv.db, env={"ALGOREG_NOW": now})
            try:
                return raw(s, "GET", "/api/v1/me", headers={"Cookie": "algoreg_session=" + cookie})[0]
            finally:
                s.stop()
        self.assertEqual(me_at("2026-11-23T09:20:00Z"), 200)   # 20 idle minutes: alive, and used
        self.assertEqual(me_at("2026-11-23T09:45:00Z"), 200)   # 25 minutes after that use
        self.assertEqual(me_at("2026-11-23T10:20:00Z"), 401)   # 35 idle minutes: ended
        # (the 10-hour absolute limit is in tests/unit/test_auth.c, with the clock moved
        # in process)


class CanaryEveryRole(unittest.TestCase):
    """Withheld content reaches its own organisation and the supervisor, nobody else."""

    def test_canary_scan_as_every_role(self):
        srv = Server(demo=True, env={"ALGOREG_NOW": T0})
        try:
            tok = {r: add_account(srv.db, name_of(r), r,
                                  "politie" if r in ("registrant", "approver") else None)
                   for r in ROLES}
            tok["other"] = add_account(srv.db, "om-editor", "registrant", "openbaar-ministerie")
            mark = "CANARY-" + uuid.uuid4().hex[:10]
            rec = {"name": "Zaakssysteem " + mark[-6:], "description_short": "Omschrijving " + mark,
                   "organization": "Politie", "status": "In gebruik", "contact_email": "a@b.nl",
                   "publication_category": "Hoog-risico AI-systeem", "goal": "<p>Doel %s</p>" % mark}
            w = {"ground": "investigation", "justification": "Omdat " + mark,
                 "case_reference": mark, "until": "2027-03-01"}
            st, _, b = raw(srv, "POST", "/api/v1/registrations", {"record": rec, "withhold": w},
                           bearer(tok["registrant"]))
            self.assertEqual(st, 202, b)
            draft = json.loads(b)["id"]
            st, _, b = raw(srv, "POST", "/api/v1/drafts/%d/approve" % draft, {},
                           bearer(tok["approver"]))
            self.assertEqual(st, 200, b)
            rid = json.loads(b)["id"]
            sealed = "/api/v1/registrations/%s/withholding/sealed" % rid
            for who in ("registrant", "approver", "supervisor"):
                st, _, b = raw(srv, "GET", sealed, headers=bearer(tok[who]))
                self.assertEqual(st, 200, who)
                self.assertIn(mark.encode(), b, who)
            routes = [l.split("\t")[0].split(" ", 1)
                      for l in run_cli("routes").stdout.decode().splitlines()]
            paths = [fill(p).replace("10000016", rid).replace("999999", str(draft))
                     for m, p in routes if m == "GET"]
            # searches for the withheld words (the query itself is not echoed: it would be
            # the searcher's own text)
            paths += ["/?q=Omschrijving&per_page=100", "/api/v1/registrations?q=Zaakssysteem",
                      "/api/v1/registrations?q=Omschrijving&per_page=100", "/admin",
                      "/api/v1/audit?limit=1000", "/api/v1/log/entries/%d" % 0]
            size = json.loads(raw(srv, "GET", "/api/v1/log")[2])["size"]
            paths += ["/api/v1/log/entries/%d" % i for i in range(size)]
            for who in [None, "other", "admin", "authorising_authority", "review_committee",
                        "police_chief", "prosecutor", "mayor"]:
                h = bearer(tok[who]) if who else {}
                for p in paths:
                    st, _, b = raw(srv, "GET", p, headers=h)
                    self.assertNotIn(mark.encode(), b, "%s sees it at %s" % (who or "anonymous", p))
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
