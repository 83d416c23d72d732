#!/usr/bin/env python3
"""Regenerates docs/STUDIES.md from the studies themselves.

Every figure in docs/STUDIES.md comes from a run of `rnn-examples.jar` that this script makes, and the
file prints the exact command beside it. Each run writes summary.json (how it was made: arguments,
backend, kernel path and choice, OpenBLAS pin, CPU, JDK, wall time; and its figures) and its CSV files
into target/studies/<run>; the tables are read from those files, never typed.

    python3 docs/studies/regenerate.py                 # every run (about 20 minutes on 2 cores), then the file
    python3 docs/studies/regenerate.py --reuse         # runs only what target/studies lacks, then the file
    python3 docs/studies/regenerate.py --path scalar   # the same without the Vector API module
    python3 docs/studies/regenerate.py --only adding --doc /tmp/STUDIES.md   # some sections, another file

Kernel paths. Float rounding differs between the vector path (the Vector API kernels, what the jar runs
by default) and the scalar path (no module), and chaotic training amplifies it: a figure reproduces
only on the path, kernel choice and OpenBLAS kernels that made it. So the vector path runs with
-Drnn4j.cpu.kernels=packed (the default, auto, picks OpenBLAS or the packed kernel per shape by timing,
which can settle differently from one process to the next), and every command runs with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, as on a user's machine. Each section names its path.

Needs: python3 (standard library only), a JDK 17+, the jar (./mvnw -q package -DskipTests). The
min-char-rnn section needs ../shared/data/tinyshakespeare/input.txt (or --text); without it that section
says so and the rest is written.
"""
import argparse
import csv
import json
import math
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JAR = "rnn-examples/target/rnn-examples.jar"
TEXT = "../shared/data/tinyshakespeare/input.txt"


class Run:
    """One study run: its name (its folder under target/studies) and the jar's arguments."""

    def __init__(self, name, args, text=False):
        self.name, self.args, self.text = name, args, text


def runs(text):
    adding = []
    for t in (100, 200):
        for model, extra in (("lstm", []), ("irnn", []), ("tanh", ["--init", "orthogonal"])):
            adding.append(Run(f"adding-T{t}-{model}", ["adding", "--T", str(t), "--model", model, *extra,
                                                       "--steps", "10000", "--seeds", "1,2"]))
    return {
        "vanishing": [Run("vanishing", ["vanishing"]),
                      Run("vanishing-tour", ["vanishing", "--T", "60", "--hidden", "32", "--train-steps", "300"])],
        "adding": adding,
        "copy": [Run(f"copy-{c}", ["copy", "--T", "50", "--cell", c, "--steps", "3000"]) for c in ("elman", "lstm", "gru")],
        "exploding": [Run("exploding", ["exploding"])],
        "char-rnn": [Run("char-rnn", ["char-rnn", "--text", text, "--preset", "min-char-rnn", "--steps", "20000",
                                      "--print-every", "1000", "--sample-length", "0"], text=True)],
        "truncation": [Run("truncation", ["truncation"])],
        "presets": [Run("le2015", ["adding", "--preset", "le2015", "--seeds", "1"]),
                    Run("pascanu2013", ["adding", "--preset", "pascanu2013", "--seeds", "1"]),
                    Run("arjovsky2016", ["copy", "--preset", "arjovsky2016"])],
    }


QUICK = {"adding": ["--steps", "200", "--eval-every", "100", "--test-sequences", "64"],
         "copy": ["--steps", "100", "--eval-every", "50", "--test-sequences", "64"],
         "vanishing": ["--train-steps", "20"], "truncation": ["--train-steps", "10", "--K", "50", "--ks", "1,25,50"],
         "exploding": ["--steps", "30"], "char-rnn": ["--steps", "1000"]}


