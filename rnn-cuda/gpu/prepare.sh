#!/usr/bin/env bash
# Builds, on a machine with a JDK and Maven, everything rnn-cuda/gpu/check.sh needs on a GPU machine that
# has neither a JDK nor network: a jlinked JRE, the benchmark jar (rnn-core + rnn-cuda + OpenBLAS + the CUDA
# bindings the backend loads: cudart, cuBLAS, NVRTC), the test classes of the contract suite and the
# CPU-vs-CUDA comparison, the JUnit console launcher and the PyTorch script. Everything goes into
# rnn-cuda/gpu/carry (git-ignored, kept under 60 MiB): name that folder in the device tool's `carry` and run
# `bash rnn-cuda/gpu/check.sh` there. Uses only a private temporary folder besides the carry folder.
# Usage: bash rnn-cuda/gpu/prepare.sh        (add MAVEN_ARGS=-o to build offline once dependencies are cached)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CARRY=rnn-cuda/gpu/carry
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
./mvnw -B -q ${MAVEN_ARGS:-} install -DskipTests
rm -rf "$CARRY" && mkdir -p "$CARRY"
cp rnn-bench/target/rnn-bench.jar "$CARRY/"
# The test classes: rnn-core's (contract suite, reference) and rnn-cuda's.
mkdir "$tmp/classes"
cp -r rnn-core/target/test-classes/. "$tmp/classes/"
cp -r rnn-cuda/target/test-classes/. "$tmp/classes/"
(cd "$tmp/classes" && jar cf "$ROOT/$CARRY/rnn-tests.jar" .)
./mvnw -B -q ${MAVEN_ARGS:-} org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 \
    -DoutputDirectory="$ROOT/$CARRY" -Dmdep.stripVersion=true
cp rnn-bench/compare/pytorch_step.py rnn-cuda/gpu/check.sh rnn-cuda/gpu/table.py "$CARRY/"
jlink --add-modules java.base,java.logging,java.management,java.xml,jdk.unsupported \
      --strip-debug --no-header-files --no-man-pages --compress=2 --output "$tmp/jre"
tar -C "$tmp" -czf "$CARRY/jre17.tar.gz" jre
size=$(du -sm "$CARRY" | cut -f1)
ls -la "$CARRY"
echo "carry folder: ${size} MiB"
if [ "$size" -gt 60 ]; then
  echo "the carry folder is over 60 MiB: the device tool carries at most 64 MiB with the working tree" >&2
  exit 1
fi
