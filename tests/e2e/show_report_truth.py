#!/usr/bin/env python3
"""Compares crmctl show-report --json output with counts computed directly
from the simulator's truth files.

usage: show_report_truth.py SIM_DIR REPORT.json [REPORT.json ...]

Truth per edition:
  attended   persons whose stage in the edition is one that takes part
             (confirmation, trust, weakening: truth_stages.csv)
  new        of them, those taking part for the first time in the series
  returning  of them, those who took part in an earlier edition
  registered persons with a ticket_registration event of the edition
  survey_answers, complaints  survey_answer events / distinct complaint ids
             of the edition (truth_records.csv and the raw complaint records)

Person counts are compared with a relative tolerance (dedup is measured,
not perfect: a person it left split counts twice); event counts exactly.
Exit 1 when anything is off.
"""
import csv
import json
import sys
from collections import defaultdict

PARTICIPATES = {"confirmation", "trust", "weakening"}
PERSON_TOLERANCE = 0.05


def main():
    sim, reports = sys.argv[1], sys.argv[2:]
    show = json.load(open(f"{sim}/show.json"))
    order = [e["edition_id"] for e in show["editions"]]
    took_part = defaultdict(set)  # edition -> persons
    with open(f"{sim}/truth_stages.csv") as f:
        for row in csv.DictReader(f):
            if row["stage"] in PARTICIPATES:
                took_part[row["edition_id"]].add(row["person_id"])
    registered = defaultdict(set)
    surveys = defaultdict(int)
    complaint_events = set()
    with open(f"{sim}/truth_records.csv") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "ticket_registration":
                registered[row["edition_id"]].add(row["person_id"])
            elif row["kind"] == "survey_answer":
                surveys[row["edition_id"]] += 1
            elif row["kind"] == "complaint":
                complaint_events.add(row["event_id"])
    # Distinct complaints (a resolution is a second event of the same id) from the raw records.
    complaints = defaultdict(set)
    for topic in ("crm.raw.ticketing.v1", "crm.raw.scans.v1", "crm.raw.imports.v1"):
        try:
            lines = open(f"{sim}/{topic}.jsonl", encoding="utf-8")
        except FileNotFoundError:
            continue
        for line in lines:
            if '"complaint"' not in line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            for ev in rec if isinstance(rec, list) else rec.get("events", [rec]):
                c = ev.get("complaint") if isinstance(ev, dict) else None
                if c and c.get("complaint_id"):
                    complaints[ev.get("edition_id", rec.get("edition_id") if isinstance(rec, dict) else "")].add(
                        c["complaint_id"])
    failed = False
    print(f"{'edition':8} {'measure':18} {'report':>8} {'truth':>8}  verdict")
    for path in reports:
        r = json.load(open(path))
        ed = r["edition_id"]
        i = order.index(ed)
        earlier = set().union(*[took_part[e] for e in order[:i]]) if i else set()
        attended = took_part[ed]
        truth = {
            "attended": (len(attended), True),
            "new_customers": (len(attended - earlier), True),
            "returning_customers": (len(attended & earlier), True),
            "registered": (len(registered[ed]), True),
            "survey_answers": (surveys[ed], False),
            "complaints_total": (len(complaints[ed]), False),
        }
        for key, (want, persons) in truth.items():
            got = int(r.get(key, 0))
            ok = abs(got - want) <= PERSON_TOLERANCE * max(want, 1) if persons else got == want
            failed |= not ok
            print(f"{ed:8} {key:18} {got:8} {want:8}  {'ok' if ok else 'OFF'}"
                  f"{'' if not persons else f' ({100 * (got - want) / max(want, 1):+.1f}%)'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
