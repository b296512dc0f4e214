"""The national register's submission API (issue 7) against a real server.

Requests are built from the register's own OpenAPI document
(../shared/data/algoritmeregister/schema/aanleverapi-v1_0.openapi.json): its server URL,
path templates and methods; every answer is checked against the response schema the
document gives for that status code, by a small validator of the JSON Schema subset it
uses. The example entry of the national register's tests is sent as it is (it breaks
the standard: no publication category, a language "xxx", a theme that does not exist)
and then mended. The flow runs create → release → publish (an approver who is not the
author) → update → archive/unarchive → retract (hidden from every public surface,
logged) → publish again, and the refusals: another organisation, no token, four eyes,
a withheld entry that may not be retracted."""
import copy
import http.client
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SHARED, Server, add_account, run_cli  # noqa: E402

SCHEMA_DIR = os.path.join(SHARED, "data", "algoritmeregister", "schema")
OPENAPI = os.path.join(SCHEMA_DIR, "aanleverapi-v1_0.openapi.json")
EXAMPLE = os.path.join(SCHEMA_DIR, "example-entry-v1_0.test-fixture.json")
T0 = "2026-11-23T09:00:00Z"
PW = "Kettle-Orbit-Lantern-58"
CANARY = "CANARY-RETRACT-5521"


