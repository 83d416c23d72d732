#!/usr/bin/env bash
# Deliberate breakages of the CUDA code, each of which the GPU tests on the emulated device must catch:
# a removed __syncthreads in the block reduction, an off-by-one in gather_rows' index, tanh's derivative
# changed, and the host's stream synchronization before a download removed. Each is applied to a clean
# checkout, rnn-cuda's tests run (Maven offline, rnn-core installed), the result printed, and the file
# restored. A breakage whose tests pass is a hole in the suite: the script then exits 1.
# Usage (from the repository root, on a clean tree): bash rnn-cuda/emulator/mutations.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
if ! git diff --quiet -- rnn-cuda; then echo "rnn-cuda has uncommitted changes: run this on a clean tree" >&2; exit 2; fi
K=rnn-cuda/src/main/resources/io/rnn4j/backend/cuda/kernels.cu
T=rnn-cuda/src/main/java/io/rnn4j/backend/cuda/CudaTransfers.java
LOGS=$(mktemp -d)
holes=0
mutate() {  # mutate NAME FILE PERL-EXPRESSION
  local name=$1 file=$2 expr=$3
  perl -0pi -e "$expr" "$file"
  if git diff --quiet -- "$file"; then echo "$name: the edit no longer applies (update this script)"; holes=1; return; fi
  ./mvnw -o -B test -pl rnn-cuda > "$LOGS/$name.log" 2>&1
  local rc=$?
  git checkout -q -- "$file"
  local counts
  counts=$(grep -E "Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$" "$LOGS/$name.log" | head -1)
  if [ $rc = 0 ]; then echo "$name: NOT CAUGHT (the tests passed)"; holes=1; else echo "$name: caught ($counts)"; fi
  grep -E "^\[ERROR\]   [A-Za-z]" "$LOGS/$name.log" | head -2
}
mutate no-syncthreads "$K" 's/(if \(lane == 0\) part\[warp\] = v;\n)    __syncthreads\(\);\n(    int warps = \(blockDim.x \+ 31\) >> 5;\n    v = threadIdx.x < warps \? part\[threadIdx.x\] : 0.0;)/$1$2/'
mutate off-by-one "$K" 's/float v = table\[\(long long\) ids\[r\] \* ldt \+ c\];/float v = table[(long long) ids[r] * ldt + c + 1];/'
mutate tanh-derivative "$K" 's/d = 1.0f - y \* y; break;/d = 1.0f - y; break;/'
mutate no-download-sync "$T" 's/\n\s*be.sync\("download"\);//'
echo "logs in $LOGS"
exit $holes
