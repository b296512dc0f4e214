"""gen.py N — write N synthetic registrations as JSON lines (valid record model) to stdout.
Deterministic (seeded) so runs are comparable."""
import json
import random
import sys

n = int(sys.argv[1])
rnd = random.Random(42)
words = ("analyse beeld camera data fraude gezicht herkenning kenteken melding model patroon "
         "politie profiel risico signaal spraak tekst verdachte voorspelling woninginbraak "
         "zaak zoek toezicht handhaving opsporing vervolging dossier classificatie").split()
themes = ["Openbare orde en veiligheid", "Recht", "Organisatie en bedrijfsvoering", "Verkeer",
          "Sociale zekerheid", "Zorg en gezondheid"]
statuses = ["In gebruik", "In ontwikkeling", "Buiten gebruik"]
cats = ["Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes"]
orgs = ["Politie eenheid %d" % i for i in range(1, 41)] + ["Gemeente %d" % i for i in range(1, 161)]


def lars(i):
    s = "%07d" % (1000000 + i)
    c = sum(int(d) * (3 if k % 2 == 0 else 1) for k, d in enumerate(s)) % 10
    return s + str(c)


out = sys.stdout
for i in range(n):
    w = rnd.sample(words, 6)
    rec = {
        "lars": lars(i),
        "name": "%s %s systeem %d" % (w[0].capitalize(), w[1], i),
        "description_short": "Dit systeem ondersteunt %s en %s bij %s. Een medewerker beoordeelt de uitkomst." % (w[2], w[3], w[4]),
        "organization": orgs[i % len(orgs)],
        "category": rnd.sample(themes, rnd.randint(1, 2)),
        "status": statuses[i % 3],
        "contact_email": "algoritmes@example.nl",
        "publication_category": cats[i % 3],
        "goal": "<p>Het doel is %s van %s.</p><ul><li>%s</li><li>%s</li></ul>" % (w[1], w[2], w[3], w[5]),
        "human_intervention": "<p>Een medewerker controleert elke uitkomst van %s.</p>" % w[4],
        "methods_and_models": "<p>Een model voor %s met %s.</p>" % (w[0], w[5]),
        "source_id": "GEN-%d" % i,
        "safeguards": {"is_ai": i % 2 == 0, "self_learning": False},
    }
    out.write(json.dumps(rec, ensure_ascii=False))
    out.write("\n")
