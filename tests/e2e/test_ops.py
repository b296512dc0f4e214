"""What an operator watches, against a real server: /healthz, /readyz, Prometheus metrics
(counts that move with traffic, no content), the JSON access log (no tokens or queries),
and a graceful stop that signs a final checkpoint."""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, TOKEN, Server, db_query, free_port, run_cli  # noqa: E402

REC = {"name": "Kentekenherkenning", "description_short": "Herkent kentekens.",
       "organization": "Politie", "status": "In gebruik", "contact_email": "a@b.nl",
       "publication_category": "Impactvolle algoritmes"}


def metrics(srv):
    st, hd, body = srv.request("GET", "/metrics", token=False)
    assert st == 200 and hd["Content-Type"].startswith("text/plain; version=0.0.4")
    out = {}
    for line in body.decode().splitlines():
        if line.startswith("#") or not line:
            continue
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out, body


class Ops(unittest.TestCase):
    def test_health_readiness_and_metrics(self):
        srv = Server(demo=True)
        try:
            st, _, body = srv.request("GET", "/healthz", token=False)
            self.assertEqual((st, body), (200, b"ok\n"))
            st, _, r = srv.json("GET", "/readyz", token=False)
            self.assertEqual((st, r["status"]), (200, "ready"))
            before, _ = metrics(srv)
            for _ in range(3):
                srv.request("GET", "/api/v1/registrations/10000016", token=False)
            srv.request("GET", "/api/v1/registrations/12345678", token=False)
            after, text = metrics(srv)
            key = 'algoreg_http_requests_total{method="GET",route="/api/v1/registrations/{id}",code="2xx"}'
            self.assertEqual(after[key] - before.get(key, 0), 3)
            self.assertEqual(after[key.replace("2xx", "4xx")], 1)
            hist = 'algoreg_http_request_duration_seconds_count{method="GET",route="/api/v1/registrations/{id}"}'
            self.assertGreaterEqual(after[hist], 4)
            inf = 'algoreg_http_request_duration_seconds_bucket{method="GET",route="/api/v1/registrations/{id}",le="+Inf"}'
            self.assertEqual(after[inf], after[hist])
            self.assertGreater(after["algoreg_db_statement_duration_seconds_count"], 0)
            self.assertGreater(after["algoreg_log_size"], 0)
            self.assertEqual(after["algoreg_withheld_past_end_date"], 0)
            self.assertEqual(after["algoreg_rbi_requests_overdue"], 0)
            self.assertGreaterEqual(after["algoreg_withheld_entries"], 0)
            # counts only: a withheld entry's content never shows
            mark = "CANARY-OPS-7731"
            st, _, b = srv.json("POST", "/api/v1/registrations", {
                "record": dict(REC, description_short="Omschrijving " + mark),
                "withhold": {"ground": "investigation", "justification": mark,
                             "until": "2027-03-01"}})
            self.assertEqual(st, 201, b)
            after2, text = metrics(srv)
            self.assertNotIn(mark.encode(), text)
            self.assertEqual(after2["algoreg_withheld_entries"], after["algoreg_withheld_entries"] + 1)
        finally:
            srv.stop()

    def test_access_log_and_graceful_stop_with_final_checkpoint(self):
        srv0 = Server(demo=True)
        srv0.stop()
        log = os.path.join(srv0.dir, "access.log")
        srv = Server(db=srv0.db, serve_args=("--access-log", log))
        try:
            srv.request("GET", "/?q=geheime+zoekterm", token=False)
            st, _, b = srv.json("POST", "/api/v1/registrations", REC)
            self.assertEqual(st, 201, b)
            srv.request("GET", "/api/v1/registrations/" + b["id"])
        finally:
            srv.stop()  # SIGTERM: exits 0 (checked by stop)
        with open(log) as f:
            blob = f.read()
        lines = [json.loads(l) for l in blob.splitlines()]
        self.assertGreaterEqual(len(lines), 3)
        post = [l for l in lines if l["method"] == "POST"][0]
        self.assertEqual((post["route"], post["status"], post["who"]),
                         ("/api/v1/registrations", 201, "tester"))
        for l in lines:
            self.assertEqual(set(l), {"time", "client", "method", "route", "path", "status", "ms",
                                      "bytes", "who"})
            self.assertRegex(l["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertNotIn(TOKEN, blob)
        self.assertNotIn("zoekterm", blob)  # no query strings
        # the final checkpoint covers everything written
        size = db_query(srv0.db, "SELECT max(idx) + 1 FROM log_leaves")[0]
        signed = db_query(srv0.db, "SELECT max(size) FROM log_checkpoints")[0]
        self.assertEqual(signed, size)
        self.assertFalse(os.path.exists(srv0.db + "-wal") and os.path.getsize(srv0.db + "-wal") > 0,
                         "the WAL is folded into the database at shutdown")


class Config(unittest.TestCase):
    def test_file_environment_and_flags(self):
        srv0 = Server(demo=True)
        srv0.stop()
        bad = os.path.join(srv0.dir, "bad.conf")
        with open(bad, "w") as f:
            f.write("# comment\nlisten = 127.0.0.1:1\ndb = %s\nlisen = x\nthreads = 999\n"
                    "service-tokens-publish = maybe\nnovalue\n" % srv0.db)
        r = run_cli("config", "check", "--config", bad)
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1)
        for want in ("bad.conf:4: 'lisen' is not a setting", "bad.conf:5: --threads",
                     "bad.conf:6: service-tokens-publish is true or false",
                     'bad.conf:7: expected "key = value"', "4 problems"):
            self.assertIn(want, err)
        # serve refuses to start on it, naming the same lines
        r = run_cli("serve", "--config", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.conf:4:", r.stderr.decode())
        self.assertIn("nothing started", r.stderr.decode())
        # a key file others can read is refused by the check
        os.chmod(srv0.files + ".key", 0o644)
        good = os.path.join(srv0.dir, "good.conf")
        port = free_port()
        with open(good, "w") as f:
            f.write("listen = 127.0.0.1:%d\ndb = %s\nrate-limit = 50\n" % (port, srv0.db))
        r = run_cli("config", "check", "--config", good)
        self.assertIn("chmod 600", r.stderr.decode())
        os.chmod(srv0.files + ".key", 0o600)
        r = run_cli("config", "check", "--config", good)
        self.assertEqual((r.returncode, r.stdout.decode().strip()), (0, good + ": ok"))
        r = run_cli("config", "check", "--config", good, env={"ALGOREG_RATE_LIMIT": "lots"})
        self.assertIn("ALGOREG_RATE_LIMIT: --rate-limit", r.stderr.decode())
        # flags win over the file (the harness gives its own --listen and port)
        srv = Server(db=srv0.db, serve_args=("--config", good, "--rate-limit", "0"))
        try:
            self.assertEqual(srv.request("GET", "/healthz", token=False)[0], 200)
        finally:
            srv.stop()

    def test_packaged_configuration_documents_every_key(self):
        """doc/algoreg.conf (the package's /etc/algoreg/algoreg.conf) lists every setting of
        serve with its default, and is a valid configuration once its db exists."""
        r = run_cli("serve", "--help")
        keys = set(re.findall(r"^  --([a-z-]+)", r.stdout.decode(), re.M)) - {"config", "help"}
        self.assertGreater(len(keys), 15)
        with open(os.path.join(ROOT, "doc", "algoreg.conf")) as f:
            text = f.read()
        documented = set(re.findall(r"^#? ?([a-z-]+) =", text, re.M))
        self.assertEqual(keys - documented, set(), "undocumented keys")
        self.assertEqual(documented - keys, set(), "documented keys serve does not have")
        # every commented-out default, switched on, is accepted as it stands
        srv0 = Server(demo=True)
        srv0.stop()
        lines = []
        for line in text.splitlines():
            m = re.match(r"^# ?([a-z-]+) = (\S.*)$", line)
            if m:
                line = "%s = %s" % m.groups()
            if line.startswith("db ="):
                line = "db = " + srv0.db
            for ext in ("key", "enc"):
                line = line.replace("/var/lib/algoreg/algoreg.db." + ext, srv0.files + "." + ext)
            if line.startswith(("tokens =", "smtp-credentials =")):
                continue  # no token or relay password file in this register
            lines.append(line)
        conf = os.path.join(srv0.dir, "algoreg.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = run_cli("config", "check", "--config", conf)
        self.assertEqual(r.returncode, 0, r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
