/**
 * Internals of the backend layer: the operand checks (shapes, overlaps, scalars) that every backend
 * runs before a kernel, written once so that the CPU and CUDA backends refuse exactly the same
 * calls with the same messages. <b>Not API.</b>
 */
package io.rnn4j.backend.internal;