def quick(run):
    """The same run, shortened (--quick: a smoke test of this script, not figures to publish)."""
    args = list(run.args)
    for i in range(0, len(QUICK[args[0]]), 2):
        opt, value = QUICK[args[0]][i:i + 2]
        if opt in args:
            args[args.index(opt) + 1] = value
        else:
            args += [opt, value]
    return Run(run.name, args, run.text)


def java_command(path, run, out):
    props = ["-Drnn4j.cpu.kernels=packed"] if path == "vector" else ["-Drnn4j.relaunch=false"]
    return ["env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE", "java", *props, "-jar", JAR, *run.args,
            "--out", out]


def shown(cmd):
    return " ".join(shlex.quote(c) for c in cmd)


def execute(path, run, reuse, work):
    out = f"{work}/{run.name}"
    cmd = java_command(path, run, out)
    summary = ROOT / out / "summary.json"
    if reuse and summary.exists():
        s = json.loads(summary.read_text())
        if s["arguments"] == [*run.args, "--out", out] and s["kernel_path"] == path:
            return cmd
    print(f"[{time.strftime('%H:%M:%S')}] {shown(cmd)}", flush=True)
    (ROOT / out).mkdir(parents=True, exist_ok=True)
    with open(ROOT / out / "log.txt", "w") as log:
        rc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT).returncode
    if rc != 0 or not summary.exists():
        sys.exit(f"{run.name} failed (exit {rc}); its output is in {out}/log.txt")
    return cmd


def summary(work, name):
    return json.loads((ROOT / work / name / "summary.json").read_text())


def rows(work, name, file):
    with open(ROOT / work / name / file) as f:
        return [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]


def f4(x):
    return "–" if x is None else f"{x:.4f}"


def g3(x):
    return "–" if x is None else f"{x:.3g}"


def step(x):
    return "not reached" if x is None else f"{int(x):,}"


def minutes(s):
    return f"{int(s // 60)} min {int(round(s % 60))} s" if s >= 60 else f"{s:.0f} s"


def cap(text):
    return text[:1].upper() + text[1:]


def block(cmds):
    return "\n".join("    " + shown(c) for c in cmds)


# ---------------------------------------------------------------------------------------------- sections

def vanishing(w, cmds):
    a, b = summary(w, "vanishing"), summary(w, "vanishing-tour")
    ra, rb = a["results"], b["results"]
    by_b = {m["model"]: m for m in rb["models"]}
    lines = [f"| model | T = {ra['T']}, H = {ra['hidden']}, {ra['train_steps']} steps: init | trained "
             f"| T = {rb['T']}, H = {rb['hidden']}, {rb['train_steps']} steps: init | trained "
             f"| ‖∂E_T/∂h_0‖ / ‖∂E_T/∂h_T‖ at T = {ra['T']}: init | trained |", "|---|---|---|---|---|---|---|"]
    for m in ra["models"]:
        n = by_b[m["model"]]
        lines.append(f"| {m['model']} | {m['rate_init']:.4f} | {m['rate_trained']:.4f} | {n['rate_init']:.4f} "
                     f"| {n['rate_trained']:.4f} | {m['ratio_first_lag_init']:.2g} | {m['ratio_first_lag_trained']:.2g} |")
    return f"""## Vanishing gradients

{block(cmds.values())}

Fitted decay rate of ‖∂E_T/∂h_k‖ per step back (the slope of its logarithm against T − k; −0.1 means the
gradient shrinks by e^−0.1 a step) on the adding problem, at initialization and after Adam training
(lr {ra['lr']}, B = {ra['batch']}, loss at the last step only), and the ratio across the whole sequence
(0 where it underflows):

{chr(10).join(lines)}
"""


