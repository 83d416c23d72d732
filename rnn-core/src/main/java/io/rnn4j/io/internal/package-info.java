/**
 * Internals of the checkpoint layer: the configuration codec that writes and reads
 * {@code RnnConfig} and {@code TrainerConfig} as JSON (used by checkpoints and by rnn-spark to ship
 * configurations to executors). <b>Not API.</b>
 */
package io.rnn4j.io.internal;
