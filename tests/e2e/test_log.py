"""The transparency log against a real server: every registration version is a leaf,
proofs check with an RFC 9162 verifier written here in Python, tiles match the entries,
and Go's sumdb/note + sumdb/tlog (Debian's golang-golang-x-mod-dev, built offline)
verify the checkpoint signature, the tiles and the proofs."""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, Server  # noqa: E402

VALID = {"name": "Logsysteem", "description_short": "Voor de log.", "organization": "Politie",
         "status": "In gebruik", "contact_email": "a@b.nl",
         "publication_category": "Overige algoritmes"}


def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def verify_inclusion(leaf, index, size, root, proof):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1, size2, root1, root2, proof):
    """RFC 9162 section 2.1.4.2."""
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0 or size1 > size2 or not proof:
        return False
    path = ([root1] if size1 & (size1 - 1) == 0 else []) + proof
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


def b64(s):
    return base64.b64decode(s)


def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Log(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(demo=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def log(self):
        return self.srv.json("GET", "/api/v1/log")[2]

    def test_every_version_is_a_leaf_with_its_record_hash(self):
        st, _, b = self.srv.json("POST", "/api/v1/registrations", VALID)
        rid = b["id"]
        st, _, b2 = self.srv.json("PUT", "/api/v1/registrations/" + rid,
                                  dict(VALID, name="Logsysteem 2"))
        for v in (1, 2):
            st, _, got = self.srv.json("GET", "/api/v1/registrations/%s?version=%d" % (rid, v))
            idx = got["log"]["index"]
            st, _, e = self.srv.json("GET", "/api/v1/log/entries/%d" % idx)
            self.assertEqual(e["entry"]["id"], rid)
            self.assertEqual(e["entry"]["version"], v)
            self.assertEqual(e["entry"]["time"], got["created"])
            self.assertEqual(e["entry"]["sha256"], hashlib.sha256(canonical(got["record"])).hexdigest())
            self.assertEqual(b64(e["leaf_hash"]), leaf_hash(e["data"].encode()))
        # an unchanged write adds no leaf
        size = self.log()["size"]
        self.srv.json("PUT", "/api/v1/registrations/" + rid, dict(VALID, name="Logsysteem 2"))
        self.assertEqual(self.log()["size"], size)
        # a rejected write adds no leaf
        self.srv.json("POST", "/api/v1/registrations", dict(VALID, status="Kapot"))
        self.assertEqual(self.log()["size"], size)

    def test_proofs_verify_independently(self):
        lg = self.log()
        size, root = lg["size"], b64(lg["root"])
        self.assertGreaterEqual(size, 9)
        for i in range(size):
            st, _, p = self.srv.json("GET", "/api/v1/log/proof/inclusion?index=%d" % i)
            self.assertEqual(st, 200)
            self.assertTrue(verify_inclusion(b64(p["leaf_hash"]), i, size, root,
                                             [b64(x) for x in p["proof"]]), i)
            self.assertFalse(verify_inclusion(b64(p["leaf_hash"]), i, size, b"\0" * 32,
                                              [b64(x) for x in p["proof"]]))
        for old in range(1, size + 1):
            st, _, c = self.srv.json("GET", "/api/v1/log/proof/consistency?from=%d&to=%d" % (old, size))
            self.assertTrue(verify_consistency(old, size, b64(c["root_from"]), root,
                                               [b64(x) for x in c["proof"]]), old)
        for bad in ("/api/v1/log/proof/inclusion", "/api/v1/log/proof/inclusion?index=%d" % size,
                    "/api/v1/log/proof/inclusion?index=-1", "/api/v1/log/proof/consistency?from=0",
                    "/api/v1/log/proof/consistency?from=5&to=%d" % (size + 1),
                    "/api/v1/log/entries/999999", "/api/v1/log/entries/x"):
            st, hd, pb = self.srv.json("GET", bad)
            self.assertIn(st, (400, 404), bad)
            self.assertEqual(hd["Content-Type"], "application/problem+json")

    def test_tiles_match_entries(self):
        size = self.log()["size"]
        w = min(size, 256)
        suffix = "" if w == 256 else ".p/%d" % w
        st, hd, tile = self.srv.request("GET", "/tile/0/000" + suffix, token=False)
        self.assertEqual((st, len(tile)), (200, 32 * w))
        st, hd, bundle = self.srv.request("GET", "/tile/entries/000" + suffix, token=False)
        off = 0
        for i in range(w):
            n = int.from_bytes(bundle[off:off + 2], "big")
            self.assertEqual(leaf_hash(bundle[off + 2:off + 2 + n]), tile[32 * i:32 * i + 32])
            off += 2 + n
        self.assertEqual(off, len(bundle))
        for bad, code in (("/tile/0/001", 404), ("/tile/1/000", 404),
                          ("/tile/0/00", 400), ("/tile/0/000.p/0", 400), ("/tile/x/000", 400),
                          ("/tile/0/x000", 400), ("/tile/entries/000.p/256", 400)):
            st, _, _ = self.srv.request("GET", bad, token=False)
            self.assertEqual(st, code, bad)

    def test_checkpoint_is_a_signed_note(self):
        st, hd, body = self.srv.request("GET", "/checkpoint", token=False)
        text = body.decode()
        lines = text.split("\n")
        lg = self.log()
        self.assertEqual(lines[0], lg["origin"])
        self.assertEqual(int(lines[1]), lg["size"])
        self.assertEqual(lines[2], lg["root"])
        self.assertEqual(lines[3], "")
        self.assertTrue(lines[4].startswith("\u2014 " + lg["origin"] + " "))
        # the same size gives the same stored checkpoint
        self.assertEqual(self.srv.request("GET", "/checkpoint", token=False)[2], body)

    @unittest.skipUnless(shutil.which("go"), "Debian's golang-go is not installed")
    def test_go_sumdb_verifies_checkpoint_tiles_and_proofs(self):
        work = tempfile.mkdtemp(prefix="algoreg-go-")
        exe = os.path.join(work, "tlogcheck")
        env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode",
                   GOCACHE=os.path.join(work, "cache"), GOFLAGS="", CGO_ENABLED="0")
        r = subprocess.run(["go", "build", "-o", exe,
                            os.path.join(ROOT, "tests", "interop", "tlogcheck.go")],
                           capture_output=True, env=env, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        old = os.path.join(work, "old-checkpoint")
        with open(old, "wb") as f:
            f.write(self.srv.request("GET", "/checkpoint", token=False)[2])
        # grow the log past a full tile so level-1 tiles and partial tiles are both read
        for i in range(260):
            st, _, _ = self.srv.json("POST", "/api/v1/registrations", dict(VALID, name="Groei %d" % i))
            self.assertEqual(st, 201)
        vkey = self.log()["verifier_key"]
        r = subprocess.run([exe, self.srv.base, vkey, old], capture_output=True, timeout=600)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out[-3000:] + r.stderr.decode())
        self.assertRegex(out, r"interop: \d+ passed, 0 failed")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
