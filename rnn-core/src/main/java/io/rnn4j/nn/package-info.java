/**
 * Models: the Elman RNN ({@link io.rnn4j.nn.RnnModel}), its configuration
 * ({@link io.rnn4j.nn.RnnConfig}), parameter initializers ({@link io.rnn4j.nn.Init}) and the
 * parameter arena layout ({@link io.rnn4j.nn.ParameterLayout}).
 *
 * <p>Letters of the derivation and their names in code: {@code U} = {@code recurrentWeights}
 * (H×H), {@code W} = {@code inputWeights} (stored transposed, D×H, one row per input token or
 * input feature), {@code b} = {@code hiddenBias} (1×H), {@code V} = {@code outputWeights} (O×H),
 * {@code c} = {@code outputBias} (1×O), PReLU slopes {@code a} = {@code preluSlope} (1×H).
 */
package io.rnn4j.nn;
