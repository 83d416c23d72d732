package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Arena;

/**
 * The output head and its loss: {@code Z = Σ_p H_p V_pᵀ (+ c)} over the top layer's output parts
 * (one per direction; every step, or each sequence's last step), the fused loss kernel that turns Z
 * into ∂E/∂z, and the mirror image: {@code dV_p += Zᵀ H_p}, {@code dc += Σ Z}, {@code ∂E/∂H_p = Z V_p}. Also the reduction: the factor from the
 * summed loss to the reported one.
 */
final class LossHead {
    private final Backend backend;
    private final Loss loss;
    private final Reduction reduction;
    private final int outputSize;
    /** V's and dV's column blocks, one per output part of the top layer ({@code O × H} each). */
    private final Tensor[] output;
    private final Tensor[] dOutput;
    private final Tensor outputBias;
    private final Tensor dOutputBias;

    LossHead(RnnModel model, Arena grads, TrainerConfig config) {
        RnnConfig mc = model.config();
        this.backend = model.backend();
        this.loss = config.loss();
        this.reduction = config.reduction();
        this.outputSize = mc.outputSize();
        int parts = mc.directions();
        int h = mc.hiddenSize();
        Tensor v = model.parameters().view(ParameterLayout.OUTPUT_WEIGHTS);
        Tensor dv = grads.view(ParameterLayout.OUTPUT_WEIGHTS);
        this.output = new Tensor[parts];
        this.dOutput = new Tensor[parts];
        for (int p = 0; p < parts; p++) {
            output[p] = v.cols(p * h, h);
            dOutput[p] = dv.cols(p * h, h);
        }
        this.outputBias = model.parameters().viewOrNull(ParameterLayout.OUTPUT_BIAS);
        this.dOutputBias = grads.viewOrNull(ParameterLayout.OUTPUT_BIAS);
    }

    /** What the head reads for output part {@code p}: every step's h, or each sequence's last h (gathered). */
    private Tensor input(Workspace w, int p, boolean gather) {
        Tensor part = w.layers[w.layers.length - 1].read(w.dropping)[p];
        if (loss.lastStepOnly()) {
            if (gather) {
                backend.gatherRows(part, w.lastRows, 0, w.lastHidden[p], false);
            }
            return w.lastHidden[p];
        }
        return part;
    }

    /** Logits and the loss; leaves ∂E/∂z in the logits. */
    void forward(Workspace w, float gradScale, boolean weighted) {
        backend.fill(w.loss, 0f);
        for (int p = 0; p < output.length; p++) {
            backend.gemm(w.logits, input(w, p, true), false, output[p], true, 1f, p == 0 ? 0f : 1f);
        }
        if (outputBias != null) {
            backend.addRowVector(w.logits, outputBias);
        }
        Tensor weights = weighted ? w.headWeights : null;
        if (loss.tokenTargets()) {
            backend.softmaxCrossEntropy(w.logits, w.targetIds, 0, weights, gradScale, w.loss);
        } else {
            backend.squaredError(w.logits, w.targets, weights, gradScale, w.loss);
        }
    }

    /** The head's gradients, and ∂E/∂(what the head read) of the top layer (zero where no loss reads it). */
    void backward(Workspace w) {
        Tensor[] readGrad = w.layers[w.layers.length - 1].readGrad(w.dropping);
        for (int p = 0; p < output.length; p++) {
            backend.gemm(dOutput[p], w.logits, true, input(w, p, false), false, 1f, 1f);
            if (loss.lastStepOnly()) {
                backend.gemm(w.lastGrad[p], w.logits, false, output[p], false, 1f, 0f);
                backend.fill(readGrad[p], 0f);
                backend.scatterAddRows(w.lastGrad[p], w.lastRows, 0, readGrad[p]);
            } else {
                backend.gemm(readGrad[p], w.logits, false, output[p], false, 1f, 0f);
            }
        }
        if (dOutputBias != null) {
            backend.sumRows(w.logits, dOutputBias, true);
        }
    }

    /** ∂(reported loss)/∂(summed loss) for a batch whose loss weights sum to {@code weightSum}. */
    float gradScale(double weightSum) {
        if (reduction == Reduction.SUM) {
            return 1f;
        }
        double denom = denominator(weightSum);
        return denom > 0 ? (float) (1.0 / denom) : 0f;
    }

    /** The reported loss from the summed one. */
    double reduce(float sum, double weightSum) {
        if (reduction == Reduction.SUM) {
            return sum;
        }
        double denom = denominator(weightSum);
        return denom > 0 ? sum / denom : 0.0;
    }

    private double denominator(double weightSum) {
        double perPosition = loss.tokenTargets() ? 1 : outputSize;
        return weightSum * perPosition;
    }

    /** Whether a head row stands for a time step (false: one row per sequence). */
    boolean perStep() {
        return !loss.lastStepOnly();
    }
}