def check(doc, schema, value, where="$"):
    """Validate value against schema (the subset the document uses: $ref, anyOf, type,
    enum, properties, required, items); raise AssertionError naming the place."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        check(doc, doc["components"]["schemas"][name], value, where)
    if "anyOf" in schema:
        errors = []
        for alt in schema["anyOf"]:
            try:
                check(doc, alt, value, where)
                break
            except AssertionError as e:
                errors.append(str(e))
        else:
            raise AssertionError("%s matches no alternative: %s" % (where, errors))
    t = schema.get("type")
    kinds = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict,
             "null": type(None)}
    if t in kinds:  # "enum" as a type (the document has it) is covered by the $ref's enum
        ok = isinstance(value, kinds[t]) and not (t == "integer" and isinstance(value, bool))
        if not ok and not ("anyOf" in schema and value is None):
            raise AssertionError("%s is %r, not of type %s" % (where, value, t))
    if "enum" in schema and value not in schema["enum"]:
        raise AssertionError("%s: %r not in %s" % (where, value, schema["enum"]))
    if isinstance(value, dict):
        for k in schema.get("required", []):
            if k not in value:
                raise AssertionError("%s lacks required %s" % (where, k))
        for k, sub in schema.get("properties", {}).items():
            if k in value and value[k] is not None or (k in value and "anyOf" not in sub):
                check(doc, sub, value[k], where + "." + k)
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            check(doc, schema["items"], v, "%s[%d]" % (where, i))


@unittest.skipUnless(os.path.exists(OPENAPI), "../shared is not beside the repository")
class Submission(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(OPENAPI) as f:
            cls.doc = json.load(f)
        with open(EXAMPLE) as f:
            cls.example = json.load(f)
        cls.base = cls.doc["servers"][0]["url"]
        # The national register hides its publish endpoint from the document
        # (include_in_schema=False); its client calls PUT …/publish with the answers of
        # release. Added here as that client describes it.
        alg = "/organizations/{organisation_id}/algorithms/{algorithm_id}"
        release = cls.doc["paths"][alg + "/release"]["put"]
        cls.doc["paths"][alg + "/publish"] = {"put": dict(release,
                                                          operationId="publish_one_algorithm")}
        cls.srv = Server(demo=True, env={"ALGOREG_NOW": T0})
        db = cls.srv.db
        cls.anna = add_account(db, "anna", "registrant", "politie", PW)
        cls.piet = add_account(db, "piet", "approver", "politie", PW)
        cls.paula = add_account(db, "paula", "approver", "politie", PW)
        cls.omar = add_account(db, "omar", "approver", "openbaar-ministerie", PW)
        cls.used = set()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def call(self, op, token, body=None, raw_body=None, **params):
        """Call the document's operation op (its operationId) with path parameters;
        returns (status, headers, json) after checking the answer against the schema
        the document gives for that status."""
        for path, ops in self.doc["paths"].items():
            for method, o in ops.items():
                if o.get("operationId") == op:
                    break
            else:
                continue
            break
        else:
            raise KeyError(op)
        params.setdefault("organisation_id", "politie")
        url = self.base + re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), path)
        h = {"Authorization": "Bearer " + token} if token else {}
        data = raw_body
        if body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        c.request(method.upper(), url, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        hd = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        self.assertIn("json", hd.get("content-type", ""), raw[:300])
        v = json.loads(raw)
        resp = o["responses"].get(str(r.status))
        if resp:
            check(self.doc, resp["content"]["application/json"]["schema"], v, op)
        if 400 <= r.status < 500 and r.status != 422:
            self.assertIsInstance(v.get("detail"), str, v)  # the national Message
            self.assertTrue(hd["content-type"].startswith("application/problem+json"))
        self.used.add(op)
        return r.status, hd, v

    def public(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        c.request("GET", path)
        r = c.getresponse()
        out = (r.status, r.read())
        c.close()
        return out

    def mended(self, **extra):
        e = copy.deepcopy(self.example)
        e.update({"organization": "Politie", "publication_category": "Impactvolle algoritmes",
                  "lang": "nld", "category": ["Openbare orde en veiligheid"],
                  "contact_email": "algoritmes@politie.nl", "website": "https://www.politie.nl/",
                  "url": "https://www.politie.nl/algoritmes", "publiccode": None,
                  "begin_date": "2024-01", "end_date": None, "name": "Voorbeeld aanlevering"})
        e.update(extra)
        return e

    def draft_of(self, headers):
        return int(headers["location"].rsplit("/", 1)[1])

    def test_1_example_entry_as_sent_is_refused_per_field(self):
        st, _, v = self.call("create_one_algorithm", self.anna, self.example)
        self.assertEqual(st, 422, v)
        check(self.doc, {"$ref": "#/components/schemas/HTTPValidationError"}, v)
        locs = {tuple(d["loc"]) for d in v["detail"]}
        for field in ("publication_category", "lang", "contact_email", "organization"):
            self.assertIn(("body", field), locs, v["detail"])
        self.assertIn(("body", "category", 0), locs)  # "Bestuur" is no theme of 1.0
        self.assertTrue(all(d["msg"] and d["type"] for d in v["detail"]))
        # wrong types, unknown members and another organisation's name: per field too
        for bad, field in (({"name": 12}, "name"), ({"begin_date": "2024-13"}, "begin_date"),
                           ({"nonsense": "x"}, "nonsense"), ({"organization": "Gemeente X"},
                                                             "organization"),
                           ({"description_short": "x" * 351}, "description_short")):
            st, _, v = self.call("create_one_algorithm", self.anna, self.mended(**bad))
            self.assertEqual(st, 422, (bad, v))
            self.assertIn(("body", field), {tuple(d["loc"]) for d in v["detail"]}, v)
        st, _, v = self.call("create_one_algorithm", self.anna, raw_body="{not json")
        self.assertIn(st, (400, 422))
        # nothing of it was kept
        st, _, lst = self.call("get_all_algorithms", self.anna)
        self.assertNotIn("test_name", json.dumps(lst))

    def test_2_flow_create_release_publish_update_archive_retract_republish(self):
        st, hd, v = self.call("create_one_algorithm", self.anna,
                              self.mended(description_short="Eerste versie " + CANARY))
        self.assertEqual(st, 200, v)
        lars = v["lars_code"]
        self.assertRegex(lars, r"^\d{8}$")
        first = self.draft_of(hd)
        # not public before publication
        self.assertEqual(self.public("/api/v1/registrations/" + lars)[0], 404)
        self.assertNotIn(CANARY.encode(), self.public("/api/v1/registrations?q=aanlevering")[1])
        st, _, lst = self.call("get_all_algorithms", self.anna)
        me = [a for a in lst if a["lars"] == lars][0]
        self.assertEqual((me["published"], me["current_version_released"],
                          me["current_version_published"]), (False, False, False))
        self.assertEqual(me["last_update_by"], "anna")
        st, _, got = self.call("get_one_algorithm", self.anna, algorithm_id=lars)
        self.assertEqual((st, got["name"], got["lars"]), (200, "Voorbeeld aanlevering", lars))
        self.assertIsNone(got["publication_dt"])
        st, _, v = self.call("get_one_published_algorithm", self.anna, algorithm_id=lars)
        self.assertEqual(st, 404, v)
        # preview: a page for the organisation's members
        st, _, pv = self.call("get_one_preview_url", self.anna, algorithm_id=lars)
        self.assertEqual(st, 200, pv)
        path = re.sub(r"^https?://[^/]+", "", pv["url"])
        self.assertEqual(path, "/drafts/%d/preview" % first)
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        c.request("GET", path, headers={"Authorization": "Bearer " + self.anna})
        r = c.getresponse()
        page = r.read().decode()
        c.close()
        self.assertEqual(r.status, 200)
        self.assertIn("Voorbeeld aanlevering", page)
        self.assertIn("preview-notice", page)
        self.assertNotEqual(self.public(path)[0], 200)  # not for the public
        # publish before release: nothing released yet
        st, _, v = self.call("publish_one_algorithm", self.piet, algorithm_id=lars)
        self.assertEqual(st, 409, v)
        st, _, v = self.call("release_one_algorithm", self.anna, algorithm_id=lars)
        self.assertEqual(st, 200, v)
        st, _, v = self.call("release_one_algorithm", self.anna, algorithm_id=lars)
        self.assertEqual(st, 409, v)
        st, _, lst = self.call("get_all_algorithms", self.anna)
        me = [a for a in lst if a["lars"] == lars][0]
        self.assertTrue(me["current_version_released"])
        # four eyes: a registrant does not publish; an approver publishes
        st, _, v = self.call("publish_one_algorithm", self.anna, algorithm_id=lars)
        self.assertEqual(st, 403, v)
        st, _, v = self.call("publish_one_algorithm", self.piet, algorithm_id=lars)
        self.assertEqual(st, 200, v)
        st, body = self.public("/api/v1/registrations/" + lars)
        self.assertEqual(st, 200)
        pub = json.loads(body)
        self.assertEqual(pub["author"], "anna")
        self.assertIn("approved by piet", pub["note"])
        st, _, got = self.call("get_one_published_algorithm", self.anna, algorithm_id=lars)
        self.assertEqual(st, 200, got)
        self.assertRegex(got["publication_dt"], r"^\d{4}-\d\d-\d\dT")
        # an update is a concept; the public still sees the published version
        st, hd, v = self.call("update_one_algorithm", self.anna,
                              self.mended(description_short="Tweede versie"), algorithm_id=lars)
        self.assertEqual(st, 200, v)
        second = self.draft_of(hd)
        st, _, got = self.call("get_one_algorithm", self.anna, algorithm_id=lars)
        self.assertEqual(got["description_short"], "Tweede versie")
        st, _, got = self.call("get_one_published_algorithm", self.anna, algorithm_id=lars)
        self.assertIn(CANARY, got["description_short"])
        st, _, lst = self.call("get_all_algorithms", self.anna)
        me = [a for a in lst if a["lars"] == lars][0]
        self.assertEqual((me["published"], me["current_version_published"]), (True, False))
        # unchanged content makes no concept
        st, _, v = self.call("update_one_algorithm", self.anna,
                             self.mended(description_short="Eerste versie " + CANARY),
                             algorithm_id=lars)
        self.assertEqual(st, 200, v)
        # archive and unarchive the concept (algorithm_version_id is the draft number)
        for bad, code in (({}, 422), ({"algorithm_version_id": "x"}, 422),
                          ({"algorithm_version_id": 999999}, 404),
                          ({"algorithm_version_id": first}, 409)):
            st, _, v = self.call("archive_algorithm_version", self.anna, bad, algorithm_id=lars)
            self.assertEqual(st, code, (bad, v))
        # the unchanged update made no draft: the second concept is still the open one
        st, _, v = self.call("archive_algorithm_version", self.anna,
                             {"algorithm_version_id": second}, algorithm_id=lars)
        self.assertEqual(st, 200, v)
        st, _, got = self.call("get_one_algorithm", self.anna, algorithm_id=lars)
        self.assertIn(CANARY, got["description_short"])  # no concept open: the published one
        st, _, v = self.call("unarchive_algorithm_version", self.anna,
                             {"algorithm_version_id": second}, algorithm_id=lars)
        self.assertEqual(st, 200, v)
        st, _, got = self.call("get_one_algorithm", self.anna, algorithm_id=lars)
        self.assertEqual((got["description_short"], got["state"]), ("Tweede versie", "STATE_1"))
        st, _, v = self.call("unarchive_algorithm_version", self.anna,
                             {"algorithm_version_id": second}, algorithm_id=lars)
        self.assertEqual(st, 409, v)
        # retraction: approvers only; hidden from every public surface, in the log
        st, _, v = self.call("retract_one_published_algorithm", self.anna, algorithm_id=lars)
        self.assertEqual(st, 403, v)
        st, _, v = self.call("retract_one_published_algorithm", self.piet, algorithm_id=lars)
        self.assertEqual(st, 200, v)
        st, _, v = self.call("retract_one_published_algorithm", self.piet, algorithm_id=lars)
        self.assertEqual(st, 409, v)
        for path in ("/api/v1/registrations/" + lars, "/registrations/" + lars,
                     "/api/v1/registrations/%s/versions" % lars,
                     "/api/v1/registrations/%s/standard" % lars,
                     "/registrations/%s/history" % lars):
            st, body = self.public(path)
            self.assertEqual(st, 410, path)
            self.assertNotIn(CANARY.encode(), body)
        for path in ("/api/v1/registrations?q=aanlevering", "/api/v1/registrations.csv?q=" + lars,
                     "/feed.atom", "/api/v1/changes?limit=1000", "/organisations/politie",
                     "/api/v1/registrations?organization=politie&per_page=100"):
            st, body = self.public(path)
            self.assertEqual(st, 200, path)
            self.assertNotIn(CANARY.encode(), body, path)
            self.assertNotIn(b"Voorbeeld aanlevering", body, path)
        changes = json.loads(self.public("/api/v1/changes?limit=1000")[1])["items"]
        kinds = [c["type"] for c in changes if c["id"] == lars]
        self.assertEqual(kinds[-1], "retracted")
        # the organisation still sees its own entry
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        c.request("GET", "/api/v1/registrations/" + lars,
                  headers={"Authorization": "Bearer " + self.anna})
        r = c.getresponse()
        r.read()
        c.close()
        self.assertEqual(r.status, 200)
        st, _, v = self.call("get_one_published_algorithm", self.anna, algorithm_id=lars)
        self.assertEqual(st, 404, v)
        st, _, lst = self.call("get_all_algorithms", self.anna)
        me = [a for a in lst if a["lars"] == lars][0]
        self.assertFalse(me["published"])
        # publishing again, even unchanged, makes it public again
        st, _, v = self.call("update_one_algorithm", self.anna,
                             self.mended(description_short="Derde versie"), algorithm_id=lars)
        self.assertEqual(st, 200, v)
        self.assertEqual(self.call("release_one_algorithm", self.anna, algorithm_id=lars)[0], 200)
        # the author may be an approver, but not of their own version
        st, _, v = self.call("publish_one_algorithm", self.paula, algorithm_id=lars)
        self.assertEqual(st, 200, v)
        st, body = self.public("/api/v1/registrations/" + lars)
        self.assertEqual(st, 200)
        self.assertIn(b"Derde versie", body)
        changes = json.loads(self.public("/api/v1/changes?limit=1000")[1])["items"]
        kinds = [c["type"] for c in changes if c["id"] == lars]
        self.assertIn("republished", kinds)
        self.assertEqual(self.public("/registrations/" + lars)[0], 200)

    def test_3_four_eyes_for_an_approver_author(self):
        st, _, v = self.call("create_one_algorithm", self.piet, self.mended(name="Eigen werk"))
        self.assertEqual(st, 200, v)
        lars = v["lars_code"]
        self.assertEqual(self.call("release_one_algorithm", self.piet, algorithm_id=lars)[0], 200)
        st, _, v = self.call("publish_one_algorithm", self.piet, algorithm_id=lars)
        self.assertEqual(st, 403, v)
        self.assertIn("author", v["detail"])
        st, _, v = self.call("publish_one_algorithm", self.paula, algorithm_id=lars)
        self.assertEqual(st, 200, v)

    def test_4_refusals(self):
        st, _, v = self.call("get_all_algorithms", self.omar)  # another organisation
        self.assertEqual(st, 401, v)
        st, _, v = self.call("get_all_algorithms", None)
        self.assertEqual(st, 401, v)
        st, _, v = self.call("get_one_algorithm", self.anna, algorithm_id="12345678")
        self.assertEqual(st, 404, v)
        st, _, v = self.call("get_one_algorithm", self.anna, algorithm_id="abc")
        self.assertEqual(st, 404, v)
        # bad bodies: too large, not UTF-8, not an object — a problem, nothing kept
        st, _, v = self.call("create_one_algorithm", self.anna,
                             self.mended(goal="x" * (10 * 1024 * 1024)))
        self.assertEqual(st, 413, v)
        st, _, v = self.call("create_one_algorithm", self.anna,
                             raw_body=b'{"name": "Caf\xe9"}')
        self.assertEqual(st, 400, v)
        self.assertIn("UTF-8", v["detail"])
        st, _, v = self.call("create_one_algorithm", self.anna, [1, 2])
        self.assertEqual(st, 422, v)
        st, _, lst = self.call("get_all_algorithms", self.anna)
        self.assertNotIn("Caf", json.dumps(lst))
        # a withheld entry is published by its end date, not hidden before it
        st, _, res = self.srv.json("GET", "/api/v1/registrations?organization=politie&per_page=100",
                                   token=False)
        withheld = None
        for it in res["items"]:
            st, _, w = self.srv.json("GET", "/api/v1/registrations/%s/withholding" % it["id"],
                                     token=False)
            if st == 200 and w.get("state") == "withheld":
                withheld = it["id"]
                break
        self.assertIsNotNone(withheld, "the demonstration data has a withheld police entry")
        st, _, v = self.call("retract_one_published_algorithm", self.piet, algorithm_id=withheld)
        self.assertEqual(st, 403, v)
        self.assertIn("withheld", v["detail"])

    def test_4b_retraction_through_algoreg_api_and_verify(self):
        """The same retraction through algoreg's own API; verify explains it."""
        st, _, v = self.call("create_one_algorithm", self.anna, self.mended(name="Via eigen API"))
        lars = v["lars_code"]
        self.call("release_one_algorithm", self.anna, algorithm_id=lars)
        self.assertEqual(self.call("publish_one_algorithm", self.piet, algorithm_id=lars)[0], 200)
        path = "/api/v1/registrations/%s/retraction" % lars
        st, _, v = self.srv.json("POST", path, {}, token=False,
                                 headers={"Authorization": "Bearer " + self.anna})
        self.assertEqual(st, 403, v)  # registrants do not retract
        st, _, v = self.srv.json("POST", path, {}, token=False,
                                 headers={"Authorization": "Bearer " + self.piet})
        self.assertEqual((st, v["id"]), (200, lars), v)
        self.assertRegex(v["retracted"], r"^2026-11-23T")
        st, _, v = self.srv.json("POST", path, {}, token=False,
                                 headers={"Authorization": "Bearer " + self.piet})
        self.assertEqual(st, 409, v)
        st, _, p = self.srv.json("GET", "/api/v1/registrations/" + lars, token=False)
        self.assertEqual((st, p["type"]), (410, "/problems/retracted"))
        # an independent check of the log: the retraction is explained, not an error
        st, _, log = self.srv.json("GET", "/api/v1/log", token=False)
        r = run_cli("verify", "--url", self.srv.base, "--vkey", log["verifier_key"], "--id", lars)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertIn("retracted", r.stdout.decode() + r.stderr.decode())
        # the organisation publishes it again, unchanged, through the four eyes
        st, _, reg = self.srv.json("GET", "/api/v1/registrations/" + lars, token=False,
                                   headers={"Authorization": "Bearer " + self.anna})
        self.assertEqual(st, 200)
        st, _, d = self.srv.json("PUT", "/api/v1/registrations/" + lars, reg["record"],
                                 token=False, headers={"Authorization": "Bearer " + self.anna})
        self.assertEqual(st, 202, d)
        st, _, pub = self.srv.json("POST", "/api/v1/drafts/%d/approve" % d["id"], {}, token=False,
                                   headers={"Authorization": "Bearer " + self.piet})
        self.assertEqual(st, 200, pub)
        self.assertEqual(self.srv.json("GET", "/api/v1/registrations/" + lars, token=False)[0],
                         200)

    def test_5_every_operation_of_the_document_was_exercised(self):
        ops = {o["operationId"] for p in self.doc["paths"].values() for o in p.values()}
        for name in sorted(ops - self.used):
            self.fail("operation %s not exercised (run the whole class)" % name)


if __name__ == "__main__":
    unittest.main()
