/**
 * ONNX export of rnn4j models ({@link io.rnn4j.onnx.OnnxExport}): every cell, stacked and
 * bidirectional layers, token and dense inputs, with initial and final states as graph inputs and
 * outputs, for ONNX Runtime and the other ONNX runtimes.
 */
package io.rnn4j.onnx;
