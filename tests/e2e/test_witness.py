"""Independent witnesses against real servers on loopback: three `algoreg witness`
processes cosign the register's checkpoints; entries become witnessed at a quorum and
`algoreg verify` says who vouched and when; an offline proof file checks out with no
server running; a witness that is down does not block appends and the status says so;
a second register with the same key showing a different tree (a split view) is refused
by every witness; and bad requests get the protocol's status codes and change nothing."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, TOKEN, Server, files_of, free_port, run_cli  # noqa: E402


class Witness:
    def __init__(self, name, log_vkey, db=None, port=None):
        self.dir = tempfile.mkdtemp(prefix="algoreg-witness-")
        self.db = db or os.path.join(self.dir, "w.db")
        self.name, self.log_vkey = name, log_vkey
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.start()

    def start(self):
        self.logf = open(os.path.join(self.dir, "witness.log"), "ab")
        self.proc = subprocess.Popen(
            [BIN, "witness", "--db", self.db, "--name", self.name, "--log", self.log_vkey,
             "--listen", "127.0.0.1:%d" % self.port, "--threads", "2"],
            stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(open(self.logf.name).read())
                time.sleep(0.05)
        with open(self.db + ".vkey") as f:
            self.vkey = f.read().strip()

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(timeout=30)
        self.logf.close()
        if rc != 0:
            raise AssertionError("witness exited %d:\n%s" % (rc, open(self.logf.name).read()))

    def post(self, body):
        req = urllib.request.Request(self.url + "/add-checkpoint", data=body, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers.get("Content-Type"), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read()


def wait_for(pred, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


REC = {"name": "Kentekenherkenning", "description_short": "d", "organization": "Politie",
       "status": "In gebruik", "contact_email": "a@b.nl",
       "publication_category": "Overige algoritmes"}


class Witnesses(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        first = Server(demo=True)
        cls.db = first.db
        cls.vkey = first.json("GET", "/api/v1/log")[2]["verifier_key"]
        first.stop()
        cls.w = [Witness("witness%d.example/algoreg" % i, cls.vkey) for i in (1, 2, 3)]
        cls.wfile = os.path.join(first.dir, "witnesses.txt")
        with open(cls.wfile, "w") as f:
            for w in cls.w:
                f.write("%s %s\n" % (w.url, w.vkey))
        cls.srv = Server(db=cls.db, serve_args=("--witnesses", cls.wfile,
                                                "--witness-quorum", "2"))

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        for w in cls.w:
            if w.proc.poll() is None:
                w.stop()

    def status(self, srv=None):
        return (srv or self.srv).json("GET", "/api/v1/log/witnesses")[2]

    def witnessed_up_to_date(self):
        s = self.status()
        return s["quorum_met"] and s

    def create(self, body=None):
        st, _, b = self.srv.json("POST", "/api/v1/registrations", body or REC)
        self.assertEqual(st, 201, b)
        return b

    def verify(self, *args):
        wargs = []
        for w in self.w:
            wargs += ["--witness", w.vkey]
        return run_cli("verify", "--vkey", self.vkey, *wargs, *args)

    def test_1_cosigned_witnessed_verified_and_offline_proof(self):
        b = self.create()
        wait_for(self.witnessed_up_to_date, "a quorum of cosignatures")
        # the quorum (2) can be met before the third witness answered: wait for all three

        def all_cosigned():
            cp = self.srv.request("GET", "/checkpoint", token=False)[2].decode()
            return all("\u2014 %s " % w.name in cp for w in self.w) and cp
        cp = wait_for(all_cosigned, "all three cosignatures")
        for w in self.w:
            self.assertIn("\u2014 %s " % w.name, cp)
        e = self.srv.json("GET", "/api/v1/log/entries/%d" % b["log"]["index"], token=False)[2]
        self.assertTrue(e["witnessed"]["witnessed"])
        self.assertEqual(len(e["witnessed"]["witnesses"]), 3)
        self.assertLessEqual(e["witnessed"]["logged"], e["witnessed"]["witnessed_at"])
        r = self.verify("--url", self.srv.base, "--quorum", "2", "--id", b["id"])
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, out)
        self.assertIn("3 of 3 witnesses cosigned (quorum 2)", out)
        self.assertIn("vouched for by witness2.example/algoreg", out)
        page = self.srv.request("GET", "/registrations/" + b["id"], token=False)[2].decode()
        self.assertIn('id="witnessed"', page)
        self.assertIn("witness1.example/algoreg", page)
        # a withheld entry's commitment: an offline proof anyone can keep and check later
        w = {"ground": "investigation", "justification": "x", "until": "2027-06-01"}
        st, _, wb = self.srv.json("POST", "/api/v1/registrations", {"record": REC, "withhold": w})
        self.assertEqual(st, 201, wb)
        wait_for(self.witnessed_up_to_date, "the commitment witnessed")
        st, hd, proof = self.srv.request("GET", wb["log"]["proof"], token=False)
        self.assertEqual(st, 200)
        self.assertIn("tlog-proof", hd["Content-Disposition"])
        self.assertTrue(proof.startswith(b"c2sp.org/tlog-proof@v1\nextra "))
        path = os.path.join(tempfile.mkdtemp(), "entry.tlog-proof")
        with open(path, "wb") as f:
            f.write(proof)
        r = self.verify("--proof", path, "--quorum", "2")
        self.assertEqual(r.returncode, 0, r.stdout.decode())
        self.assertIn(b"version %s version 1" % wb["id"].encode(), r.stdout)
        self.assertIn(b"vouched for by witness3.example/algoreg", r.stdout)
        tampered = proof.replace(b"\nindex ", b"\nindex 1", 1)
        with open(path, "wb") as f:
            f.write(tampered)
        self.assertEqual(self.verify("--proof", path).returncode, 1)

    def test_2_a_witness_down_does_not_block_appends(self):
        self.w[2].stop()
        try:
            self.create()
            s = wait_for(lambda: (lambda s: s["quorum_met"] and s)(self.status()),
                         "a quorum with two witnesses")
            down = [x for x in s["witnesses"] if x["name"] == self.w[2].name][0]
            self.assertFalse(down["up"])
            self.assertIn("unreachable", down["last_error"])
            self.w[1].stop()
            b = self.create()  # still accepted
            s = wait_for(lambda: (lambda s: s["log_size"] > s["witnessed_size"] and
                                  sum(1 for x in s["witnesses"] if not x["up"]) == 2 and s)(
                self.status()), "two witnesses down")
            self.assertFalse(s["quorum_met"])
            e = self.srv.json("GET", "/api/v1/log/entries/%d" % b["log"]["index"])[2]
            self.assertFalse(e["witnessed"]["witnessed"])
            r = self.verify("--url", self.srv.base, "--quorum", "2", "--index",
                            str(b["log"]["index"]))
            self.assertEqual(r.returncode, 1)
            self.assertIn(b"not witnessed by a quorum", r.stdout)
        finally:
            for w in self.w[1:]:
                if w.proc.poll() is not None:
                    w.start()
        wait_for(self.witnessed_up_to_date, "the witnesses to catch up after a restart")

    def test_3_split_view_is_refused_by_the_witnesses(self):
        wait_for(self.witnessed_up_to_date, "an honest, witnessed log")
        saved = os.path.join(tempfile.mkdtemp(), "seen.cp")
        r = run_cli("verify", "--url", self.srv.base, "--vkey", self.vkey, "--save", saved)
        self.assertEqual(r.returncode, 0, r.stdout)
        # a second register with the same key and origin, showing a different tree
        other = tempfile.mkdtemp(prefix="algoreg-split-")
        db2 = os.path.join(other, "b.db")
        r = run_cli("init", "--db", db2)
        self.assertEqual(r.returncode, 0, r.stderr)
        shutil.copy(files_of(self.db) + ".key", db2 + ".key")
        os.chmod(db2 + ".key", 0o600)
        size = self.status()["log_size"]
        b = Server(db=db2, serve_args=("--witnesses", self.wfile))
        try:
            for i in range(size + 2):
                st, _, _ = b.json("POST", "/api/v1/registrations", dict(REC, name="Forged %d" % i))
                self.assertEqual(st, 201)
            s = wait_for(lambda: (lambda s: all(x["last_error"] for x in s["witnesses"]) and s)(
                self.status(b)), "every witness to refuse the forked log")
            self.assertEqual(s["witnessed_size"], 0)
            for x in s["witnesses"]:
                self.assertRegex(x["last_error"], "HTTP 4(09|22)|split view")
            self.assertNotIn("\u2014 witness", b.request("GET", "/checkpoint")[2].decode())
            r = run_cli("verify", "--url", b.base, "--vkey", self.vkey, "--checkpoint", saved)
            self.assertEqual(r.returncode, 1)
        finally:
            b.stop()
        # the honest log is unaffected
        self.create()
        wait_for(self.witnessed_up_to_date, "the honest log still witnessed")

    def test_4_bad_requests_get_protocol_statuses(self):
        w = self.w[0]
        cp = self.srv.request("GET", "/checkpoint", token=False)[2].decode()
        note = cp.split("\u2014 witness")[0].rstrip("\n") + "\n"  # only the log's signature
        size = int(note.split("\n")[1])
        h = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        cases = [
            (b"not a request", 400),
            (("old %d\n\nnot a note\n" % size).encode(), 400),
            (("old %d\n" % size + h * 64 + "\n" + note).encode(), 400),
            (("old %d\n\n" % (size + 5) + note).encode(), 400),          # size going backwards
            (("old %d\n" % (size - 1) + h + "\n" + note).encode(), 409),  # not its old size
            (("old %d\n" % size + h + "\n" + note).encode(), 422),        # proof of wrong length
            (("old %d\n\n" % size + note.replace("localhost/algoreg", "other.example/log",
                                                  1)).encode(), 404),
        ]
        forged = note.split("\u2014 ")[0] + "\u2014 localhost/algoreg AAAAAA" + "A" * 82 + "==\n"
        cases.append((("old %d\n\n" % size + forged).encode(), 403))      # wrong key
        for body, want in cases:
            st, ctype, _ = w.post(body)
            self.assertEqual(st, want, body[:60])
        st, ctype, body = w.post(("old 0\n\n" + note).encode())
        self.assertEqual((st, ctype), (409, "text/x.tlog.size"))
        self.assertEqual(int(body), size)  # nothing above moved it
        with urllib.request.urlopen(w.url + "/", timeout=10) as r:
            info = r.read().decode()
        self.assertIn(w.vkey, info)


if __name__ == "__main__":
    unittest.main()
