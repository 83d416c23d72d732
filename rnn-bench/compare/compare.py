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
rnn4j runs twice: with the scalar kernels (plain `java`) and with the Vector API path
(`java --add-modules jdk.incubator.vector`: vectorized element-wise kernels, the packed recurrent
GEMM and the packed general GEMM). The run starts by measuring the machine's two-thread float32 GEMM
ceiling through OpenBLAS (PyTorch's torch.mm, 1 torch thread and 2 OpenBLAS threads, 512 x 6400 by
6400 x 512, best of 20), and reports each rnn4j figure as a share of it.
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


CEILING = """
import time, torch
torch.set_num_threads(1)
a, b = torch.randn(512, 6400), torch.randn(6400, 512)
for _ in range(5):
    a @ b
best = 0.0
for _ in range(20):
    t = time.perf_counter(); a @ b; dt = time.perf_counter() - t
    best = max(best, 2 * 512 * 512 * 6400 / dt / 1e9)
print('{"gflops": %.1f}' % best)
"""
VECTOR = ["--add-modules", "jdk.incubator.vector"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="C1,C2,C3,C5,C6,X1,X2,L1,G1")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=30, help="untimed steps first (rnn4j: and at least 2 s)")
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
    ceiling = run_json([py, "-c", CEILING], dict(os.environ, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="1"))["gflops"]
    print("two-thread sgemm ceiling (OpenBLAS via torch.mm): %.1f GFLOP/s" % ceiling, file=sys.stderr)
    for name in a.configs.split(","):
        V, H, B, T = CONFIGS[name][:4]
        cell = CONFIGS[name][4] if len(CONFIGS[name]) > 4 else "elman"
        dims = ["-V", str(V), "-H", str(H), "-B", str(B), "-T", str(T), "--cell", cell]
        # --no-bias: the model pytorch_step.py trains (no biases in the recurrent layer or the head).
        # at least 2 s of warm-up as well: the JIT compiles the Vector API kernels in the background
        step = ["-jar", JAR, "step", *dims, "--no-bias", "--warmup", str(a.warmup), "--warmup-seconds", "2",
                "--repeats", str(a.repeats), "--format", "json"]
        scalar = run_json(["java", *step])
        ours = run_json(["java", *VECTOR, *step])
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
        raw.append({"config": name, "rnn4j": ours, "rnn4j_scalar": scalar, "ceiling_gflops": ceiling, "pytorch": {"%d/%d" % k: v for k, v in torch.items()}, "dl4j": dl4j,
                    "djl": djl})
        base = max([best["tokens_per_s"]] + ([djl["tokens_per_s"]] if djl else []))
        rows.append((name if cell == "elman" else name + "/" + cell, "%d/%d/%d/%d" % (V, H, B, T),
                     scalar["tokens_per_s"], ours["tokens_per_s"], ours["model_gflops"],
                     100 * ours["model_gflops"] / ceiling, best["tokens_per_s"], "%d/%d" % best_key,
                     djl["tokens_per_s"] if djl else None, dl4j["tokens_per_s"] if dl4j else None, base))
        print("measured %s" % name, file=sys.stderr)
    print("two-thread float32 GEMM ceiling (OpenBLAS, torch.mm 512x6400x512): %.1f GFLOP/s" % ceiling)
    print("%-8s %-16s %11s %11s %8s %7s %11s %7s %10s %10s %12s %12s" % (
        "cfg", "V/H/B/T", "rnn4j scal", "rnn4j vec", "GFLOP/s", "%ceil", "torch best", "set", "DJL best", "DL4J",
        "vec/better", "scal/better"))
    for (name, dims, sc, vec, gf, pct, best, key, dj, dl, base) in rows:
        print("%-8s %-16s %11.0f %11.0f %8.1f %6.0f%% %11.0f %7s %10s %10s %11.2fx %11.2fx" % (
            name, dims, sc, vec, gf, pct, best, key, "%.0f" % dj if dj else "-", "%.0f" % dl if dl else "-",
            vec / base, sc / base))
    print("rnn4j vec = with --add-modules jdk.incubator.vector; GFLOP/s and %ceil are the vec run's; 'better' = the"
          " better of PyTorch's best thread setting (set = torch threads / OpenBLAS threads) and DJL's.")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    main()
