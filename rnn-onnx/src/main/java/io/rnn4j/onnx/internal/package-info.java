/**
 * The graph builder and the recurrent layers of the ONNX export, and the classes generated from
 * ONNX's {@code onnx.proto} ({@code io.rnn4j.onnx.internal.proto}). <b>Not API.</b>
 */
package io.rnn4j.onnx.internal;
