package io.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Loss;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.StepResult;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same model, seed and batches trained on the CPU and on the GPU: the losses, the gradient norms of
 * every step and the final parameters agree within float32 tolerance. Tolerance: relative 2e-3 on
 * losses and parameters after the steps (both sides round in float32 but sum in different orders; the
 * difference, about √n·u per operation, compounds over the steps), checked against the drift between
 * two CPU thread counts on the same data. Covers every Elman activation, LSTM, GRU, stacked layers,
 * dense inputs with the squared-error head, and bidirectional stacked layers with dropout, AdamW, a
 * schedule and the classification head. On a GPU, 20 steps at the benchmark shapes; on the emulated
 * device ({@link CudaTestSupport}), 6 steps at small shapes chosen to reach the same code paths: a
 * vocabulary above 1024 (the sorted embedding gradient and the block-per-row softmax), H not a multiple
 * of 8 (no clusters), PReLU (step by step), an LSTM whose persistent sweep does not fit on the device at
 * once (the step-by-step fallback).
 */
class CudaVsCpuTrainingTest {
    private static final String[] GPU_SHAPES = {"65,128,50,50,ELMAN,TANH,1", "65,512,64,100,ELMAN,TANH,1",
        "10000,512,32,35,ELMAN,TANH,1", "65,512,8,100,ELMAN,TANH,1", "40,96,16,30,ELMAN,LOGISTIC,1",
        "40,96,16,30,ELMAN,RELU,1", "40,96,16,30,ELMAN,PRELU,1", "40,96,16,30,ELMAN,IDENTITY,1",
        "65,256,32,50,LSTM,TANH,1", "65,256,32,50,GRU,TANH,1", "40,128,16,30,ELMAN,TANH,2",
        "40,128,16,30,LSTM,TANH,2", "40,128,16,30,GRU,TANH,3"};
    private static final String[] EMULATED_SHAPES = {"65,32,8,12,ELMAN,TANH,1", "2000,16,8,20,ELMAN,TANH,1",
        "40,36,6,10,ELMAN,LOGISTIC,1", "40,24,6,10,ELMAN,RELU,1", "40,24,6,10,ELMAN,PRELU,1",
        "40,24,6,10,ELMAN,IDENTITY,1", "65,64,8,12,LSTM,TANH,1", "65,256,4,6,LSTM,TANH,1", "65,64,8,12,GRU,TANH,1",
        "40,32,6,10,ELMAN,TANH,2", "40,32,6,10,LSTM,TANH,2", "40,32,6,10,GRU,TANH,3"};

    private static boolean small() {
        return CudaTestSupport.emulated();
    }

    private static int steps() {
        return small() ? 6 : 20;
    }

    static Stream<Arguments> shapes() {
        return Arrays.stream(small() ? EMULATED_SHAPES : GPU_SHAPES).map(row -> {
            String[] f = row.split(",");
            return Arguments.of(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                    Integer.parseInt(f[3]), CellType.valueOf(f[4]), Activation.valueOf(f[5]), Integer.parseInt(f[6]));
        });
    }

