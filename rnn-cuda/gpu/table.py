#!/usr/bin/env python3
"""Prints the GPU ratio table from the JSON lines of rnn4j's step command and of pytorch_step.py."""
import json
import sys


def load(path):
    rows = {}
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        try:
            d = json.loads(line)
        except ValueError:
            continue
        c = d.get("config") or {}
        if c:
            rows[(c["V"], c["H"], c["B"], c["T"])] = d
    return rows


ours, theirs = load(sys.argv[1]), load(sys.argv[2]) if len(sys.argv) > 2 else {}
print("%-20s %14s %10s %14s %9s" % ("V/H/B/T", "rnn4j tok/s", "GFLOP/s", "PyTorch tok/s", "ratio"))
for key, d in ours.items():
    t = theirs.get(key, {})
    r = d.get("tokens_per_s")
    p = t.get("tokens_per_s")
    print("%-20s %14s %10s %14s %9s" % ("%d/%d/%d/%d" % key, "%.0f" % r if r else d.get("error", "-"),
                                       "%.1f" % d["model_gflops"] if r else "-", "%.0f" % p if p else "-",
                                       "%.2fx" % (r / p) if r and p else "-"))
desc = next((d.get("backend_description") for d in ours.values() if d.get("backend_description")), "")
print("rnn4j: %s" % desc)
print("PyTorch: %s" % next((d.get("backend_description") for d in theirs.values() if d.get("backend_description")), "-"))
