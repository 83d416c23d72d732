package io.rnn4j.diagnostics;

/**
 * Where a NaN or infinity first appears in a training step.
 *
 * @param tensor what holds it: {@code hidden state}, {@code pre-activation}, {@code logits/∂E∂z},
 *     {@code ∂E/∂s (δ)}, {@code loss}, or {@code gradient of NAME}
 * @param step the time step (0-based) for per-step tensors, −1 otherwise
 * @param batch the sequence (0-based) for per-step tensors, −1 otherwise
 * @param index the flat index inside the row or parameter
 * @param value the offending value
 */
public record NonFiniteLocation(String tensor, int step, int batch, int index, float value) {
    @Override
    public String toString() {
        return value + " in " + tensor + (step >= 0 ? " at step " + step + ", sequence " + batch : "")
                + ", element " + index;
    }
}
