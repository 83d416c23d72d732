#!/usr/bin/env bash
# The GPU check, run on the GPU machine (no JDK, no network, nothing built there), from the repository root
# with rnn-cuda/gpu/carry carried over (see prepare.sh):
#   0. the machine: GPUs seen by nvidia-smi, driver, the CUDA libraries (pip wheels or system folders);
#   1. rnn-core's backend contract suite against the CUDA backend and the CPU-vs-CUDA training comparison,
#      through the JUnit console launcher;
#   2. the training-step benchmark on the GPU for the configurations below;
#   3. PyTorch (cuDNN, TF32 off, the same model: no biases) on the same configurations, when it is there;
#   4. the fast paths (every rnn4j.cuda.* switch on: -Drnn4j.cuda.fast=true): the contract suite and the
#      CPU-vs-CUDA comparison again, then the benchmark again, as a third column of the table;
#   5. the ratio table;
#   6. optionally (when compute-sanitizer exists and time is left) the contract suite under memcheck.
# Every step runs under `timeout`; each part prints its elapsed time. It never looks like a pass when it is
# not: on a machine where nvidia-smi sees a GPU, skipped or aborted tests count as failures; a fast-path test
# or benchmark that fails or times out, or a sanitizer run without its ERROR SUMMARY, fails the check. The
# default path and the fast paths get a verdict each, and the last line says PASS or FAIL with the counts. At most 10 files, flat, go to $OUT (the device tool's folder; a
# private temporary folder otherwise). Exit code 0 on PASS, 1 on FAIL.
# Usage: bash rnn-cuda/gpu/check.sh [quick]
set -uo pipefail
START=$(date +%s)
HERE="$(cd "$(dirname "$0")" && pwd)"
C="$HERE/carry"
[ -d "$C" ] || C="$HERE"          # also runs from inside the carry folder
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
exec > >(tee -a "$OUT/check.txt") 2>&1
LIMIT=${CHECK_LIMIT_S:-500}       # leave the rest of a 9-minute run for the sanitizer or a rerun
FAILS=()
PARTS=""
now() { echo $(( $(date +%s) - START )); }
T0=0
PNAME=""
part() {   # part SHORT-NAME "what it does"
  local t; t=$(now)
  [ -n "$PNAME" ] && PARTS="${PARTS:+$PARTS, }$PNAME $((t - T0)) s"
  PNAME="$1"; T0=$t
  echo "== $1: ${2:-} (at ${t} s)"
}
late() { [ "$(now)" -ge "$LIMIT" ]; }
fail() { FAILS+=("$1"); echo "FAILURE: $1"; }
FAST_FAILS=()
fast_fail() { FAST_FAILS+=("$1"); echo "FAILURE (fast paths): $1"; }
finish() {
  part end "summary"
  echo "elapsed per part: $PARTS"
  local IFS=";"
  local fast="PASS"
  [ ${#FAST_FAILS[@]} -gt 0 ] && fast="FAIL: ${FAST_FAILS[*]}"
  echo "verdict, fast paths (-Drnn4j.cuda.fast=true): $fast"
  if [ ${#FAILS[@]} -eq 0 ]; then
    echo "verdict, default path: PASS"
    if [ ${#FAST_FAILS[@]} -eq 0 ]; then
      echo "PASS: $TESTS_OK tests passed on $GPUS GPU(s), $BENCH_OK/$BENCH_N benchmarks ran, the fast paths passed, in $(now) s"
      exit 0
    fi
    echo "FAIL: the default path passed ($TESTS_OK tests, $BENCH_OK/$BENCH_N benchmarks) but the fast paths failed: ${FAST_FAILS[*]} (in $(now) s)"
    exit 1
  fi
  echo "verdict, default path: FAIL"
  echo "FAIL: ${#FAILS[@]} problem(s): ${FAILS[*]} (tests: $TESTS_OK passed, $TESTS_FAILED failed, $TESTS_ABORTED aborted, $TESTS_SKIPPED skipped; benchmarks: $BENCH_OK/$BENCH_N) in $(now) s"
  exit 1
}
TESTS_OK=0; TESTS_FAILED=0; TESTS_ABORTED=0; TESTS_SKIPPED=0; BENCH_OK=0; BENCH_N=0

part machine "GPUs, driver, CUDA libraries, JRE"
GPUS=0
if command -v nvidia-smi >/dev/null 2>&1; then
  GPUS=$(timeout 30 nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
  timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
fi
echo "GPUs seen by nvidia-smi: $GPUS"
[ "$GPUS" -gt 0 ] || fail "no GPU: nvidia-smi is missing or sees none"
# The CUDA libraries: the folders of the Python nvidia-* wheels, then the usual system folders; one `find`
# for all names only if some are still missing.
NEED="libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libnvrtc.so.13"
dirs=""
add() { [ -d "$1" ] && case ":$dirs:" in *":$1:"*) ;; *) dirs="$dirs:$1";; esac; }
for py in python3 /usr/bin/python3 /opt/conda/bin/python; do
  command -v $py >/dev/null 2>&1 || continue
  for d in $(timeout 30 $py -c "import nvidia, glob, os; print(' '.join(sorted({os.path.dirname(p) for base in nvidia.__path__ for p in glob.glob(os.path.join(base, '*', 'lib', 'lib*.so*'))})))" 2>/dev/null); do
    add "$d"
  done
  break
done
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/lib/x86_64-linux-gnu; do add "$d"; done
missing=""
for name in $NEED; do
  found=""
  IFS=: read -ra ds <<< "${dirs#:}"
  for d in "${ds[@]}"; do [ -e "$d/$name" ] && { found=1; break; }; done
  [ -n "$found" ] || missing="$missing $name"
done
if [ -n "$missing" ]; then
  echo "not in the usual folders:$missing; searching the file system once"
  expr=(); for name in $missing; do [ ${#expr[@]} -gt 0 ] && expr+=(-o); expr+=(-name "$name"); done
  for f in $(timeout 30 find / -xdev \( "${expr[@]}" \) 2>/dev/null); do add "$(dirname "$f")"; done
fi
export LD_LIBRARY_PATH="${dirs#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
for name in $NEED libnvrtc-builtins.so.13.0 libnvrtc-builtins.so.13.1 libnvrtc-builtins.so.13.2; do
  IFS=: read -ra ds <<< "$LD_LIBRARY_PATH"
  for d in "${ds[@]}"; do [ -e "$d/$name" ] && { echo "  $name: $d"; break; }; done
done
tar -C "$WORK" -xzf "$C/jre17.tar.gz" || fail "the JRE in the carry folder could not be unpacked"
JAVA="$WORK/jre/bin/java"
JOPTS="-Dorg.bytedeco.javacpp.cachedir=$WORK/javacpp-cache -Djava.io.tmpdir=$WORK"
[ -x "$JAVA" ] || { fail "no Java: run prepare.sh and carry rnn-cuda/gpu/carry"; finish; }

part tests "contract suite and CPU-vs-CUDA training comparison"
timeout 300 "$JAVA" $JOPTS -jar "$C/junit-platform-console-standalone.jar" execute \
    --class-path "$C/rnn-bench.jar:$C/rnn-tests.jar" \
    --select-class io.rnn4j.backend.cuda.CudaAvailabilityTest --select-class io.rnn4j.backend.cuda.CudaContractTest \
    --select-class io.rnn4j.backend.cuda.CudaVsCpuTrainingTest --select-class io.rnn4j.backend.cuda.KernelCompilationTest \
    --select-class io.rnn4j.backend.cuda.CudaDeviceTest --select-class io.rnn4j.backend.cuda.CudaRecurrencesTest \
    --details=tree --disable-banner > "$OUT/tests.txt" 2>&1
rc=$?
grep -E "CUDA availability|CUDA vs CPU|compiled for|✘|MethodSource|=>" "$OUT/tests.txt" | head -60
count() { grep -E "^\[ *[0-9]+ tests $1" "$OUT/tests.txt" | grep -oE "[0-9]+" | head -1; }
TESTS_OK=$(count successful); TESTS_OK=${TESTS_OK:-0}
TESTS_FAILED=$(count failed); TESTS_FAILED=${TESTS_FAILED:-0}
TESTS_ABORTED=$(count aborted); TESTS_ABORTED=${TESTS_ABORTED:-0}
TESTS_SKIPPED=$(count skipped); TESTS_SKIPPED=${TESTS_SKIPPED:-0}
echo "tests: $TESTS_OK successful, $TESTS_FAILED failed, $TESTS_ABORTED aborted, $TESTS_SKIPPED skipped (exit $rc)"
[ $rc -eq 124 ] && fail "the tests ran past 300 s"
[ "$TESTS_FAILED" -gt 0 ] && fail "$TESTS_FAILED tests failed"
[ "$TESTS_OK" -eq 0 ] && fail "no test passed"
if [ "$GPUS" -gt 0 ] && [ $((TESTS_ABORTED + TESTS_SKIPPED)) -gt 0 ]; then
  fail "$((TESTS_ABORTED + TESTS_SKIPPED)) tests aborted or skipped although nvidia-smi sees a GPU"
fi
[ $rc -ne 0 ] && [ $rc -ne 124 ] && [ "$TESTS_FAILED" -eq 0 ] && fail "the test launcher exited with $rc"

part rnn4j "training-step benchmark on the GPU"
REPEATS=50; WARMUP=20
[ "${1:-}" = quick ] && { REPEATS=10; WARMUP=5; }
# V,H,B,T,cell: C1, C3, C5, C6, a large batch, and the gated cells at C3's shape.
CONFIGS="65,128,50,50,elman 65,512,64,100,elman 10000,512,32,35,elman 65,512,8,100,elman 65,512,512,50,elman 65,512,64,100,lstm 65,512,64,100,gru"
: > "$OUT/rnn4j.jsonl"
: > "$OUT/bench-stderr.txt"
for c in $CONFIGS; do
  IFS=, read V H B T CELL <<< "$c"
  BENCH_N=$((BENCH_N + 1))
  if late; then fail "out of time before rnn4j $c"; continue; fi
  echo "--- rnn4j $c" >> "$OUT/bench-stderr.txt"
  line=$(timeout 120 "$JAVA" $JOPTS -jar "$C/rnn-bench.jar" step --backend cuda -V $V -H $H -B $B -T $T --cell $CELL \
      --no-bias --warmup $WARMUP --repeats $REPEATS --format json 2>>"$OUT/bench-stderr.txt" | tail -1)
  if [ -n "$line" ] && [ "${line#\{}" != "$line" ]; then
    echo "$line" >> "$OUT/rnn4j.jsonl"; BENCH_OK=$((BENCH_OK + 1)); echo "rnn4j $c: ok"
  else
    echo "{\"config\":{\"V\":$V,\"H\":$H,\"B\":$B,\"T\":$T,\"cell\":\"$CELL\"},\"error\":\"rnn4j step failed\"}" >> "$OUT/rnn4j.jsonl"
    fail "rnn4j step failed for $c (see bench-stderr.txt)"
  fi
done

part pytorch "PyTorch cuDNN, TF32 off, the same model"
: > "$OUT/pytorch.jsonl"
PY=""
for p in python3 /usr/bin/python3 /opt/conda/bin/python; do
  if command -v $p >/dev/null 2>&1 && timeout 60 $p -c "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then PY=$p; break; fi
done
if [ -n "$PY" ]; then
  for c in $CONFIGS; do
    IFS=, read V H B T CELL <<< "$c"
    if late; then echo "out of time before PyTorch $c"; continue; fi
    echo "--- pytorch $c" >> "$OUT/bench-stderr.txt"
    timeout 120 $PY "$C/pytorch_step.py" --device cuda -V $V -H $H -B $B -T $T --cell $CELL --threads 1 \
        --warmup $WARMUP --repeats $REPEATS >> "$OUT/pytorch.jsonl" 2>>"$OUT/bench-stderr.txt" || echo "{}" >> "$OUT/pytorch.jsonl"
  done
else
  echo "no PyTorch with CUDA found: the table shows rnn4j alone"
fi

part fast "the fast paths on (-Drnn4j.cuda.fast=true): tests, then the benchmark"
FAST="-Drnn4j.cuda.fast=true"
: > "$OUT/rnn4j-fast.jsonl"
if late; then
  fail "out of time before the fast-path tests"
else
  timeout 240 "$JAVA" $JOPTS $FAST -jar "$C/junit-platform-console-standalone.jar" execute \
      --class-path "$C/rnn-bench.jar:$C/rnn-tests.jar" \
      --select-class io.rnn4j.backend.cuda.CudaContractTest --select-class io.rnn4j.backend.cuda.CudaVsCpuTrainingTest \
      --select-class io.rnn4j.backend.cuda.CudaDeviceTest --select-class io.rnn4j.backend.cuda.CudaRecurrencesTest \
      --details=tree --disable-banner > "$OUT/tests-fast.txt" 2>&1
  frc=$?
  grep -E "CUDA vs CPU|✘|=>" "$OUT/tests-fast.txt" | head -40
  FOK=$(grep -E "^\[ *[0-9]+ tests successful" "$OUT/tests-fast.txt" | grep -oE "[0-9]+" | head -1)
  FBAD=$(grep -E "^\[ *[0-9]+ tests failed" "$OUT/tests-fast.txt" | grep -oE "[0-9]+" | head -1)
  FABORT=$(grep -E "^\[ *[0-9]+ tests aborted" "$OUT/tests-fast.txt" | grep -oE "[0-9]+" | head -1)
  echo "fast-path tests: ${FOK:-0} successful, ${FBAD:-0} failed, ${FABORT:-0} aborted (exit $frc)"
  [ $frc -eq 124 ] && fast_fail "the fast-path tests ran past 240 s"
  [ "${FBAD:-0}" -gt 0 ] && fast_fail "${FBAD} tests failed with the fast paths on (they stay off)"
  [ "${FOK:-0}" -eq 0 ] && fast_fail "no test passed with the fast paths on"
  [ "$GPUS" -gt 0 ] && [ "${FABORT:-0}" -gt 0 ] && fast_fail "${FABORT} fast-path tests aborted although nvidia-smi sees a GPU"
fi
for c in $CONFIGS; do
  IFS=, read V H B T CELL <<< "$c"
  if late; then fast_fail "out of time before rnn4j fast $c"; continue; fi
  echo "--- rnn4j fast $c" >> "$OUT/bench-stderr.txt"
  line=$(timeout 120 "$JAVA" $JOPTS $FAST -jar "$C/rnn-bench.jar" step --backend cuda -V $V -H $H -B $B -T $T \
      --cell $CELL --no-bias --warmup $WARMUP --repeats $REPEATS --format json 2>>"$OUT/bench-stderr.txt" | tail -1)
  if [ -n "$line" ] && [ "${line#\{}" != "$line" ]; then echo "$line" >> "$OUT/rnn4j-fast.jsonl"; echo "rnn4j fast $c: ok"
  else fast_fail "rnn4j fast step failed or timed out for $c (see bench-stderr.txt)"; fi
done

part table "ratio table"
if [ -n "$PY" ]; then
  timeout 60 $PY "$C/table.py" "$OUT/rnn4j.jsonl" "$OUT/pytorch.jsonl" "$OUT/rnn4j-fast.jsonl" | tee "$OUT/table.txt"
else
  cat "$OUT/rnn4j.jsonl" | tee "$OUT/table.txt"
fi

part memcheck "compute-sanitizer on the contract suite (optional)"
SAN=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ -n "$SAN" ] && [ "$GPUS" -gt 0 ] && [ "$(now)" -lt $((LIMIT - 150)) ]; then
  timeout 150 "$SAN" --tool memcheck --print-limit 20 "$JAVA" $JOPTS -jar "$C/junit-platform-console-standalone.jar" \
      execute --class-path "$C/rnn-bench.jar:$C/rnn-tests.jar" --select-class io.rnn4j.backend.cuda.CudaContractTest \
      --details=summary --disable-banner > "$OUT/sanitizer.txt" 2>&1
  grep -E "ERROR SUMMARY|tests (successful|failed)" "$OUT/sanitizer.txt" || true
  if grep -qE "ERROR SUMMARY: [1-9]" "$OUT/sanitizer.txt"; then fail "compute-sanitizer memcheck found errors"
  elif ! grep -qE "ERROR SUMMARY: 0 errors" "$OUT/sanitizer.txt"; then
    fail "compute-sanitizer ended without an ERROR SUMMARY (it timed out or crashed: see sanitizer.txt)"
  fi
else
  echo "skipped (compute-sanitizer: ${SAN:-absent}; elapsed $(now) s)"
fi
finish
