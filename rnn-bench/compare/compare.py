#!/usr/bin/env python3
"""rnn4j against PyTorch on this machine: the same training step, side by side, one ratio table.

Runs `java -jar rnn-bench/target/rnn-bench.jar step --format json` and pytorch_step.py for each
configuration, PyTorch at each thread setting (torch.set_num_threads × OPENBLAS_NUM_THREADS), and
prints tokens/s, model GFLOP/s and the ratio rnn4j / PyTorch (against PyTorch's best setting per
configuration, and against the setting torch 2 threads + OpenBLAS 1 thread).

Needs: a built rnn-bench jar (./mvnw -q package -DskipTests) and a Python with PyTorch, e.g. Debian's
  apt-get install python3-torch libopenblas0-pthread
This script installs nothing. Set PYTHON to the interpreter that has torch (default: the first of
python3 on PATH and /usr/bin/python3 that imports torch).
rnn4j runs three times: as the README's plain `java -jar` (which relaunches itself with the Vector API
module), with `java --add-modules jdk.incubator.vector` given explicitly (the fast path), and with
`-Drnn4j.relaunch=false` (the scalar kernels and OpenBLAS alone). The run starts with
`rnn-bench.jar peak`: the machine's physical fp32 peak (FMA chains on every core) and OpenBLAS's own
multithreaded sgemm ceiling beside it; every rnn4j figure is reported as a share of the physical peak.
Every benchmark command runs as on a user's machine: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are
removed from its environment (only there), unless --pinned keeps them (to compare with a pinned OpenBLAS).
With --djl, also DJL on PyTorch 2.7.1 (libtorch's CPU build, MKL and oneDNN; its own class path,
offline: ./mvnw -q -Pdjl package -DskipTests), best of 1 and 2 threads, every cell, V <= 1000.
With --rounds N every contestant of a configuration is measured N times, round after round, and each
keeps its best median; the peak is measured again at the end and the shares are of the larger peak.
Usage: python3 rnn-bench/compare/compare.py [--configs C1,C2,...] [--repeats N] [--rounds N] [--json FILE]
       [--dl4j] [--djl] [--pinned]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
JAR = os.path.join(ROOT, "rnn-bench", "target", "rnn-bench.jar")
DL4J_JAR = os.path.join(ROOT, "rnn-bench", "dl4j", "target", "rnn-bench-dl4j.jar")
DJL_JAR = os.path.join(ROOT, "rnn-bench", "djl", "target", "rnn-bench-djl.jar")
CONFIGS = {
    "C1": (65, 128, 50, 50), "C2": (65, 256, 64, 100), "C3": (65, 512, 64, 100),
    "C5": (10000, 512, 32, 35), "C6": (65, 512, 8, 100),
    # Shapes not in the tuned list, to check that nothing is tuned to it.
    "X1": (96, 384, 40, 80), "X2": (2000, 256, 24, 60),
    # Large H with a small batch: the per-step GEMM streams U from beyond the core's cache.
    "S1": (65, 768, 8, 200), "S2": (65, 1024, 8, 100),
    # LSTM and GRU at the shape of NVIDIA's and PyTorch's LSTM benchmarks.
    "L1": (65, 512, 64, 100, "lstm"), "G1": (65, 512, 64, 100, "gru"),
}
# (torch threads, OpenBLAS threads)
SETTINGS = [(2, 1), (1, 2), (1, 1)]


def find_python():
    if os.environ.get("PYTHON"):
        return os.environ["PYTHON"]
    for cand in [shutil.which("python3"), "/usr/bin/python3"]:
        if cand and subprocess.run([cand, "-c", "import torch"], capture_output=True).returncode == 0:
            return cand
    sys.exit("no Python with PyTorch found: apt-get install python3-torch libopenblas0-pthread, or set PYTHON")


PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
KEEP_PINS = False


def bench_env(**extra):
    """A benchmark command's environment: as a user's machine has it (no OpenBLAS pins) unless --pinned."""
    env = {k: v for k, v in os.environ.items() if KEEP_PINS or k not in PINS}
    env.update(extra)
    return env


def run_json(cmd, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env if env is not None else bench_env())
    if out.returncode != 0:
        sys.exit("command failed: %s\n%s" % (" ".join(cmd), out.stderr))
    return json.loads(out.stdout.strip().splitlines()[-1])


VECTOR = ["--add-modules", "jdk.incubator.vector"]
SCALAR = ["-Drnn4j.relaunch=false"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="C1,C2,C3,C5,C6,X1,X2,L1,G1")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=30, help="untimed steps first (rnn4j: and at least 2 s, then until its JIT has been idle for 1 s)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="measure every contestant this many times, round after round, and keep each one's best")
    ap.add_argument("--json", help="also write every measurement to this file")
    ap.add_argument("--dl4j", action="store_true",
                    help="also run DL4J (build it first: ./mvnw -q -Pdl4j package -DskipTests), OMP_NUM_THREADS 1 and 2")
    ap.add_argument("--djl", action="store_true",
                    help="also run DJL/PyTorch 2.x (build it first: ./mvnw -q -Pdjl package -DskipTests), 1 and 2 threads")
    ap.add_argument("--pinned", action="store_true",
                    help="keep OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE in the benchmarks' environment")
    a = ap.parse_args()
    global KEEP_PINS
    KEEP_PINS = a.pinned
    if not os.path.exists(JAR):
        sys.exit("build the benchmark jar first: ./mvnw -q package -DskipTests")
    py = find_python()
    rows, raw, fallbacks = [], [], []
    peak_info = run_json(["java", *VECTOR, "-jar", JAR, "peak", "--format", "json"])
    peak, ceiling = peak_info["peak_gflops"], peak_info["sgemm_gflops"]
    pins = {k: os.environ[k] for k in PINS if k in os.environ}
    openblas = ("pinned: " + ", ".join("%s=%s" % kv for kv in pins.items())) if a.pinned and pins else (
        "unpinned (its own kernels for this CPU: %s)" % peak_info["cpu_flags"])
    print("physical fp32 peak %.1f GFLOP/s (%d threads); OpenBLAS sgemm %.1f; OpenBLAS %s"
          % (peak, peak_info["threads"], ceiling, openblas), file=sys.stderr)
    for name in a.configs.split(","):
        V, H, B, T = CONFIGS[name][:4]
        cell = CONFIGS[name][4] if len(CONFIGS[name]) > 4 else "elman"
        dims = ["-V", str(V), "-H", str(H), "-B", str(B), "-T", str(T), "--cell", cell]
        # --no-bias: the model pytorch_step.py trains (no biases in the recurrent layer or the head).
        # at least 2 s of warm-up as well, and then until the JIT has compiled nothing for 1 s (the step
        # command's default --jit-quiet 1): on two cores the compiler shares the cores with the steps for
        # several seconds, and C1 timed after 2 s read about 15% below its steady state
        step = ["-jar", JAR, "step", *dims, "--no-bias", "--warmup", str(a.warmup), "--warmup-seconds", "2",
                "--repeats", str(a.repeats), "--format", "json"]
        # Every measurement of this configuration, in a fixed order; with --rounds N the whole list runs N
        # times, one round after the other, and each keeps its best median (the machine is shared: slow
        # spells of seconds hit one contestant or another, and the best of alternating rounds is fair to all).
        jobs = [("plain", ["java", *step], None), ("scalar", ["java", *SCALAR, *step], None),
                ("vec", ["java", *VECTOR, *step], None)]
        for tt, ob in SETTINGS:
            jobs.append((("torch", tt, ob), [py, os.path.join(HERE, "pytorch_step.py"), *dims, "--threads", str(tt),
                                             "--warmup", str(a.warmup), "--repeats", str(a.repeats)],
                         bench_env(OPENBLAS_NUM_THREADS=str(ob), OMP_NUM_THREADS=str(tt))))
        if a.dl4j and cell == "elman":
            if not os.path.exists(DL4J_JAR):
                sys.exit("build the DL4J baseline first: ./mvnw -q -Pdl4j package -DskipTests")
            for omp in (1, 2):
                jobs.append((("dl4j", omp), ["java", "-jar", DL4J_JAR, *dims[:8], "--warmup", "3", "--repeats", "5"],
                             bench_env(OMP_NUM_THREADS=str(omp))))
        if a.djl and V <= 1000:
            if not os.path.exists(DJL_JAR):
                sys.exit("build the DJL baseline first: ./mvnw -q -Pdjl package -DskipTests")
            for th in (1, 2):
                jobs.append((("djl", th), ["java", "-jar", DJL_JAR, *dims, "--threads", str(th), "--warmup",
                                           str(a.warmup), "--repeats", str(a.repeats)], None))
        got = {}
        for _ in range(a.rounds):
            for key, cmd, env in jobs:
                m = run_json(cmd, env)
                if key not in got or m["tokens_per_s"] > got[key]["tokens_per_s"]:
                    got[key] = m
        plain, scalar, ours = got["plain"], got["scalar"], got["vec"]
        for label, run in (("plain", plain), ("vec", ours)):
            # a step's own objects are about 100 bytes; more means the JIT ran part of the Vector API path as
            # its Java fallback in that JVM, which is slower (docs/PERFORMANCE.md, "The Vector API path allocates")
            if run.get("heap_bytes_per_step", 0) > 4096:
                fallbacks.append("%s %s: %d bytes" % (name, label, run["heap_bytes_per_step"]))
                print("warning: rnn4j %s at %s allocated %d bytes per step: part of the Vector API path ran as its"
                      " Java fallback" % (label, name, run["heap_bytes_per_step"]), file=sys.stderr)
        torch = {(k[1], k[2]): v for k, v in got.items() if k[0] == "torch"}
        dl4j = max((v for k, v in got.items() if k[0] == "dl4j"), key=lambda d: d["tokens_per_s"], default=None)
        djl = max((v for k, v in got.items() if k[0] == "djl"), key=lambda d: d["tokens_per_s"], default=None)
        best_key = max(torch, key=lambda k: torch[k]["tokens_per_s"])
        best, ref = torch[best_key], torch[(2, 1)]
        raw.append({"config": name, "rnn4j": ours, "rnn4j_plain": plain, "rnn4j_scalar": scalar, "peak": peak_info,
                    "openblas": openblas, "pytorch": {"%d/%d" % k: v for k, v in torch.items()}, "dl4j": dl4j,
                    "djl": djl})
        base = max([best["tokens_per_s"]] + ([djl["tokens_per_s"]] if djl else []))
        rows.append((name if cell == "elman" else name + "/" + cell, "%d/%d/%d/%d" % (V, H, B, T),
                     scalar["tokens_per_s"], plain["tokens_per_s"], ours["tokens_per_s"], ours["model_gflops"],
                     best["tokens_per_s"], "%d/%d" % best_key,
                     djl["tokens_per_s"] if djl else None, dl4j["tokens_per_s"] if dl4j else None, base))
        print("measured %s" % name, file=sys.stderr)
    if a.rounds > 1:
        # a share of the larger of the two peaks measured (the start's and the end's) is the conservative one
        end = run_json(["java", *VECTOR, "-jar", JAR, "peak", "--format", "json"])
        print("peak at the start %.1f, at the end %.1f GFLOP/s; the shares are of the larger"
              % (peak, end["peak_gflops"]), file=sys.stderr)
        peak = max(peak, end["peak_gflops"])
        ceiling = max(ceiling, end["sgemm_gflops"])
    print("physical fp32 peak: %.1f GFLOP/s on %d threads (rnn-bench.jar peak); OpenBLAS sgemm %d^3: %.1f GFLOP/s"
          " (%.0f%% of the peak); OpenBLAS %s" % (peak, peak_info["threads"], peak_info["sgemm_n"], ceiling,
                                                 100 * ceiling / peak, openblas))
    print("%-8s %-16s %11s %11s %11s %8s %6s %11s %7s %10s %10s %11s %11s" % (
        "cfg", "V/H/B/T", "rnn4j scal", "rnn4j plain", "rnn4j vec", "GFLOP/s", "%peak", "torch best", "set",
        "DJL best", "DL4J", "vec/better", "plain/vec"))
    for (name, dims, sc, pl, vec, gf, best, key, dj, dl, base) in rows:
        print("%-8s %-16s %11.0f %11.0f %11.0f %8.1f %5.0f%% %11.0f %7s %10s %10s %10.2fx %10.2fx" % (
            name, dims, sc, pl, vec, gf, 100 * gf / peak, best, key, "%.0f" % dj if dj else "-", "%.0f" % dl if dl else "-",
            vec / base, pl / vec))
    print("rnn4j plain = java -jar (relaunches with the Vector API module); vec = --add-modules jdk.incubator.vector;"
          " scal = -Drnn4j.relaunch=false; GFLOP/s and %peak are the vec run's; 'better' = the better of PyTorch's"
          " best thread setting (set = torch threads / OpenBLAS threads) and DJL's.")
    print("heap per step: every rnn4j plain and vec run allocated at most 4,096 bytes a step (no Vector API fallback)"
          if not fallbacks else "heap per step over 4,096 bytes (Vector API fallback in that JVM): " + "; ".join(fallbacks))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    main()
