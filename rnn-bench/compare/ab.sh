#!/usr/bin/env bash
# A/B of two builds of rnn-bench on the same machine in one run: for each configuration, each jar's
# `step` benchmark three times, alternating, printing tokens/s per run (compare the medians).
# Usage: bash rnn-bench/compare/ab.sh OLD.jar NEW.jar [repeats]
set -euo pipefail
A=${1:?old jar}; B=${2:?new jar}; REPEATS=${3:-60}
for cfg in "65 128 50 50 elman" "65 512 64 100 elman" "10000 512 32 35 elman" "65 512 64 100 lstm"; do
  set -- $cfg
  for rep in 1 2 3; do
    for which in "$A" "$B"; do
      v=$(java -jar "$which" step -V "$1" -H "$2" -B "$3" -T "$4" --cell "$5" --no-bias --warmup 10 \
          --repeats "$REPEATS" --format json 2>/dev/null | tail -1 \
          | python3 -c "import json,sys; print('%.0f' % json.loads(sys.stdin.read())['tokens_per_s'])")
      echo "$1/$2/$3/$4/$5 $(basename "$which") $v"
    done
  done
done
