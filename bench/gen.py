"""gen.py N — write N synthetic registrations as JSON lines (valid record model) to stdout.

Deterministic (seeded). Text draws on a vocabulary of a few thousand pseudo-words with a
Zipf-like frequency plus a small set of domain words, so a typical search term matches a
small part of the register, as in real registers; `gezicht` is kept broad on purpose
(about one entry in six) to measure the worst case."""
import json
import random
import sys

n = int(sys.argv[1])
rnd = random.Random(42)
syll = ["ka", "lo", "mi", "ne", "po", "ra", "si", "tu", "ve", "wo", "be", "di", "fa", "go",
        "hu", "je", "ki", "lu", "ma", "no", "pe", "ri", "sa", "te", "vi"]
vocab = sorted({"".join(rnd.choice(syll) for _ in range(rnd.randint(2, 4))) for _ in range(6000)})
weights = [1.0 / (i + 1) for i in range(len(vocab))]
domain = ("analyse beeld camera fraude herkenning kenteken melding patroon profiel risico "
          "signaal spraak tekst verdachte voorspelling woninginbraak toezicht handhaving "
          "opsporing vervolging dossier classificatie").split()
themes = ["Openbare orde en veiligheid", "Recht", "Organisatie en bedrijfsvoering", "Verkeer",
          "Sociale zekerheid", "Zorg en gezondheid"]
statuses = ["In gebruik", "In ontwikkeling", "Buiten gebruik"]
cats = ["Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes"]
orgs = ["Politie eenheid %d" % i for i in range(1, 41)] + ["Gemeente %d" % i for i in range(1, 161)]


def words(k):
    return rnd.choices(vocab, weights, k=k)


def name_words(k):
    # Names use distinctive words, as real names do ("Criminaliteits Anticipatie
    # Systeem"), not the most frequent ones.
    return [rnd.choice(vocab[200:]) for _ in range(k)]


def lars(i):
    s = "%07d" % (1000000 + i)
    c = sum(int(d) * (3 if k % 2 == 0 else 1) for k, d in enumerate(s)) % 10
    return s + str(c)


out = sys.stdout
for i in range(n):
    w = words(12)
    nw = name_words(2)
    d = rnd.choice(domain)
    broad = "gezicht " if i % 6 == 0 else ""
    rec = {
        "lars": lars(i),
        "name": "%s %s %s %d" % (nw[0].capitalize(), nw[1], d, i),
        "description_short": "Dit systeem ondersteunt %s%s en %s bij %s. Een medewerker beoordeelt de uitkomst." % (broad, w[2], w[3], w[4]),
        "organization": orgs[i % len(orgs)],
        "category": rnd.sample(themes, rnd.randint(1, 2)),
        "status": statuses[i % 3],
        "contact_email": "algoritmes@example.nl",
        "publication_category": cats[i % 3],
        "goal": "<p>Het doel is %s van %s.</p><ul><li>%s</li><li>%s</li></ul>" % (w[5], w[6], w[7], w[8]),
        "human_intervention": "<p>Een medewerker controleert elke uitkomst van %s.</p>" % w[9],
        "methods_and_models": "<p>Een model voor %s met %s.</p>" % (w[10], w[11]),
        "source_id": "GEN-%d" % i,
        "safeguards": {"is_ai": i % 2 == 0, "self_learning": False},
    }
    out.write(json.dumps(rec, ensure_ascii=False))
    out.write("\n")
