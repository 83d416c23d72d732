/**
 * Internals shared by rnn4j's own modules (the backends, the checkpoint format): the operand checks
 * every backend runs, the JSON reader and writer, the configuration codec. <b>Not API:</b> nothing
 * here is covered by compatibility promises, and no public API type takes or returns these types.
 */
package io.rnn4j.internal;
