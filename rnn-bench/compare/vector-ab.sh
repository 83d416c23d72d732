#!/usr/bin/env bash
# The CPU step with the scalar and with the vectorized element-wise kernels (the JVM without and with
# --add-modules jdk.incubator.vector), alternating, three runs each per configuration (compare medians).
# Usage: bash rnn-bench/compare/vector-ab.sh [rnn-bench.jar] [repeats]
set -euo pipefail
JAR=${1:-rnn-bench/target/rnn-bench.jar}; REPEATS=${2:-60}
for cfg in "65 128 50 50 elman" "65 512 64 100 elman" "10000 512 32 35 elman" "65 512 8 100 elman"; do
  set -- $cfg
  for rep in 1 2 3; do
    for mode in scalar vector; do
      opts=""; [ "$mode" = vector ] && opts="--add-modules jdk.incubator.vector"
      v=$(java $opts -jar "$JAR" step -V "$1" -H "$2" -B "$3" -T "$4" --cell "$5" --no-bias --warmup 10 \
          --repeats "$REPEATS" --format json 2>/dev/null | tail -1 \
          | python3 -c "import json,sys; print('%.0f' % json.loads(sys.stdin.read())['tokens_per_s'])")
      echo "$1/$2/$3/$4/$5 $mode $v"
    done
  done
done