def adding(w, cmds):
    names = [n for n in cmds]
    lines = ["| T | model | seed | final test MSE | the test set's constant predictor | first step < 0.01 "
             "| first step < 0.9 × constant | verdict |", "|---|---|---|---|---|---|---|---|"]
    first = summary(w, names[0])["results"]
    for n in names:
        r = summary(w, n)["results"]
        for x in r["runs"]:
            lines.append(f"| {r['T']} | {r['model']}{' (orthogonal U)' if 'tanh' in n else ''} | {x['seed']} "
                         f"| {f4(x['final_mse'])} | {f4(x['constant_predictor'])} | {step(x['first_step_below_0.01'])} "
                         f"| {step(x['first_step_below_0.9_constant'])} | {x['verdict']} |")
    return f"""## Adding problem

{block(cmds.values())}

H = 64, B = 32, Adam lr 0.001, global-norm clipping at 1, {first['steps']:,} steps, test MSE on
{first['test_sequences']:,} test sequences drawn once per seed (the constant predictor scores 1/6 ≈ 0.167 in
expectation; each seed's test set gives its own, which is the one each run is judged against; the
verdict is the study's own: solved below 5% of it, learning below 90%):

{chr(10).join(lines)}
"""


def copy(w, cmds):
    lines = ["| cell | final test cross-entropy per step | memoryless baseline | verdict |", "|---|---|---|---|"]
    first = None
    for n in cmds:
        r = summary(w, n)["results"]
        first = first or r
        lines.append(f"| {n.split('-')[1]} | {f4(r['final_cross_entropy'])} | {f4(r['baseline'])} | {r['verdict']} |")
    return f"""## Copying memory

{block(cmds.values())}

T = {first['T']} (sequences of {first['T'] + 20} steps), H = 64, RMSProp lr 0.001, global-norm clipping at 1,
{first['steps']:,} steps, {first['test_sequences']:,} test sequences; the memoryless baseline (blanks known, the 10
symbols uniform over 8) is exact on every sequence:

{chr(10).join(lines)}
"""


def exploding(w, cmds):
    r = summary(w, "exploding")["results"]
    curve = rows(w, "exploding", "exploding.csv")
    lines = ["| run | max pre-clip ‖g‖ | median ‖g‖ | updates clipped | non-finite steps (update skipped) | last loss |",
             "|---|---|---|---|---|---|"]
    for x in r["runs"]:
        lines.append(f"| {x['run']} | {g3(x['max_norm'])} | {g3(x['median_norm'])} | {x['clipped']} "
                     f"| {x['non_finite']} of {r['updates']} | {f4(x['last_loss'])} |")
    first, last = curve[0]["grad_norm_clipped"], curve[-1]["grad_norm_clipped"]
    return f"""## Exploding gradients

{block(cmds.values())}

{r['activation']}, U = orthogonal × {r['gain']} (spectral radius {r['spectral_radius']:.3f}), T = {r['T']},
H = {r['hidden']}, SGD lr {r['lr']}, {r['updates']} updates, without clipping and with global-norm
clipping at {r['theta']}; with clipping the pre-clip norm goes from {g3(first)} at the first update to
{g3(last)} at the last:

{chr(10).join(lines)}
"""


def char_rnn(w, cmds, text_present, text):
    if not text_present:
        return f"""## min-char-rnn on tinyshakespeare

Not run: {text} is absent (the corpus is not part of the repository). With it:

{block(cmds.values())}
"""
    r = summary(w, "char-rnn")
    curve = {int(x["step"]): x["smoothed_loss"] for x in rows(w, "char-rnn", "char-rnn.csv")}
    marks = [s for s in (1000, 5000, 10000, 20000) if s in curve]
    at = ", ".join(f"{curve[s]:.1f} at {s:,}" for s in marks)
    return f"""## min-char-rnn on tinyshakespeare

{block(cmds.values())}

{r['results']['settings']} (Karpathy's min-char-rnn.py: batch 1, 25 steps, hidden 100, Adagrad lr 0.1,
element-wise clipping at 5, summed loss, weights from N(0, 0.01²)): the 0.999-smoothed loss (started at
25 · ln V) is {at}; {r['results']['chars_per_second']:,.0f} characters per second over the run
(wall time {minutes(r['seconds'])}).
"""


