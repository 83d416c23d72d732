#!/usr/bin/env python3
"""PyTorch reference for rnn4j's `step` benchmark: the same model and training step.

Model: nn.RNN (tanh) fed one-hot inputs for a small vocabulary, or nn.Embedding + nn.RNN for a large
one (the same FLOPs as rnn4j's gather), nn.Linear head, CrossEntropyLoss(reduction="sum"),
clip_grad_norm_(5.0), SGD. No biases anywhere (neither in the recurrent layer nor in the head), as
rnn4j's `step --no-bias`, so that both sides train exactly the same parameters. Times full steps (forward, backward, clipping, update) after warm-up and
prints one JSON object per configuration with the median tokens/s, like `rnn-bench.jar step --format json`.

Needs Debian's python3-torch (PyTorch 1.13) and libopenblas0-pthread; installs nothing.
Thread setting: torch.set_num_threads(N) with OPENBLAS_NUM_THREADS=1 (set by compare.sh), PyTorch's
best setting on 2 cores (two OpenBLAS threads oversubscribe).
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError:
    sys.exit("pytorch_step.py needs PyTorch: apt-get install python3-torch libopenblas0-pthread")


def measure(V, H, B, T, threads, warmup, repeats, clip, seed=1, device="cpu", cell="rnn"):
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    dev = torch.device(device)
    if dev.type == "cuda":
        # float32 as rnn4j computes it: no TF32 in cuBLAS or cuDNN.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    sync = (lambda: torch.cuda.synchronize()) if dev.type == "cuda" else (lambda: None)
    one_hot = V <= 1000
    size = V if one_hot else H
    if cell == "lstm":
        rnn = nn.LSTM(input_size=size, hidden_size=H, bias=False).to(dev)
    elif cell == "gru":
        rnn = nn.GRU(input_size=size, hidden_size=H, bias=False).to(dev)
    else:
        rnn = nn.RNN(input_size=size, hidden_size=H, nonlinearity="tanh", bias=False).to(dev)
    emb = None if one_hot else nn.Embedding(V, H).to(dev)
    head = nn.Linear(H, V, bias=False).to(dev)
    params = list(rnn.parameters()) + list(head.parameters()) + ([] if emb is None else list(emb.parameters()))
    opt = torch.optim.SGD(params, lr=1e-3)
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    ids = [torch.randint(0, V, (T, B), device=dev) for _ in range(4)]
    tgts = [torch.randint(0, V, (T * B,), device=dev) for _ in range(4)]
    eye = torch.eye(V, device=dev) if one_hot else None

    def step(i):
        x = eye[ids[i]] if one_hot else emb(ids[i])
        out, _ = rnn(x)
        z = head(out.reshape(T * B, H))
        loss = loss_fn(z, tgts[i])
        opt.zero_grad(set_to_none=False)
        loss.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        return loss

    for i in range(warmup):
        step(i % 4)
    sync()
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        step(i % 4)
        sync()
        times.append(time.perf_counter() - t0)
    times.sort()
    med = statistics.median(times)
    p10 = times[int(0.1 * (len(times) - 1))]
    p90 = times[int(0.9 * (len(times) - 1))]
    return {
        "backend": "pytorch-" + dev.type,
        "backend_description": "PyTorch %s on %s, %d threads, %s" % (
            torch.__version__, torch.cuda.get_device_name(0) if dev.type == "cuda" else "CPU", threads,
            ("one-hot " if one_hot else "nn.Embedding + ") + {"lstm": "nn.LSTM", "gru": "nn.GRU"}.get(cell, "nn.RNN")),
        "config": {"V": V, "H": H, "B": B, "T": T, "cell": {"rnn": "elman"}.get(cell, cell), "activation": "tanh",
                   "clip": "global:%g" % clip,
                   "bias": False, "threads": threads},
        "warmup": warmup, "repeats": repeats,
        "tokens_per_s": B * T / med, "tokens_per_s_p10": B * T / p90, "tokens_per_s_p90": B * T / p10,
        "step_ms_median": med * 1e3, "step_ms_p10": p10 * 1e3, "step_ms_p90": p90 * 1e3,
        "model_gflops": 6.0 * H * ({"lstm": 4, "gru": 3}.get(cell, 1) * H + V) * B * T / med / 1e9,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-V", type=int, default=65)
    ap.add_argument("-H", type=int, default=128)
    ap.add_argument("-B", type=int, default=50)
    ap.add_argument("-T", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--clip", type=float, default=5.0, help="global-norm threshold, 0 for none")
    ap.add_argument("--device", default="cpu", help="cpu, or cuda (cuDNN RNN, TF32 off)")
    ap.add_argument("--cell", default="rnn", choices=["rnn", "elman", "lstm", "gru"])
    a = ap.parse_args()
    cell = "rnn" if a.cell == "elman" else a.cell
    print(json.dumps(measure(a.V, a.H, a.B, a.T, a.threads, a.warmup, a.repeats, a.clip, device=a.device, cell=cell)))


if __name__ == "__main__":
    main()
