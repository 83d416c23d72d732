#!/usr/bin/env bash
# The GPU check, run on the GPU machine (no JDK, no network, nothing built there), from the repository root
# with rnn-cuda/gpu/carry carried over (see prepare.sh):
#   1. rnn-core's backend contract suite against the CUDA backend, and the CPU-vs-CUDA training comparison
#      (20 steps of each configuration), through the JUnit console launcher;
#   2. the training-step benchmark on the GPU for C1 65/128/50/50, C3 65/512/64/100, C5 10000/512/32/35,
#      C6 65/512/8/100 and 65/512/512/50;
#   3. PyTorch's nn.RNN (cuDNN, TF32 off) on the same configurations, when a PyTorch with CUDA is there;
#   4. the ratio table, last.
# Usage: bash rnn-cuda/gpu/check.sh [quick]
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
C="$HERE/carry"
[ -d "$C" ] || C="$HERE"          # also runs from inside the carry folder
JRE=/tmp/rnn4j-jre17
[ -x "$JRE/bin/java" ] || tar -C /tmp -xJf "$C/jre17.tar.xz"
JAVA="$JRE/bin/java"
libdirs=""
for name in libcublas.so.13 libcublasLt.so.13 libnvrtc.so.13 libcudart.so.13 libnvrtc-builtins.so.13.0; do
  d=$(dirname "$( (ls /usr/local/cuda/lib64/$name 2>/dev/null; find /usr /opt /root /home -name "$name" 2>/dev/null) | head -1)" 2>/dev/null || true)
  [ -n "$d" ] && [ "$d" != "." ] && case ":$libdirs:" in *":$d:"*) ;; *) libdirs="$libdirs:$d";; esac
done
export LD_LIBRARY_PATH="${libdirs#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
OUT="${OUT:-/tmp/rnn4j-gpu}"
mkdir -p "$OUT"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
JOPTS="-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp-cache"

echo "== 1. contract suite and CPU-vs-CUDA comparison"
"$JAVA" $JOPTS -jar "$C/junit-platform-console-standalone.jar" execute \
    --class-path "$C/rnn-bench.jar:$C/rnn-tests.jar" \
    --select-class io.rnn4j.backend.cuda.CudaAvailabilityTest --select-class io.rnn4j.backend.cuda.CudaContractTest \
    --select-class io.rnn4j.backend.cuda.CudaVsCpuTrainingTest --select-class io.rnn4j.backend.cuda.KernelCompilationTest \
    --details=summary --disable-banner 2>&1 | tee "$OUT/tests.txt" | grep -Ev "^\[main\] INFO" | tail -40

echo "== 2. rnn4j step benchmark on the GPU"
REPEATS=50; WARMUP=20
[ "${1:-}" = quick ] && { REPEATS=10; WARMUP=5; }
CONFIGS="65,128,50,50 65,512,64,100 10000,512,32,35 65,512,8,100 65,512,512,50"
: > "$OUT/rnn4j.jsonl"
for c in $CONFIGS; do
  IFS=, read V H B T <<< "$c"
  "$JAVA" $JOPTS -jar "$C/rnn-bench.jar" step --backend cuda -V $V -H $H -B $B -T $T --no-bias \
      --warmup $WARMUP --repeats $REPEATS --format json 2>/dev/null | tail -1 >> "$OUT/rnn4j.jsonl" \
      || echo "{\"config\":{\"V\":$V,\"H\":$H,\"B\":$B,\"T\":$T},\"error\":\"rnn4j step failed\"}" >> "$OUT/rnn4j.jsonl"
done
echo "== 3. PyTorch nn.RNN (cuDNN, TF32 off)"
: > "$OUT/pytorch.jsonl"
PY=""
for p in python3 /usr/bin/python3 /opt/conda/bin/python; do
  if command -v $p >/dev/null && $p -c "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then PY=$p; break; fi
done
if [ -n "$PY" ]; then
  for c in $CONFIGS; do
    IFS=, read V H B T <<< "$c"
    $PY "$C/pytorch_step.py" --device cuda -V $V -H $H -B $B -T $T --threads 1 --warmup $WARMUP --repeats $REPEATS \
        >> "$OUT/pytorch.jsonl" 2>>"$OUT/pytorch.err" || echo "{}" >> "$OUT/pytorch.jsonl"
  done
else
  echo "no PyTorch with CUDA found: the table shows rnn4j alone"
fi
echo "== 4. ratio table"
if [ -n "$PY" ]; then $PY "$C/table.py" "$OUT/rnn4j.jsonl" "$OUT/pytorch.jsonl"; else cat "$OUT/rnn4j.jsonl"; fi
grep -E "tests (successful|failed|skipped)" "$OUT/tests.txt" || true
