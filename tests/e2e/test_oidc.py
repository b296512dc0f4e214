"""Single sign-on with OpenID Connect (issue 12) against a real provider on loopback:
node-oidc-provider (tests/oidc/provider.mjs) with a client for algoreg and three users.

Covered: a good sign-in (code flow with PKCE, state and nonce) that makes an account
with the role and organisation the claims map to and a session no longer than the ID
token; the same callback replayed (state used) and an old code with a fresh state (the
provider refuses it); ID tokens the provider hands out broken — another audience,
expired, issued in the future beyond the leeway, another nonce, a changed signature, no
signature; a rotated signing key (the provider restarted with a new key: algoreg fetches
the key set again); a user whose claims map to no role (a page saying whom to ask);
RP-initiated logout (to the provider's end-session endpoint) and back-channel logout
(the provider ends algoreg's session); and faults: a provider that is down, one that
answers nonsense, one that does not answer in time — each refused with a clear page
while local accounts keep signing in."""
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, Server, add_account, free_port  # noqa: E402

PROVIDER = os.path.join(ROOT, "tests", "oidc", "provider.mjs")
HAVE_PROVIDER = os.path.exists(os.path.join(ROOT, "node_modules", "oidc-provider"))
PW = "Kettle-Orbit-Lantern-58"


