#!/usr/bin/env bash
# What each CPU fast path brings: the same step, the same jar, four JVM settings, alternating, three
# runs each per configuration (compare medians):
#   scalar      plain java (no Vector API module): scalar element-wise loops, OpenBLAS everywhere
#   elementwise --add-modules jdk.incubator.vector, packed GEMMs off: vectorized tanh only
#   recurrent   + the packed recurrent GEMM (and the column split where it is chosen)
#   all         + the packed general GEMM (the default with the module)
# Usage: bash rnn-bench/compare/vector-ab.sh [rnn-bench.jar] [repeats] [configs...]
# A config is "V H B T cell"; default: C1, C3, C5, C6, S1 and the LSTM shape.
set -euo pipefail
JAR=${1:-rnn-bench/target/rnn-bench.jar}; REPEATS=${2:-40}
shift 2 2>/dev/null || shift $#
CONFIGS=("$@")
if [ ${#CONFIGS[@]} -eq 0 ]; then
  CONFIGS=("65 128 50 50 elman" "65 512 64 100 elman" "10000 512 32 35 elman" "65 512 8 100 elman"
           "65 768 8 200 elman" "65 512 64 100 lstm")
fi
VEC="--add-modules jdk.incubator.vector"
for cfg in "${CONFIGS[@]}"; do
  set -- $cfg
  for rep in 1 2 3; do
    for mode in scalar elementwise recurrent all; do
      case $mode in
        scalar) opts="" ;;
        elementwise) opts="$VEC -Drnn4j.cpu.packedGemm=false" ;;
        recurrent) opts="$VEC -Drnn4j.cpu.vectorBlas=false" ;;
        all) opts="$VEC" ;;
      esac
      v=$(java $opts -jar "$JAR" step -V "$1" -H "$2" -B "$3" -T "$4" --cell "$5" --no-bias --warmup 30 --warmup-seconds 2 \
          --repeats "$REPEATS" --format json 2>/dev/null | tail -1 \
          | python3 -c "import json,sys; print('%.0f' % json.loads(sys.stdin.read())['tokens_per_s'])")
      echo "$1/$2/$3/$4/$5 $mode $v"
    done
  done
done
