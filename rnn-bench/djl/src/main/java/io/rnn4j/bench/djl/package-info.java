/** The DJL (PyTorch engine) baseline of the step benchmark: the same model and step as rnn4j's {@code step --no-bias}. */
package io.rnn4j.bench.djl;
