/**
 * Internals shared by rnn4j's own modules at the bottom of the house: the strict JSON reader and
 * writer (bounded depth, exact numbers) that the vocabulary, the checkpoint format and the
 * configuration codec use, and {@link io.rnn4j.internal.VectorRelaunch}, which gives the executable jars the
 * CPU fast path without a flag. <b>Not API:</b> nothing here is covered by compatibility promises, and no
 * public API type takes or returns these types. (The backends' operand checks are in
 * {@code io.rnn4j.backend.internal}, the configuration codec in {@code io.rnn4j.io.internal}.)
 */
package io.rnn4j.internal;