def truncation(w, cmds):
    r = summary(w, "truncation")["results"]
    series = {}
    for x in r["rows"]:
        series.setdefault((x["task"], x["model"], x["when"]), {})[x["k"]] = x
    ks = sorted({x["k"] for x in r["rows"]})
    shown_ks = [k for k in ks if k != r["K"]]
    head = "| task | model | when | " + " | ".join(f"k = {k}" for k in shown_ks) + f" | ‖g_25‖/‖g_{r['K']}‖ |"
    lines = [head, "|" + "---|" * (len(shown_ks) + 4)]
    for (task, model, when), by_k in series.items():
        ratio = by_k.get(25, {}).get("norm_ratio")
        lines.append(f"| {task} | {model} | {when} | " + " | ".join(f"{by_k[k]['cosine']:.3f}" for k in shown_ks)
                     + f" | {'–' if ratio is None else f'{ratio:.2f}'} |")
    return f"""## Truncation bias

{block(cmds.values())}

K = {r['K']}, H = {r['hidden']}, B = {r['batch']}; text: the built-in text, next-character cross-entropy;
adding: T = {r['K']}, loss at the last step. Measured at initialization and after {r['train_steps']} Adam
steps (lr {r['lr']}; text trained with truncated BPTT at k = 25, adding on whole sequences). Cosine
between the gradient truncated BPTT accumulates over the {r['K']} steps with windows of k and the full
gradient, and the ratio of their norms at k = 25 (k = {r['K']} is 1 and 1 by construction):

{chr(10).join(lines)}

How to read it: a cosine near 1 from small k on means nothing reaches back further than k steps, so a
longer window buys nothing; a cosine well below 1 (or a norm ratio far from 1) at the training window
means truncation changes the direction of the update, not just its precision.
"""


def at_steps(curve, steps, key="test_mse"):
    by = {int(x["step"]): x[key] for x in curve}
    return ", ".join(f"{by[s]:.4f} at {s:,}" for s in steps if s in by)


