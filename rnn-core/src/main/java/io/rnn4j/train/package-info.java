/**
 * Training: {@link io.rnn4j.train.Trainer} runs batched BPTT (full, or truncated with a carried
 * hidden state), the loss ({@link io.rnn4j.train.Loss}, {@link io.rnn4j.train.Reduction}),
 * gradient clipping ({@link io.rnn4j.train.Clipping}) and the fused optimizer update
 * ({@link io.rnn4j.train.OptimizerConfig}); each step reports a {@link io.rnn4j.train.StepResult}.
 */
package io.rnn4j.train;
