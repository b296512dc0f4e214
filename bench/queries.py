"""queries.py FILE N — N search queries for the benchmark, drawn from the names in a
generated JSON-lines file: one or two words of a random entry's name (what a visitor who
knows roughly what they look for types), URL-encoded, one per line."""
import json
import random
import sys
import urllib.parse

rnd = random.Random(7)
names = []
with open(sys.argv[1]) as f:
    for i, line in enumerate(f):
        if i % 97 == 0:
            names.append(json.loads(line)["name"].split())
for _ in range(int(sys.argv[2])):
    ws = rnd.choice(names)[:3]
    q = " ".join(ws[: rnd.randint(1, 2)])
    print("/api/v1/registrations?q=" + urllib.parse.quote(q))