class Browser:
    """Just enough of a browser: cookies per host:port, redirects followed by hand."""

    def __init__(self):
        self.jar = {}

    def request(self, method, url, body=None, headers=None):
        u = urllib.parse.urlsplit(url)
        host = u.netloc
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        h = dict(headers or {})
        cookies = self.jar.get(host, {})
        if cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in cookies.items())
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        path = u.path + ("?" + u.query if u.query else "")
        c.request(method, path or "/", body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if "max-age=0" in v.lower() or "expires=thu, 01 jan 1970" in v.lower():
                    self.jar.setdefault(host, {}).pop(name, None)
                else:
                    self.jar.setdefault(host, {})[name] = value
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data, r.getheaders()

    def follow(self, url, stop=None, limit=12):
        """GET url and follow redirects; stop(url) → True ends before requesting it.
        Returns (status, headers, body, last url, all headers of the last answer)."""
        for _ in range(limit):
            if stop and stop(url):
                return None, None, None, url, None
            st, hd, body, raw = self.request("GET", url)
            if st in (301, 302, 303, 307) and "location" in hd:
                url = urllib.parse.urljoin(url, hd["location"])
                continue
            return st, hd, body, url, raw
        raise AssertionError("too many redirects")


class Garbage(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"{this is not a discovery document"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@unittest.skipUnless(HAVE_PROVIDER, "oidc-provider is not installed (npm ci)")
class SingleSignOn(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="algoreg-oidc-")
        cls.pport = free_port()
        cls.aport = free_port()
        cls.issuer = "http://127.0.0.1:%d" % cls.pport
        cls.key = os.path.join(cls.dir, "key1.json")
        cls.start_provider(cls.key)
        # a provider that answers nonsense, one that never answers, one that is down
        cls.garbage = HTTPServer(("127.0.0.1", 0), Garbage)
        threading.Thread(target=cls.garbage.serve_forever, daemon=True).start()
        cls.silent = socket.socket()
        cls.silent.bind(("127.0.0.1", 0))
        cls.silent.listen(8)
        down = free_port()
        secret = os.path.join(cls.dir, "secret")
        with open(secret, "w") as f:
            f.write("algoreg-test-secret\n")
        os.chmod(secret, 0o600)
        cfg = os.path.join(cls.dir, "oidc.yaml")
        roles = ("    roles:\n      - when: {groups: algoreg-editor}\n        role: registrant\n"
                 "        org: politie\n      - when: {groups: algoreg-approver}\n"
                 "        role: approver\n        org: politie\n")
        other = ("    client_id: algoreg\n    client_secret_file: %s\n    timeout_ms: 800\n"
                 "    roles: [{when: {groups: x}, role: supervisor}]\n" % secret)
        with open(cfg, "w") as f:
            f.write("providers:\n"
                    "  - name: idp\n    label: Test-IdP\n    issuer: %s\n"
                    "    client_id: algoreg\n    client_secret_file: %s\n"
                    "    scopes: openid profile email groups\n    jwks_refetch: 0\n"
                    "    contact: het functioneel beheer van algoreg (beheer@politie.example)\n"
                    % (cls.issuer, secret) + roles +
                    "  - name: nonsense\n    issuer: http://127.0.0.1:%d\n"
                    % cls.garbage.server_address[1] + other +
                    "  - name: silent\n    issuer: http://127.0.0.1:%d\n"
                    % cls.silent.getsockname()[1] + other +
                    "  - name: down\n    issuer: http://127.0.0.1:%d\n" % down + other)
        cls.srv = Server(demo=True, serve_args=("--oidc", cfg), port=cls.aport)
        cls.base = "http://127.0.0.1:%d" % cls.srv.port
        add_account(cls.srv.db, "lokaal", "approver", "politie", PW)
        cls.admin = add_account(cls.srv.db, "beheer", "admin", None, PW)

    @classmethod
    def start_provider(cls, keyfile):
        cls.prov = subprocess.Popen(
            ["node", PROVIDER, str(cls.pport), keyfile, "http://127.0.0.1:%d" % cls.aport],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
        line = cls.prov.stdout.readline().decode()
        while line and "listening" not in line:
            line = cls.prov.stdout.readline().decode()
        assert "listening" in line, "the provider did not start"

    @classmethod
    def stop_provider(cls):
        cls.prov.terminate()
        cls.prov.wait(timeout=10)
        cls.prov.stdout.close()

    @classmethod
    def tearDownClass(cls):
        cls.stop_provider()
        cls.garbage.shutdown()
        cls.garbage.server_close()
        cls.silent.close()
        cls.srv.stop()

    def mode(self, m):
        c = http.client.HTTPConnection("127.0.0.1", self.pport, timeout=10)
        c.request("GET", "/__test/mode?set=" + m)
        c.getresponse().read()
        c.close()

    def sign_in(self, who, b=None, provider="idp"):
        """The whole flow from algoreg's sign-in link; returns (browser, status, body,
        last url, headers of the last answer)."""
        b = b or Browser()
        st, hd, body, url, raw = b.follow(
            "%s/login/oidc/%s?next=/account&login_hint=%s" % (self.base, provider, who))
        return b, st, body, url, raw

    def callback_url(self, who):
        """Run a sign-in up to algoreg's callback and return that URL (not requested)."""
        b = Browser()
        _, _, _, url, _ = b.follow(
            "%s/login/oidc/idp?login_hint=%s" % (self.base, who),
            stop=lambda u: "/login/oidc/idp/callback" in u)
        return b, url

    def test_good_sign_in_and_account(self):
        b, st, body, url, raw = self.sign_in("alice")
        self.assertEqual(st, 200, body[:500])
        self.assertTrue(url.endswith("/account"), url)
        self.assertIn(b"alice", body)
        self.assertIn(b"registrant", body)
        # the session cookie lives no longer than the ID token (an hour)
        b2, cb = self.callback_url("alice")
        st, hd, _, raw = b2.request("GET", cb)
        self.assertEqual(st, 303)
        cookies = [v for k, v in raw if k.lower() == "set-cookie" and "algoreg_session=" in v]
        age = int(re.search(r"Max-Age=(\d+)", cookies[0]).group(1))
        self.assertLessEqual(age, 3600)
        self.assertGreater(age, 3000)
        # the account works in the API as well: a registrant of politie
        st, _, body, _ = b.request("GET", self.base + "/api/v1/me")
        self.assertIn(b'"org": "politie"'.replace(b" ", b""), body.replace(b" ", b""))
        # signing in again maps the claims again; the account is the same one
        b3, st, body, _, _ = self.sign_in("alice")
        self.assertEqual(st, 200)
        st, _, body, _ = b3.request("GET", self.base + "/api/v1/me")
        self.assertIn(b"alice", body)
        self.assertNotIn(b"alice-2", body)

    def test_replayed_callback_and_code(self):
        b, cb = self.callback_url("paula")
        st, hd, _, _ = b.request("GET", cb)
        self.assertEqual(st, 303)
        self.assertTrue(hd["location"].startswith("/"))
        # the same answer again: its state was used
        st, _, body, _ = b.request("GET", cb)
        self.assertEqual(st, 400)
        self.assertIn(b"al gebruikt", body)
        # the old code with a fresh state of this browser: the provider refuses the code
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(cb).query)["code"][0]
        b2, cb2 = self.callback_url("paula")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(cb2).query)
        replay = "%s/login/oidc/idp/callback?code=%s&state=%s" % (
            self.base, urllib.parse.quote(code), urllib.parse.quote(q["state"][0]))
        st, _, body, _ = b2.request("GET", replay)
        self.assertEqual(st, 401, body[:300])
        self.assertIn(b"invalid_grant", body)
        # a callback this browser did not start
        st, _, body, _ = Browser().request("GET", cb2)
        self.assertEqual(st, 400)

    def test_broken_tokens_are_refused(self):
        cases = {"aud": b"audience", "expired": b"expired", "future": b"future",
                 "nonce": b"nonce", "tamper": b"signature", "none": b"not an accepted"}
        try:
            for m, why in cases.items():
                self.mode(m)
                b, st, body, url, _ = self.sign_in("alice")
                self.assertEqual(st, 401, (m, body[:300]))
                self.assertIn(why, body, m)
                self.assertNotIn("algoreg_session", b.jar.get("127.0.0.1:%d" % self.srv.port, {}))
        finally:
            self.mode("")
        b, st, _, _, _ = self.sign_in("alice")
        self.assertEqual(st, 200)

    def test_rotated_key(self):
        b, st, _, _, _ = self.sign_in("paula")  # algoreg has the first key now
        self.assertEqual(st, 200)
        type(self).stop_provider()
        type(self).start_provider(os.path.join(self.dir, "key2.json"))
        try:
            b, st, body, _, _ = self.sign_in("paula")
            self.assertEqual(st, 200, body[:300])
        finally:
            type(self).stop_provider()
            type(self).start_provider(self.key)

    def test_unmapped_user(self):
        b, st, body, _, _ = self.sign_in("bob")
        self.assertEqual(st, 403)
        self.assertIn(b"geen toegang", body)
        self.assertIn(b"beheer@politie.example", body)
        st, _, body, _ = b.request("GET", self.base + "/account")
        self.assertNotEqual(st, 200)

    def test_logout_rp_initiated_and_back_channel(self):
        b, st, body, _, _ = self.sign_in("alice")
        self.assertEqual(st, 200)
        csrf = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
        st, hd, _, _ = b.request("POST", self.base + "/logout", {"csrf": csrf})
        self.assertEqual(st, 303)
        self.assertTrue(hd["location"].startswith(self.issuer + "/session/end?client_id=algoreg"),
                        hd["location"])
        self.assertNotEqual(b.request("GET", self.base + "/account")[0], 200)
        # back-channel: signed in to algoreg, the user signs out at the provider
        b, st, _, _, _ = self.sign_in("alice")
        self.assertEqual(st, 200)
        st, _, form, _ = b.request("GET", self.issuer + "/session/end")
        self.assertEqual(st, 200)
        xsrf = re.search(rb'name="xsrf" value="([^"]+)"', form).group(1).decode()
        action = re.search(rb'action="([^"]+)"', form).group(1).decode()
        st, hd, _, _ = b.request("POST", urllib.parse.urljoin(self.issuer, action),
                                 {"xsrf": xsrf, "logout": "yes"})
        self.assertIn(st, (302, 303))
        deadline = time.time() + 10  # the provider calls algoreg from its own side
        while time.time() < deadline and b.request("GET", self.base + "/account")[0] == 200:
            time.sleep(0.1)
        self.assertNotEqual(b.request("GET", self.base + "/account")[0], 200)
        st, _, audit, _ = Browser().request("GET", self.base + "/api/v1/audit?limit=200",
                                            headers={"Authorization": "Bearer " + self.admin})
        self.assertEqual(st, 200)
        self.assertIn(b"logout.backchannel", audit)
        # a forged logout token is refused
        st, _, body, _ = Browser().request(
            "POST", self.base + "/login/oidc/idp/backchannel-logout",
            {"logout_token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9."})
        self.assertEqual(st, 400)

    def test_faults_and_local_accounts(self):
        for name, why in (("down", b"antwoordt nu niet"), ("nonsense", b"antwoordt nu niet"),
                          ("silent", b"antwoordt nu niet")):
            t = time.time()
            b, st, body, _, _ = self.sign_in("alice", provider=name)
            self.assertEqual(st, 503, (name, body[:300]))
            self.assertIn(why, body)
            self.assertLess(time.time() - t, 10, "a slow provider is given up on")
        self.assertEqual(Browser().request("GET", self.base + "/login/oidc/nope")[0], 404)
        # the sign-in page offers the providers; a local account still signs in
        st, _, page, _ = Browser().request("GET", self.base + "/login")
        self.assertIn(b"/login/oidc/idp?next=", page)
        self.assertIn(b"Test-IdP", page)
        b = Browser()
        st, hd, _, _ = b.request("POST", self.base + "/login", {"name": "lokaal", "password": PW})
        self.assertEqual(st, 303)
        self.assertEqual(b.request("GET", self.base + "/account")[0], 200)


if __name__ == "__main__":
    unittest.main()
