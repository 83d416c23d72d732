package io.rnn4j.nn;

import io.rnn4j.backend.Tensor;

/**
 * The views of one recurrent layer's parameters (or of their gradients, or of an optimizer state) in
 * an {@link Arena}, looked up once: the typed record the cells and the trainer work with instead of
 * string lookups.
 *
 * @param recurrent U, {@code G·H × H}
 * @param input Wᵀ, {@code D × G·H} (layer 0) or {@code H × G·H} (the layers above)
 * @param hiddenBias b, {@code 1 × G·H}, or null without biases
 * @param recurrentBias the GRU's b_h, {@code 1 × 3H}, or null (other cells, or no biases)
 * @param slope the PReLU slopes, {@code 1 × H}, or null (other activations)
 */
public record LayerParams(Tensor recurrent, Tensor input, Tensor hiddenBias, Tensor recurrentBias, Tensor slope) {

    /**
     * The views of direction {@code direction} (0 forward, 1 reverse) of layer {@code layer} in {@code arena}.
     *
     * @param arena the parameter or gradient arena
     * @param layer the layer, from 0
     * @param direction 0 or 1
     * @return the views
     */
    public static LayerParams of(Arena arena, int layer, int direction) {
        return new LayerParams(arena.view(ParameterLayout.name(ParameterLayout.RECURRENT_WEIGHTS, layer, direction)),
                arena.view(ParameterLayout.name(ParameterLayout.INPUT_WEIGHTS, layer, direction)),
                arena.viewOrNull(ParameterLayout.name(ParameterLayout.HIDDEN_BIAS, layer, direction)),
                arena.viewOrNull(ParameterLayout.name(ParameterLayout.RECURRENT_BIAS, layer, direction)),
                arena.viewOrNull(ParameterLayout.name(ParameterLayout.PRELU_SLOPE, layer, direction)));
    }

    /**
     * The forward views of every layer, bottom first.
     *
     * @param arena the parameter or gradient arena
     * @param layers L
     * @return the views, one per layer
     */
    public static LayerParams[] all(Arena arena, int layers) {
        LayerParams[] out = new LayerParams[layers];
        for (int l = 0; l < layers; l++) {
            out[l] = of(arena, l, 0);
        }
        return out;
    }

    /**
     * The views of every layer and direction: {@code [layer][direction]}.
     *
     * @param arena the parameter or gradient arena
     * @param layers L
     * @param directions 1 or 2
     * @return the views
     */
    public static LayerParams[][] all(Arena arena, int layers, int directions) {
        LayerParams[][] out = new LayerParams[layers][directions];
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < directions; d++) {
                out[l][d] = of(arena, l, d);
            }
        }
        return out;
    }
}
