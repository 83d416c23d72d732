/**
 * Training data as the trainer consumes it: {@link io.rnn4j.data.Batch}, time-major blocks of
 * token ids or dense vectors with their targets, per-sequence lengths and loss masks.
 */
package io.rnn4j.data;
