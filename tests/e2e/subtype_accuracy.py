#!/usr/bin/env python3
"""Accuracy of scoring's sub-types against the simulator's true styles.

usage: subtype_accuracy.py SIM_DIR CLUSTERS.csv PROFILES.jsonl

CLUSTERS.csv is crmctl dedup-report --clusters (record_id = event id,
cluster_id = customer id); each customer is the person most of its events
belong to (truth_records.csv). PROFILES.jsonl: one Profile in proto JSON per
line (crm-scoring train --save-profiles). For exhibitors and professional
visitors with a sub-type, prints accuracy, the confusion table, and the
share of the most common true style (what always guessing it would score).
Exit 1 when the visitor types are no better than that guess.
"""
import csv
import json
import sys
from collections import Counter, defaultdict


def main():
    sim, clusters_path, profiles_path = sys.argv[1:4]
    person_of_event = {}
    with open(f"{sim}/truth_records.csv") as f:
        for r in csv.DictReader(f):
            person_of_event[r["event_id"]] = r["person_id"]
    votes = defaultdict(Counter)
    with open(clusters_path) as f:
        for r in csv.DictReader(f):
            p = person_of_event.get(r["record_id"])
            if p:
                votes[r["cluster_id"]][p] += 1
    style = {}
    with open(f"{sim}/truth_persons.csv") as f:
        for r in csv.DictReader(f):
            style[r["person_id"]] = r["style"]
    groups = {"exhibitor": ("rational", "mainstream", "trial"),
              "visitor": ("exploring", "quality-seeking", "cautious", "average")}
    pairs = defaultdict(list)  # group -> (true, predicted)
    with open(profiles_path) as f:
        for line in f:
            p = json.loads(line)
            cid = p.get("customerId") or p.get("customer_id")
            if not cid or cid not in votes:
                continue
            person = votes[cid].most_common(1)[0][0]
            true = style.get(person, "")
            for s in p.get("series", []):
                ind = s.get("indicators", {})
                pred = ind.get("subType") or ind.get("sub_type") or ""
                if not pred:
                    continue
                for g, names in groups.items():
                    if pred in names and true in names:
                        pairs[g].append((true, pred))
    ok = True
    for g, names in groups.items():
        rows = pairs[g]
        if not rows:
            print(f"{g}: no customers with a sub-type")
            ok = False
            continue
        acc = sum(t == p for t, p in rows) / len(rows)
        base = Counter(t for t, _ in rows).most_common(1)[0]
        print(f"{g}: {len(rows)} customers, accuracy {acc:.3f}; always '{base[0]}' would score {base[1] / len(rows):.3f}")
        print("  true \\ predicted " + " ".join(f"{n:>15}" for n in names))
        for t in names:
            c = Counter(p for tt, p in rows if tt == t)
            print(f"  {t:17}" + " ".join(f"{c[n]:>15}" for n in names))
        if g == "visitor" and acc <= base[1] / len(rows):
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
