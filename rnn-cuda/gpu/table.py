#!/usr/bin/env python3
"""Prints the GPU ratio table from the JSON lines of rnn4j's step command and of pytorch_step.py, and
optionally of rnn4j with its fast paths on (a third file): tokens/s, the ratio to PyTorch, device
operations queued per step and host CPU time per step."""
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
            rows[(c["V"], c["H"], c["B"], c["T"], c.get("cell", "elman"))] = d
    return rows


ours = load(sys.argv[1])
theirs = load(sys.argv[2]) if len(sys.argv) > 2 else {}
fast = load(sys.argv[3]) if len(sys.argv) > 3 else {}


def cell(d, key, fmt):
    v = d.get(key)
    return fmt % v if v is not None and v >= 0 else "-"


print("%-26s %12s %8s %7s %12s %12s %8s %7s %7s %12s" % ("V/H/B/T cell", "rnn4j tok/s", "ratio", "ops", "host ms",
                                                       "fast tok/s", "ratio", "ops", "host", "PyTorch"))
for key, d in ours.items():
    p = theirs.get(key, {}).get("tokens_per_s")
    f = fast.get(key, {})
    r = d.get("tokens_per_s")
    rf = f.get("tokens_per_s")
    print("%-26s %12s %8s %7s %12s %12s %8s %7s %7s %12s" % (
        "%d/%d/%d/%d %s" % key,
        "%.0f" % r if r else d.get("error", "-"), "%.2fx" % (r / p) if r and p else "-",
        cell(d, "ops_per_step", "%.0f"), cell(d, "host_cpu_ms_per_step", "%.3f"),
        "%.0f" % rf if rf else "-", "%.2fx" % (rf / p) if rf and p else "-",
        cell(f, "ops_per_step", "%.0f"), cell(f, "host_cpu_ms_per_step", "%.3f"), "%.0f" % p if p else "-"))
desc = next((d.get("backend_description") for d in ours.values() if d.get("backend_description")), "")
print("rnn4j: %s" % desc)
print("rnn4j fast: %s" % next((d.get("backend_description") for d in fast.values() if d.get("backend_description")), "-"))
print("PyTorch: %s" % next((d.get("backend_description") for d in theirs.values() if d.get("backend_description")), "-"))
