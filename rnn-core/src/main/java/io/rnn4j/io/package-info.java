/**
 * Checkpoints: {@link io.rnn4j.io.Checkpoint} writes and reads one safetensors file holding the
 * parameters under PyTorch's {@code nn.RNN} / {@code nn.LSTM} / {@code nn.GRU} + {@code nn.Linear}
 * names, the optimizer state, the step, the carried state and both configurations, and imports the
 * weights of a PyTorch model; {@link io.rnn4j.io.SafetensorsFile} is the file format itself (bounded
 * header, whole-file checksum, atomic write).
 */
package io.rnn4j.io;
