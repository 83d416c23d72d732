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
With --djl, also DJL on PyTorch 2.7.1 (libtorch's CPU build, MKL and oneDNN; its own class path,
offline: ./mvnw -q -Pdjl package -DskipTests), best of 1 and 2 threads, Elman configurations with V <= 1000.
Usage: python3 rnn-bench/compare/compare.py [--configs C1,C2,...] [--repeats N] [--json FILE] [--dl4j] [--djl]
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
    "S1": (65, 768, 8, 200),
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


def run_json(cmd, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit("command failed: %s\n%s" % (" ".join(cmd), out.stderr))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="C1,C2,C3,C5,C6,X1,X2,L1,G1")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--json", help="also write every measurement to this file")
    ap.add_argument("--dl4j", action="store_true",
                    help="also run DL4J (build it first: ./mvnw -q -Pdl4j package -DskipTests), OMP_NUM_THREADS 1 and 2")
    ap.add_argument("--djl", action="store_true",
                    help="also run DJL/PyTorch 2.x (build it first: ./mvnw -q -Pdjl package -DskipTests), 1 and 2 threads")
    a = ap.parse_args()
    if not os.path.exists(JAR):
        sys.exit("build the benchmark jar first: ./mvnw -q package -DskipTests")
    py = find_python()
    rows, raw = [], []
    for name in a.configs.split(","):
        V, H, B, T = CONFIGS[name][:4]
        cell = CONFIGS[name][4] if len(CONFIGS[name]) > 4 else "elman"
        dims = ["-V", str(V), "-H", str(H), "-B", str(B), "-T", str(T), "--cell", cell]
        # --no-bias: the model pytorch_step.py trains (no biases in the recurrent layer or the head).
        ours = run_json(["java", "-jar", JAR, "step", *dims, "--no-bias", "--warmup", str(a.warmup),
                         "--repeats", str(a.repeats), "--format", "json"])
        torch = {}
        for tt, ob in SETTINGS:
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(ob), OMP_NUM_THREADS=str(tt))
            torch[(tt, ob)] = run_json([py, os.path.join(HERE, "pytorch_step.py"), *dims, "--threads", str(tt),
                                        "--warmup", str(a.warmup), "--repeats", str(a.repeats)], env)
        dl4j = None
        if a.dl4j and cell == "elman":
            if not os.path.exists(DL4J_JAR):
                sys.exit("build the DL4J baseline first: ./mvnw -q -Pdl4j package -DskipTests")
            runs = []
            for omp in (1, 2):
                env = dict(os.environ, OMP_NUM_THREADS=str(omp))
                runs.append(run_json(["java", "-jar", DL4J_JAR, *dims[:8], "--warmup", "3", "--repeats", "5"], env))
            dl4j = max(runs, key=lambda d: d["tokens_per_s"])
        djl = None
        if a.djl and cell == "elman" and V <= 1000:
            if not os.path.exists(DJL_JAR):
                sys.exit("build the DJL baseline first: ./mvnw -q -Pdjl package -DskipTests")
            runs = [run_json(["java", "-jar", DJL_JAR, *dims[:8], "--threads", str(th), "--warmup", str(a.warmup),
                              "--repeats", str(a.repeats)]) for th in (1, 2)]
            djl = max(runs, key=lambda d: d["tokens_per_s"])
        best_key = max(torch, key=lambda k: torch[k]["tokens_per_s"])
        best, ref = torch[best_key], torch[(2, 1)]
        raw.append({"config": name, "rnn4j": ours, "pytorch": {"%d/%d" % k: v for k, v in torch.items()}, "dl4j": dl4j,
                    "djl": djl})
        rows.append((name if cell == "elman" else name + "/" + cell, V, H, B, T, ours["tokens_per_s"], ours["model_gflops"], best["tokens_per_s"],
                     "%d/%d" % best_key, ref["tokens_per_s"], dl4j["tokens_per_s"] if dl4j else None,
                     djl["tokens_per_s"] if djl else None))
        print("measured %s" % name, file=sys.stderr)
    print("%-8s %-18s %12s %8s %12s %9s %9s %12s %9s %10s %9s %10s %9s" % (
        "cfg", "V/H/B/T", "rnn4j tok/s", "GFLOP/s", "torch best", "setting", "ratio", "torch 2/1", "ratio", "DL4J",
        "ratio", "DJL", "ratio"))
    for (name, V, H, B, T, ours, gf, best, key, ref, dl, dj) in rows:
        print("%-8s %-18s %12.0f %8.1f %12.0f %9s %8.2fx %12.0f %8.2fx %10s %9s %10s %9s" % (
            name, "%d/%d/%d/%d" % (V, H, B, T), ours, gf, best, key, ours / best, ref, ours / ref,
            "%.0f" % dl if dl else "-", "%.0fx" % (ours / dl) if dl else "-",
            "%.0f" % dj if dj else "-", "%.2fx" % (ours / dj) if dj else "-"))
    print("setting = torch threads / OpenBLAS threads of PyTorch's best run; 'torch 2/1' = torch.set_num_threads(2)"
          " with OPENBLAS_NUM_THREADS=1.")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    main()
