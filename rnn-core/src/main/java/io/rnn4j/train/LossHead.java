package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Arena;

/**
 * The output head and its loss: {@code Z = H Vᵀ (+ c)} over the top layer's states (every step, or
 * each sequence's last step), the fused loss kernel that turns Z into ∂E/∂z, and the mirror image:
 * {@code dV += Zᵀ H}, {@code dc += Σ Z}, {@code ∂E/∂h = Z V}. Also the reduction: the factor from the
 * summed loss to the reported one.
 */
final class LossHead {
    private final Backend backend;
    private final Loss loss;
    private final Reduction reduction;
    private final int outputSize;
    private final Tensor output;
    private final Tensor outputBias;
    private final Tensor dOutput;
    private final Tensor dOutputBias;

    LossHead(RnnModel model, Arena grads, TrainerConfig config) {
        RnnConfig mc = model.config();
        this.backend = model.backend();
        this.loss = config.loss();
        this.reduction = config.reduction();
        this.outputSize = mc.outputSize();
        this.output = model.parameters().view(ParameterLayout.OUTPUT_WEIGHTS);
        this.outputBias = model.parameters().viewOrNull(ParameterLayout.OUTPUT_BIAS);
        this.dOutput = grads.view(ParameterLayout.OUTPUT_WEIGHTS);
        this.dOutputBias = grads.viewOrNull(ParameterLayout.OUTPUT_BIAS);
    }

    /** What the head reads: every step's h, or each sequence's last h (gathered). */
    private Tensor input(Workspace w, boolean gather) {
        if (loss == Loss.MSE_LAST_STEP) {
            if (gather) {
                backend.gatherRows(w.top.hiddenOut, w.lastRows, 0, w.lastHidden, false);
            }
            return w.lastHidden;
        }
        return w.top.hiddenOut;
    }

    /** Logits and the loss; leaves ∂E/∂z in the logits. */
    void forward(Workspace w, float gradScale, boolean weighted) {
        backend.fill(w.loss, 0f);
        backend.gemm(w.logits, input(w, true), false, output, true, 1f, 0f);
        if (outputBias != null) {
            backend.addRowVector(w.logits, outputBias);
        }
        Tensor weights = weighted ? w.headWeights : null;
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            backend.softmaxCrossEntropy(w.logits, w.targetIds, 0, weights, gradScale, w.loss);
        } else {
            backend.squaredError(w.logits, w.targets, weights, gradScale, w.loss);
        }
    }

    /** The head's gradients, and ∂E/∂h of the top layer (zero where no loss reads it). */
    void backward(Workspace w) {
        backend.gemm(dOutput, w.logits, true, input(w, false), false, 1f, 1f);
        if (dOutputBias != null) {
            backend.sumRows(w.logits, dOutputBias, true);
        }
        if (loss == Loss.MSE_LAST_STEP) {
            backend.gemm(w.lastGrad, w.logits, false, output, false, 1f, 0f);
            backend.fill(w.top.grad, 0f);
            backend.scatterAddRows(w.lastGrad, w.lastRows, 0, w.top.grad);
        } else {
            backend.gemm(w.top.grad, w.logits, false, output, false, 1f, 0f);
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
        double perPosition = loss == Loss.SOFTMAX_CROSS_ENTROPY ? 1 : outputSize;
        return weightSum * perPosition;
    }

    /** Whether a head row stands for a time step (false: one row per sequence). */
    boolean perStep() {
        return loss != Loss.MSE_LAST_STEP;
    }
}
