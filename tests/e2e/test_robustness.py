"""Hostile input against a real server: mutated JSON bodies, odd paths and query
strings, oversized headers. Every answer is a 4xx with a problem+json body (or an HTML
error page for site paths), nothing is stored, and the server keeps serving."""
import json
import os
import random
import socket
import sys
import unittest
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server  # noqa: E402

SEED = {
    "name": "Robuust", "description_short": "Korte omschrijving.", "organization": "Politie",
    "status": "In gebruik", "contact_email": "a@b.nl", "publication_category": "Overige algoritmes",
    "category": ["Recht"], "safeguards": {"is_ai": True}, "lawful_basis_grouping": [{"title": "x"}],
}


def mutate(rnd, data):
    ops = [
        lambda b: b[: rnd.randrange(len(b))],
        lambda b: b[:i] + bytes([rnd.randrange(256)]) + b[i + 1:] if (i := rnd.randrange(len(b))) >= 0 else b,
        lambda b: b.replace(b'"', b"", 1),
        lambda b: b.replace(b":", b"::", 1),
        lambda b: b"[" * rnd.randrange(1, 40) + b,
        lambda b: b + b"\x00",
        lambda b: b.replace(b"Robuust", "\u202e\ud800".encode("utf-8", "surrogatepass")),
    ]
    for _ in range(rnd.randrange(1, 4)):
        data = rnd.choice(ops)(data) or b"{"
    return data


class Robustness(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def total(self):
        return self.srv.json("GET", "/api/v1/registrations?per_page=1")[2]["total"]

    def test_many_visitors_of_a_page_nobody_asked_for_yet(self):
        """After a write every cached page is stale; the visitors arriving together at one
        page get one render between them (the others wait for it), all the same page, and
        an error page (nothing stored) leaves no render claimed behind."""
        def gauges():
            body = self.srv.request("GET", "/metrics", token=False)[2].decode()
            return {n: float(v) for n, v in (l.rsplit(" ", 1) for l in body.splitlines()
                                            if l.startswith("algoreg_page_cache_"))}
        st, _, made = self.srv.json("POST", "/api/v1/registrations", dict(SEED, name="Drukte"))
        self.assertEqual(st, 201, made)
        for path, want in (("/registrations/10000061", 200), ("/registrations/" + made["id"], 200),
                           ("/registrations/19999999", 404)):
            with ThreadPoolExecutor(24) as pool:
                answers = list(pool.map(lambda _: self.srv.request("GET", path, token=False),
                                        range(48)))
            self.assertEqual({a[0] for a in answers}, {want}, path)
            if want == 200:
                self.assertEqual(len({a[2] for a in answers}), 1, path)  # one page for all
            g = gauges()
            self.assertEqual((g["algoreg_page_cache_rendering"], g["algoreg_page_cache_waiting"]),
                             (0, 0), path)
        self.assertGreater(gauges()["algoreg_page_cache_bytes"], 0)

    def test_mutated_bodies(self):
        rnd = random.Random(1234)
        before = self.total()
        base = json.dumps(SEED).encode()
        created = 0
        for _ in range(400):
            body = mutate(rnd, base)
            st, hd, data = self.srv.request("POST", "/api/v1/registrations", raw=body,
                                            headers={"Content-Type": "application/json"})
            self.assertIn(st, (201, 400, 413, 422), body)
            if st == 201:
                created += 1
            else:
                self.assertEqual(hd["Content-Type"], "application/problem+json")
                p = json.loads(data)
                self.assertIn("title", p)
        self.assertEqual(self.total(), before + created)

    def test_odd_paths_and_queries(self):
        rnd = random.Random(99)
        paths = ["/api/v1/registrations/" + "9" * n for n in (0, 1, 7, 8, 9, 300)]
        paths += ["/api/v1/registrations?page=" + p for p in ("-1", "0", "1e9", "x", "99999999999")]
        paths += ["/api/v1/registrations?q=" + "%22" * 50, "/api/v1/registrations?q=%00",
                  "/api/v1/registrations?q=NEAR(a%20b)", "/api/v1/registrations?q=*",
                  "/registrations/10000016?version=0", "/registrations/10000016?version=x",
                  "/?q=%C0%AF", "/?per_page=1000", "/static/../../etc/passwd",
                  "/organisations/%2e%2e", "/api/v1/" + "a/" * 200]
        for _ in range(100):
            paths.append("/api/v1/registrations?" + "&".join(
                "%s=%s" % (rnd.choice(["q", "status", "theme", "ai", "sort", "page", "x"]),
                           "".join(rnd.choice("ab%20*\"'()-") for _ in range(rnd.randrange(8))))
                for _ in range(rnd.randrange(1, 5))))
        for p in paths:
            st, hd, _ = self.srv.request("GET", p, token=False)
            self.assertLess(st, 500, p)
        self.assertEqual(self.srv.request("GET", "/api/v1")[0], 200)

    def test_too_many_query_parameters_are_refused_not_cut(self):
        many = "&".join("p%d=1" % i for i in range(160))
        st, _, _ = self.srv.request("GET", "/api/v1/registrations?" + many, token=False)
        self.assertNotEqual(st, 400)  # unknown parameters are another matter; none dropped
        st, _, p = self.srv.json("GET", "/api/v1/registrations?" + many + "&one=more",
                                 token=False)
        self.assertEqual((st, p["type"]), (400, "/problems/bad-query"))
        self.assertIn("query parameters", p["detail"])

    def test_huge_headers_and_uri(self):
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
        reply = s.recv(100)
        s.close()
        self.assertRegex(reply, rb"^HTTP/1\.1 4\d\d")
        st, hd, _ = self.srv.request("GET", "/?q=" + "a" * 5000, token=False)
        self.assertIn(st, (400, 414))
        self.assertEqual(self.srv.request("GET", "/api/v1")[0], 200)


class RateLimit(unittest.TestCase):
    def test_one_address_is_slowed_down_with_429(self):
        srv = Server(demo=False, serve_args=("--rate-limit", "5"))  # bursts of 50
        try:
            codes = [srv.request("GET", "/api/v1/fields", token=False)[:2] for _ in range(80)]
            ok = sum(1 for st, _ in codes if st == 200)
            limited = [hd for st, hd in codes if st == 429]
            self.assertGreaterEqual(ok, 50)
            self.assertLess(ok, 80)
            self.assertEqual(limited[0]["Retry-After"], "1")
            self.assertEqual(limited[0]["Content-Type"], "application/problem+json")
            # a refused body is not stored: a write over the limit changes nothing
            st, _, _ = srv.request("POST", "/api/v1/registrations", dict(SEED, name="Te veel"))
            self.assertEqual(st, 429)
        finally:
            srv.stop()
        srv = Server(db=srv.db, serve_args=("--rate-limit", "5"))
        try:
            self.assertEqual(srv.json("GET", "/api/v1/registrations?q=veel", token=False)[2]["total"], 0)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
