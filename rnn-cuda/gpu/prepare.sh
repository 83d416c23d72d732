#!/usr/bin/env bash
# Builds, on a machine with a JDK and Maven, everything rnn-cuda/gpu/check.sh needs on a GPU machine that
# has neither a JDK nor network: a jlinked JRE, the benchmark jar (rnn-core + rnn-cuda + OpenBLAS + CUDA
# bindings + JMH), the test classes of the contract suite and the CPU-vs-CUDA comparison, the JUnit console
# launcher and the PyTorch script. Everything goes into rnn-cuda/gpu/carry (git-ignored, under 64 MiB):
# name that folder in the device tool's `carry` and run `bash rnn-cuda/gpu/check.sh` there.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CARRY=rnn-cuda/gpu/carry
./mvnw -B -q install -DskipTests
rm -rf "$CARRY" && mkdir -p "$CARRY"
cp rnn-bench/target/rnn-bench.jar "$CARRY/"
# The test classes: rnn-core's (contract suite, reference) and rnn-cuda's.
tmp=$(mktemp -d)
cp -r rnn-core/target/test-classes/. "$tmp/"
cp -r rnn-cuda/target/test-classes/. "$tmp/"
(cd "$tmp" && jar cf "$ROOT/$CARRY/rnn-tests.jar" .)
rm -rf "$tmp"
./mvnw -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 \
    -DoutputDirectory="$ROOT/$CARRY" -Dmdep.stripVersion=true
cp rnn-bench/compare/pytorch_step.py rnn-cuda/gpu/check.sh rnn-cuda/gpu/table.py "$CARRY/"
rm -rf /tmp/rnn4j-jre17
jlink --add-modules java.base,java.logging,java.management,java.xml,jdk.unsupported \
      --strip-debug --no-header-files --no-man-pages --compress=2 --output /tmp/rnn4j-jre17
tar -C /tmp -cJf "$CARRY/jre17.tar.xz" rnn4j-jre17
du -sh "$CARRY"
ls -la "$CARRY"
