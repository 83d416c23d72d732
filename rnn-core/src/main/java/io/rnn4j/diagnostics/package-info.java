/**
 * Gradient-flow diagnostics: why a recurrent net learns or fails to. Per-time-step gradient
 * norms recorded inside the backward sweep ({@link io.rnn4j.diagnostics.GradientFlow}), the
 * Jacobian product ‖∂h_t/∂h_k‖ against the lag and the spectrum of U
 * ({@link io.rnn4j.diagnostics.Spectral}), saturated and dead units per step
 * ({@link io.rnn4j.diagnostics.ActivationStats}), and where a NaN or infinity first appears
 * ({@link io.rnn4j.diagnostics.NonFinitePolicy}, {@link io.rnn4j.diagnostics.NonFiniteLocation}).
 */
package io.rnn4j.diagnostics;