    @ParameterizedTest(name = "{4} {5} x{6} V{0} H{1} B{2} T{3}")
    @MethodSource("shapes")
    void stepsAgree(int v, int h, int b, int t, CellType cell, Activation f, int layers) {
        RnnConfig cfg = RnnConfig.tokens(v, h).cell(cell).activation(f).layers(layers).seed(7).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.sgd(0.01)).clipping(Clipping.globalNorm(5))
                .reduction(Reduction.MEAN).carryState(true).build();
        Batch[] batches = new Batch[steps()];
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < batches.length; i++) {
            int[] in = new int[b * t];
            int[] out = new int[b * t];
            for (int k = 0; k < in.length; k++) {
                in[k] = r.nextInt(v);
                out[k] = r.nextInt(v);
            }
            batches[i] = Batch.tokensTimeMajor(b, t, in, out);
        }
        compare(cfg, tc, batches, cell + " " + f + " x" + layers + " V" + v + " H" + h + " B" + b + " T" + t);
    }

    @Test
    void denseInputsWithTheLastStepSquaredErrorAgree() {
        int b = small() ? 8 : 24;
        int t = small() ? 16 : 40;
        RnnConfig cfg = RnnConfig.dense(2, small() ? 32 : 64, 1).activation(Activation.RELU).seed(3).build();
        TrainerConfig tc = TrainerConfig.builder().loss(Loss.MSE_LAST_STEP).optimizer(OptimizerConfig.adam(1e-3))
                .clipping(Clipping.value(1)).build();
        Batch[] batches = new Batch[steps()];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < batches.length; i++) {
            float[] x = new float[b * t * 2];
            float[] y = new float[b];
            for (int k = 0; k < x.length; k++) {
                x[k] = (float) r.nextDouble();
            }
            for (int k = 0; k < y.length; k++) {
                y[k] = (float) r.nextDouble();
            }
            batches[i] = Batch.denseLastStep(b, t, x, 2, y, 1);
        }
        compare(cfg, tc, batches, "dense relu, MSE at the last step, Adam, value clipping");
    }

    @ParameterizedTest(name = "{0} bidirectional x2, {1} dropout, classification")
    @CsvSource({"ELMAN,STANDARD", "LSTM,VARIATIONAL", "GRU,STANDARD", "GRU,NONE"})
    void bidirectionalDropoutAndClassificationAgree(CellType cell, io.rnn4j.train.Dropout.Kind dropout) {
        int b = small() ? 8 : 16;
        int t = small() ? 12 : 30;
        int d = 8;
        RnnConfig cfg = RnnConfig.dense(d, small() ? 32 : 64, 5).cell(cell).layers(2).bidirectional(true).seed(9).build();
        io.rnn4j.train.Dropout drop = new io.rnn4j.train.Dropout(dropout, 0.2f, 3);
        TrainerConfig tc = TrainerConfig.builder().loss(Loss.CROSS_ENTROPY_LAST_STEP)
                .optimizer(OptimizerConfig.adamW(1e-3).weightDecay(0.05)).clipping(Clipping.globalNorm(5))
                .schedule(io.rnn4j.train.LearningRateSchedule.cosine(20, 0.1).withWarmup(3)).dropout(drop).build();
        Batch[] batches = new Batch[steps()];
        SplittableRandom r = new SplittableRandom(17);
        for (int i = 0; i < batches.length; i++) {
            float[] x = new float[b * t * d];
            for (int k = 0; k < x.length; k++) {
                x[k] = (float) r.nextGaussian();
            }
            int[] lengths = new int[b];
            int[] labels = new int[b];
            for (int k = 0; k < b; k++) {
                lengths[k] = 1 + r.nextInt(t);
                labels[k] = r.nextInt(5);
            }
            batches[i] = Batch.denseClassification(b, t, x, d, labels).withLengths(lengths);
        }
        compare(cfg, tc, batches, cell + " bidirectional x2, dropout " + drop + ", AdamW, cosine, classification");
    }

    private static void compare(RnnConfig cfg, TrainerConfig tc, Batch[] batches, String what) {
        try (Backend gpu = CudaTestSupport.newBackend(); CpuBackend cpu = new CpuBackend();
             RnnModel mg = new RnnModel(gpu, cfg); RnnModel mc = new RnnModel(cpu, cfg);
             Trainer tg = new Trainer(mg, tc); Trainer tcpu = new Trainer(mc, tc)) {
            double worst = 0;
            for (Batch batch : batches) {
                StepResult g = tg.step(batch);
                StepResult c = tcpu.step(batch);
                worst = Math.max(worst, Math.abs(g.loss() - c.loss()) / Math.max(1e-6, Math.abs(c.loss())));
                worst = Math.max(worst, Math.abs(g.gradNorm() - c.gradNorm()) / Math.max(1e-6, c.gradNorm()));
            }
            float[] pg = mg.parameters().downloadAll();
            float[] pc = mc.parameters().downloadAll();
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < pc.length; i++) {
                diff += (pg[i] - pc[i]) * (double) (pg[i] - pc[i]);
                norm += pc[i] * (double) pc[i];
            }
            double rel = Math.sqrt(diff / norm);
            System.out.printf("CUDA vs CPU, %s: worst relative difference of loss/norm %.2e, parameters %.2e%n", what,
                    worst, rel);
            assertTrue(worst < 2e-3, what + ": loss or gradient norm differ by " + worst);
            assertTrue(rel < 2e-3, what + ": parameters differ by " + rel);
        }
    }
}