def presets(w, cmds):
    le, pa, ar = summary(w, "le2015"), summary(w, "pascanu2013"), summary(w, "arjovsky2016")
    lr_, pr, arr = le["results"], pa["results"], ar["results"]
    l1 = lr_["runs"][0]
    le_curve = rows(w, "le2015", "adding.csv")
    pa_curve = rows(w, "pascanu2013", "adding.csv")
    ar_curve = rows(w, "arjovsky2016", "copy.csv")
    n = pr["steps"]
    marks = [n // 5, n // 2, n]
    pa_lines = []
    for x in pr["runs"]:
        reg = 1.0 if x["regularizer"] != "none" else 0.0
        c = [y for y in pa_curve if y["regularized"] == reg]
        solved = {int(y["step"]): y["solved"] for y in c}
        pa_lines.append(f"| {x['regularizer']} | {at_steps(c, marks)} | "
                        + ", ".join(f"{100 * solved[s]:.1f}% at {s:,}" for s in marks if s in solved)
                        + f" | {f4(x['constant_predictor'])}, solving {100 * x['constant_predictor_solved_share']:.1f}% | {x['dE_dh_first']:.3g} | {x['verdict']} |")
    le_marks = [lr_["steps"] // 10, lr_["steps"] // 2, lr_["steps"]]
    ar_marks = [arr["steps"] // 10, arr["steps"] // 2, arr["steps"]]
    return f"""## The papers' presets

{block(cmds.values())}

Each preset sets every option not given to its source's setup (each command's `--help` lists the
settings; the run's header prints them and what still differs from the authors' code). Where each
setting comes from:

{PRESET_SOURCES}

### `adding --preset le2015` (Le, Jaitly & Hinton 2015)

{lr_['settings']}; {lr_['test_sequences']:,} test sequences (wall time {minutes(le['seconds'])}).
Test MSE {at_steps(le_curve, le_marks)}, against that set's constant predictor {f4(l1['constant_predictor'])}:
{l1['verdict']}. First step below 0.9 × the constant predictor: {step(l1['first_step_below_0.9_constant'])};
first step below 0.01: {step(l1['first_step_below_0.01'])}.

Against the paper: the preset's settings are those the paper gives for its adding-problem experiment
at T = 150. How many updates the paper's IRNN curve takes to leave the constant predictor is read off
its figure, not stated in its text, and this file quotes no number it could not check against the
paper; rnn4j's run stands as the line above says ({'it did not leave the constant predictor in '
+ f"{lr_['steps']:,}" + ' updates' if l1['first_step_below_0.9_constant'] is None else 'it left the constant predictor at update '
+ f"{l1['first_step_below_0.9_constant']:,}"}).

### `adding --preset pascanu2013` (Pascanu, Mikolov & Bengio 2013)

{pr['settings']}; their task (the mean of the two marked values, base lengths {pr['T']}–{pr['max_length']}
plus up to 10%), {pr['test_sequences']:,} test sequences scored one by one, a sequence solved at squared
error ≤ 0.04 as their code counts it (the test set's constant predictor solves the share the table gives:
about 64% for a mean of two U[0, 1] values, so a share is learning only above it; wall time {minutes(pa['seconds'])}, both runs). {cap(pr['differences'])}.

| regularizer | test MSE | sequences solved | the test set's constant predictor: MSE, solved | ‖∂E_T/∂h_1‖ after training | verdict |
|---|---|---|---|---|---|
{chr(10).join(pa_lines)}

### `copy --preset arjovsky2016` (Arjovsky, Shah & Bengio 2016)

{arr['settings']}; {arr['test_sequences']:,} test sequences (wall time {minutes(ar['seconds'])}). {cap(arr['differences'])}.
Test cross-entropy per step {at_steps(ar_curve, ar_marks, 'test_cross_entropy')} against the memoryless
{f4(arr['baseline'])}: {arr['verdict']}.
"""


PRESET_SOURCES = """| preset | setting | value | source |
|---|---|---|---|
| `adding --preset le2015` | model | IRNN: ReLU, U = I, zero biases | the paper (Le, Jaitly & Hinton 2015, arXiv:1504.00941, the adding problem) |
| | input and output weights | N(0, 0.001²) | the paper |
| | hidden units, minibatch | 100, 16 | the paper |
| | optimizer | plain SGD, lr 0.01 | the paper |
| | gradient-norm clipping | by T: 150 → 100, 200 → 1, 300 → 10, 400 → 1, others 1 | the paper's best thresholds |
| | T | 150 | the paper's shortest length (150, 200, 300, 400) |
| | updates, evaluation | 100,000; every 1,000 on 4,096 test sequences | rnn4j's choice (a budget of this machine), not the paper's |
| `adding --preset pascanu2013` | task | the mean of the two marked values; markers in the first 10% and in 10–50%; base lengths 50–200 plus up to 10% | the authors' code (pascanur/trainingRNNs, addition.py) |
| | model, hidden units | tanh RNN, 50 | the code (RNN.py) |
| | weights | N(0, 0.1²) | the code's basic_tanh (its default smart_tanh is not an rnn4j initializer) |
| | optimizer, minibatch | SGD lr 0.01, 20 | the code (RNN.py; it replaces a non-finite or > 1e10 gradient by 0.02 · W_hh, rnn4j skips that update) |
| | clipping, Ω | gradient norm at 1; Ω at α = 2 (the paper's norm-ratio form) | the code (RNN.py; the code squares the norms) |
| | test set, success | 10,000 sequences; solved at squared error ≤ 0.04 | the code (RNN.py, addition.py) |
| | updates, evaluation | 50,000; every 1,000 on one test set drawn once | rnn4j's choice (the code evaluates every 20 updates on 10,000 freshly drawn sequences, runs up to 5,000,000 updates and stops when none of them fails) |
| `copy --preset arjovsky2016` | model, hidden units | LSTM with 40 (or `--model tanh`, an RNN with 80) | the paper (the copy experiment's sizes; the authors' code, amarshah/complex_RNN, takes them as arguments) |
| | weights | W, U and V Glorot-uniform; the LSTM's forget bias 1 | the code (models.py) |
| | optimizer | RMSProp lr 0.001, decay 0.9 | the code (optimizations.py; its accumulator starts at 1e-3 with no ε, rnn4j's at 0 with ε = 1e-8) |
| | clipping | element-wise at 1 (LSTM, RNN, IRNN; not the uRNN) | the code (memory_problem.py) |
| | minibatch, iterations, test set, evaluation | 20; 20,000; 10,000 sequences; every 50 iterations | the code (memory_problem.py; it draws 100,000 training sequences once, rnn4j fresh ones every step) |
| | T | 100 | the paper's copy lengths are 100, 200, 300 and 500; 100 is rnn4j's default among them |
| `char-rnn --preset min-char-rnn` | all | batch 1, 25 steps, hidden 100, Adagrad lr 0.1, element-wise clipping at 5, summed loss, weights N(0, 0.01²), loss smoothed by 0.999 | Karpathy's min-char-rnn.py |"""


def paths(w, other_w, path, other, text_present):
    """The same runs on both kernel paths, side by side: how far float rounding carries."""
    def loss(work):
        c = {int(x["step"]): x["smoothed_loss"] for x in rows(work, "char-rnn", "char-rnn.csv")}
        return ", ".join(f"{c[k]:.1f}" for k in (1000, 5000, 20000) if k in c)

    def cos(work, task, model):
        r = summary(work, "truncation")["results"]["rows"]
        return next(f"{x['cosine']:.3f}" for x in r if (x["task"], x["model"], x["when"], x["k"]) == (task, model, "trained", 25))

    def rate(work, model):
        return next(f"{m['rate_trained']:.4f}" for m in summary(work, "vanishing")["results"]["models"] if m["model"] == model)

    have_text = text_present and (ROOT / w / "char-rnn" / "summary.json").exists() and (ROOT / other_w / "char-rnn" / "summary.json").exists()
    lines = [f"| figure | {path} path | {other} path |", "|---|---|---|"]
    if have_text:
        lines.append(f"| min-char-rnn smoothed loss at 1,000, 5,000, 20,000 | {loss(w)} | {loss(other_w)} |")
    for model in ("tanh", "irnn", "lstm"):
        lines.append(f"| truncation, text, {model} trained: cosine at k = 25 | {cos(w, 'text', model)} | {cos(other_w, 'text', model)} |")
    for model in ("tanh", "irnn", "gru"):
        lines.append(f"| vanishing, {model} trained: rate per step | {rate(w, model)} | {rate(other_w, model)} |")
    return f"""## The two kernel paths

The same commands on the {other} path ({'-Drnn4j.relaunch=false: no Vector API module' if other == 'scalar'
else '-Drnn4j.cpu.kernels=packed'}), made by this script beside the runs above: at initialization
the paths agree to float rounding; after training the difference has grown by as much as the table
shows, so a figure belongs to its path.

{chr(10).join(lines)}
"""


SECTIONS = {"vanishing": vanishing, "adding": adding, "copy": copy, "exploding": exploding,
            "char-rnn": None, "truncation": truncation, "presets": presets}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--path", choices=["vector", "scalar"], default="vector",
                   help="vector: the Vector API kernels with a fixed kernel choice; scalar: without the module")
    p.add_argument("--reuse", action="store_true", help="keep runs whose summary.json matches their command")
    p.add_argument("--only", default="", help="comma-separated sections (default: all)")
    p.add_argument("--text", default=TEXT, help="tinyshakespeare's input.txt, relative to the repository")
    p.add_argument("--doc", default="docs/STUDIES.md", help="the file to write, relative to the repository")
    p.add_argument("--quick", action="store_true", help="every run shortened to seconds, into target/studies/quick-PATH:"
                   " a smoke test of this script (give --doc another file)")
    a = p.parse_args()
    if a.quick and a.doc == "docs/STUDIES.md":
        sys.exit("--quick writes figures that are not the studies': give --doc another file")
    if not (ROOT / JAR).exists():
        sys.exit(f"{JAR} is missing: build it first (./mvnw -q package -DskipTests)")
    work = f"target/studies/{'quick-' if a.quick else ''}{a.path}"
    plan = runs(a.text)
    if a.quick:
        plan = {s: [quick(r) for r in rs] for s, rs in plan.items()}
    only = [s for s in a.only.split(",") if s] or list(plan)
    for s in only:
        if s not in plan:
            sys.exit(f"unknown section '{s}' (the sections: {', '.join(plan)})")
    text_present = (ROOT / a.text).exists()
    if not text_present and "char-rnn" in only:
        print(f"{a.text} not found: the min-char-rnn section is not run and says so", flush=True)
    parts = []
    total = 0
    facts = None
    for s in plan:
        if s not in only:
            continue
        cmds = {}
        for r in plan[s]:
            if r.text and not text_present:
                cmds[r.name] = java_command(a.path, r, f"{work}/{r.name}")
                continue
            cmds[r.name] = execute(a.path, r, a.reuse, work)
            facts = facts or summary(work, r.name)
            total += summary(work, r.name)["seconds"]
        parts.append(char_rnn(work, cmds, text_present, a.text) if s == "char-rnn" else SECTIONS[s](work, cmds))
    path_words = ("the vector path (the Vector API kernels; -Drnn4j.cpu.kernels=packed fixes the kernel choice, "
                  "so that every process computes the same bits)" if a.path == "vector"
                  else "the scalar path (-Drnn4j.relaunch=false: the jar runs without the Vector API module)")
    header = ("**A smoke test of regenerate.py (--quick): every run shortened; these are not the studies' figures.**\n\n"
              if a.quick else "") + f"""# What the studies show on this machine

Generated by `python3 docs/studies/regenerate.py{' --path scalar' if a.path == 'scalar' else ''}` on {facts['date']}:
every figure below is read from the files of the run whose command stands above it (summary.json and
the CSVs it writes to its `--out` folder), and the file is rewritten by the script, never by hand.
The runs took {minutes(total)} in all (the sum of their wall times).

Where they ran: {facts['processors']} cores ({facts['cpu_vector_flags']}), {facts['java']}, backend
"{facts['backend']}", on {path_words}; OpenBLAS chose its own kernels for this CPU (OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE unset in every command, as on a user's machine).

Reproducing a figure. The same command on the same path, kernel choice and OpenBLAS kernels gives the
same bits. Across paths (or with the default `-Drnn4j.cpu.kernels=auto`, which picks OpenBLAS or the
packed kernel per shape by timing) results differ by float rounding, which training amplifies: a run
whose model is still at a baseline agrees to a few digits, one that escapes it can escape at another
step. Figures of the other path: `python3 docs/studies/regenerate.py --path scalar --doc <file>`.
"""
    if all(s in only for s in ("vanishing", "char-rnn", "truncation")):
        other = "scalar" if a.path == "vector" else "vector"
        other_work = work.replace(a.path, other)
        for r in plan["vanishing"][:1] + plan["truncation"] + (plan["char-rnn"] if text_present else []):
            execute(other, r, a.reuse, other_work)
        parts.append(paths(work, other_work, a.path, other, text_present))
    (ROOT / a.doc).write_text(header + "\n" + "\n".join(parts))
    print(f"wrote {a.doc}", flush=True)


if __name__ == "__main__":
    main()
