#!/usr/bin/env python3
"""The lifecycle's stages against the simulator's true stages.

usage: lifecycle_truth.py SIM_DIR CLUSTERS.csv STAGES.csv TRANSITIONS.csv

STAGES.csv and TRANSITIONS.csv as crm-lifecycle-eval writes them;
CLUSTERS.csv is crmctl dedup-report --clusters (record_id = event id,
cluster_id = customer id); each customer is the person most of its events
belong to (truth_records.csv). Prints the stage accuracy per customer and
edition (the stage judged the day after the edition closed against the
person's true stage for it), the confusion matrix, and the early warnings:
of the customers whose person took part in edition N and is dissolved at
N+1, the share in weakening on the eve of N+1's opening (recall), the share
of those in weakening then who really leave (precision), and the median
lead time in days.
"""
import csv
import json
import statistics
import sys
from collections import Counter, defaultdict
from datetime import date

STAGES = ["cultivation", "confirmation", "trust", "weakening", "dissolution"]
TAKES_PART = {"confirmation", "trust", "weakening"}


def day(iso):
    return (date.fromisoformat(iso) - date(1970, 1, 1)).days


def main():
    sim, clusters_path, stages_path, transitions_path = sys.argv[1:5]
    person_of_event = {r["event_id"]: r["person_id"] for r in csv.DictReader(open(f"{sim}/truth_records.csv"))}
    votes = defaultdict(Counter)
    for r in csv.DictReader(open(clusters_path)):
        p = person_of_event.get(r["record_id"])
        if p:
            votes[r["cluster_id"]][p] += 1
    person = {c: v.most_common(1)[0][0] for c, v in votes.items()}
    truth = {(r["person_id"], r["edition_id"]): r["stage"] for r in csv.DictReader(open(f"{sim}/truth_stages.csv"))}
    show = json.load(open(f"{sim}/show.json"))
    eds = sorted(show["editions"], key=lambda e: e["open_date"])
    order = [e["edition_id"] for e in eds]
    open_day = {e["edition_id"]: day(e["open_date"]) for e in eds}

    confusion = defaultdict(Counter)  # true -> predicted
    pred = {}
    for r in csv.DictReader(open(stages_path)):
        pred[(r["customer_id"], r["edition_id"])] = r["stage"]
        p = person.get(r["customer_id"])
        t = truth.get((p, r["edition_id"])) if p else None
        if t:
            confusion[t][r["stage"]] += 1
    total = sum(sum(c.values()) for c in confusion.values())
    right = sum(confusion[s][s] for s in STAGES)
    print(f"stage accuracy: {right / total:.4f} ({right} of {total} customer-editions)")
    print("true \\ judged | " + " | ".join(STAGES))
    for t in STAGES:
        row = confusion[t]
        n = sum(row.values())
        print(f"{t} ({n}) | " + " | ".join(str(row[s]) for s in STAGES))

    # The stage on the eve of each opening, from the transitions.
    changes = defaultdict(list)  # customer -> [(day, to)]
    for r in csv.DictReader(open(transitions_path)):
        changes[r["customer_id"]].append((int(r["day"]), r["to"]))
    leavers = flagged = in_weak = weak_and_left = 0
    leads = []
    for c, p in person.items():
        ch = sorted(changes.get(c, []))
        for n, nxt in zip(order, order[1:]):
            if truth.get((p, n)) not in TAKES_PART:
                continue
            eve = open_day[nxt] - 1
            stage_then, since = None, None
            for d, to in ch:
                if d <= eve:
                    if to != stage_then:
                        since = d
                    stage_then = to
            leaves = truth.get((p, nxt)) == "dissolution"
            weak = stage_then == "weakening"
            leavers += leaves
            if weak:
                in_weak += 1
                weak_and_left += leaves
            if leaves and weak:
                flagged += 1
                leads.append(open_day[nxt] - since)
    print(f"early warning recall: {flagged / max(1, leavers):.4f} ({flagged} of {leavers} leaving customers weakening "
          f"on the eve of the next opening)")
    print(f"early warning precision: {weak_and_left / max(1, in_weak):.4f} ({weak_and_left} of {in_weak})")
    if leads:
        print(f"median lead time: {statistics.median(leads):.0f} days")


if __name__ == "__main__":
    main()
