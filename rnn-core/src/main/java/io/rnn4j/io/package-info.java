/**
 * Checkpoints: {@link io.rnn4j.io.Checkpoint} writes and reads one safetensors file holding the
 * parameters under PyTorch's {@code nn.RNN} + {@code nn.Linear} names, the optimizer state, the step,
 * the carried hidden state and the configuration; {@link io.rnn4j.io.Json} is the small JSON codec
 * it uses for the safetensors header.
 */
package io.rnn4j.io;
