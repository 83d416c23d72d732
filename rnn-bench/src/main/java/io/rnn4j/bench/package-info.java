/**
 * Benchmarks of training throughput: {@code java -jar rnn-bench/target/rnn-bench.jar}.
 */
package io.rnn4j.bench;
