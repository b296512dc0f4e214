"""`algoreg verify` from outside, a split view (two different trees signed with one key)
caught by it, and the log's durability: a server killed with SIGKILL in the middle of a
stream of writes, many times, loses no acknowledged entry and never forks."""
import json
import os
import random
import shutil
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, copy_database, run_cli  # noqa: E402
from test_log import b64, verify_consistency, verify_inclusion  # noqa: E402

VALID = {"name": "Verify", "description_short": "x", "organization": "Politie",
         "status": "In gebruik", "contact_email": "a@b.nl",
         "publication_category": "Overige algoritmes"}


def vkey(srv):
    return srv.json("GET", "/api/v1/log")[2]["verifier_key"]


class Verify(unittest.TestCase):
    def test_verify_checks_growth_entries_and_withheld_content(self):
        srv = Server(demo=True)
        try:
            saved = os.path.join(srv.dir, "cp")
            r = run_cli("verify", "--url", srv.base, "--vkey", vkey(srv), "--save", saved,
                        "--index", "0", "--id", "10000016")
            self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
            st, _, b = srv.json("POST", "/api/v1/registrations", {
                "record": VALID, "withhold": {"ground": "detection", "justification": "j",
                                              "until": "2027-02-01", "fields": ["description_short"]}})
            rid = b["id"]
            srv.json("POST", "/api/v1/registrations/%s/withholding/close" % rid)
            r = run_cli("verify", "--url", srv.base, "--vkey", vkey(srv), "--checkpoint", saved,
                        "--id", rid)
            out = r.stdout.decode()
            self.assertEqual(r.returncode, 0, out)
            self.assertIn("extends the saved one", out)
            self.assertIn("not altered, not back-dated", out)
            # another key is not the log's
            other = vkey(srv).rsplit("+", 1)[0] + "+AQ" + "A" * 42 + "="
            r = run_cli("verify", "--url", srv.base, "--vkey", other)
            self.assertNotEqual(r.returncode, 0)
            r = run_cli("verify", "--url", srv.base, "--vkey", "not-a-key")
            self.assertEqual(r.returncode, 2)
            self.assertEqual(len(r.stderr.decode().strip().splitlines()), 1)
        finally:
            srv.stop()

    def test_a_reveal_larger_than_a_log_entry_is_still_published_and_checkable(self):
        srv = Server(demo=False)
        try:
            fields = srv.json("GET", "/api/v1/fields")[2]["fields"]

            def fill(fs):
                out = {}
                for f in fs:
                    if f["type"] == "html":
                        out[f["key"]] = "<p>" + "Inhoud " * (f["max_length"] // 8) + "</p>"
                    elif f["type"] == "text" and (f.get("max_length") or 0) >= 1000:
                        out[f["key"]] = "Tekst " * (f["max_length"] // 7)
                    elif f["type"] == "object":
                        out[f["key"]] = fill(f.get("fields", []))
                return out
            rec = dict(VALID, **fill(fields))
            rec["en"] = {f["key"]: "<p>" + "Content " * (f["max_length"] // 9) + "</p>"
                         for f in fields if f["type"] == "html"}
            st, _, b = srv.json("POST", "/api/v1/registrations", {
                "record": rec, "withhold": {"ground": "investigation", "justification": "j",
                                            "until": "2027-02-01"}})
            self.assertEqual(st, 201, b)
            rid = b["id"]
            st, _, w = srv.json("POST", "/api/v1/registrations/%s/withholding/close" % rid)
            self.assertEqual(st, 200, w)
            got = srv.json("GET", "/api/v1/registrations/" + rid)[2]
            self.assertEqual(got["withholding"]["state"], "published")
            entry = srv.json("GET", "/api/v1/log/entries/%d" % got["log"]["index"])[2]
            self.assertLessEqual(len(entry["data"].encode()), 65535)
            self.assertIn("content_sha256", entry["entry"]["revealed"][0])
            self.assertEqual(got["withholding"]["revealed"][0]["content"]["goal"], rec["goal"])
            # the English versions were withheld with their fields and come back with them
            self.assertEqual(got["record"]["en"]["goal"], rec["en"]["goal"])
            r = run_cli("verify", "--url", srv.base, "--vkey", vkey(srv), "--id", rid)
            out = r.stdout.decode()
            self.assertEqual(r.returncode, 0, out)
            self.assertIn("not altered, not back-dated", out)
        finally:
            srv.stop()

    def test_split_view_is_detected(self):
        a = Server(demo=True)
        a.stop()
        # B is a copy of A with the same signing key: one log operator, two trees.
        b_db = copy_database(a.db)
        a = Server(db=a.db)
        b = Server(db=b_db)
        try:
            a.json("POST", "/api/v1/registrations", dict(VALID, name="Gezien door A"))
            saved = os.path.join(a.dir, "cp-a")
            self.assertEqual(run_cli("verify", "--url", a.base, "--vkey", vkey(a), "--save",
                                     saved).returncode, 0)
            for n in ("Alleen B", "Nog een in B"):
                b.json("POST", "/api/v1/registrations", dict(VALID, name=n))
            r = run_cli("verify", "--url", b.base, "--vkey", vkey(b), "--checkpoint", saved)
            out = r.stdout.decode()
            self.assertNotEqual(r.returncode, 0, out)
            self.assertIn("FAIL", out)
            self.assertIn("NOT VERIFIED", out)
        finally:
            a.stop()
            b.stop()

    def test_sigkill_during_appends_loses_nothing_acknowledged(self):
        srv = Server(demo=False)
        db = srv.db
        acked = []
        checkpoints = []
        rnd = random.Random(5)
        try:
            for round_ in range(8):
                stop = threading.Event()

                def writer(s=srv):
                    i = 0
                    while not stop.is_set():
                        try:
                            st, _, b = s.json("POST", "/api/v1/registrations",
                                              dict(VALID, name="Kill %d-%d" % (round_, i)))
                        except Exception:
                            return
                        if st == 201:
                            acked.append(b["id"])
                        i += 1

                threads = [threading.Thread(target=writer) for _ in range(3)]
                for t in threads:
                    t.start()
                time.sleep(0.05 + rnd.random() * 0.3)  # a random moment in the stream
                st, _, cp = srv.request("GET", "/checkpoint", token=False)
                if st == 200:
                    lines = cp.decode().split("\n")
                    checkpoints.append((int(lines[1]), b64(lines[2])))
                time.sleep(rnd.random() * 0.1)
                srv.proc.send_signal(signal.SIGKILL)
                srv.proc.wait()
                srv.log.close()
                stop.set()
                for t in threads:
                    t.join()
                srv = Server(db=db)
            lg = srv.json("GET", "/api/v1/log")[2]
            size, root = lg["size"], b64(lg["root"])
            self.assertGreater(len(acked), 20)
            for rid in acked:
                st, _, got = srv.json("GET", "/api/v1/registrations/" + rid)
                self.assertEqual(st, 200, rid)
                i = got["log"]["index"]
                p = srv.json("GET", "/api/v1/log/proof/inclusion?index=%d" % i)[2]
                self.assertTrue(verify_inclusion(b64(p["leaf_hash"]), i, size, root,
                                                 [b64(x) for x in p["proof"]]))
            for old, old_root in checkpoints:
                if old == 0:
                    continue
                c = srv.json("GET", "/api/v1/log/proof/consistency?from=%d&to=%d" % (old, size))[2]
                self.assertTrue(verify_consistency(old, size, old_root, root,
                                                   [b64(x) for x in c["proof"]]),
                                "checkpoint %d forked" % old)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
