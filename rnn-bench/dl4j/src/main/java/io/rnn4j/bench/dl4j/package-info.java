/**
 * The DL4J comparison baseline (its own class path, built with {@code -Pdl4j}): the same training
 * step in DL4J 1.0.0-M2.1, timed by {@link io.rnn4j.bench.dl4j.Dl4jStep} and a JMH benchmark.
 */
package io.rnn4j.bench.dl4j;
