package io.rnn4j.bench.dl4j;

import java.util.Random;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The DL4J counterpart of rnn4j's step benchmark: {@code SimpleRnn} (tanh) fed one-hot inputs for a
 * small vocabulary, {@code EmbeddingSequenceLayer} + {@code SimpleRnn} for a large one, and an
 * {@code RnnOutputLayer} with softmax cross-entropy; L2 gradient clipping at 5 (DL4J clips per
 * layer, it has no global norm); SGD. One {@link #step()} is one {@code fit} on a pre-built batch.
 */
final class Dl4jModel {
    private final MultiLayerNetwork net;
    private final INDArray[] features;
    private final INDArray[] labels;
    private int next;

    Dl4jModel(int v, int h, int b, int t, long seed) {
        boolean oneHot = v <= 1000;
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .updater(new Sgd(1e-3)).gradientNormalization(GradientNormalization.ClipL2PerLayer)
                .gradientNormalizationThreshold(5).list();
        int layer = 0;
        if (!oneHot) {
            list.layer(layer++, new EmbeddingSequenceLayer.Builder().nIn(v).nOut(h).build());
        }
        list.layer(layer++, new SimpleRnn.Builder().nIn(oneHot ? v : h).nOut(h).activation(Activation.TANH).build());
        list.layer(layer, new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(h).nOut(v)
                .activation(Activation.SOFTMAX).build());
        MultiLayerConfiguration conf = list.build();
        net = new MultiLayerNetwork(conf);
        net.init();
        Random r = new Random(seed);
        features = new INDArray[2];
        labels = new INDArray[2];
        for (int k = 0; k < 2; k++) {
            INDArray x = oneHot ? Nd4j.zeros(DataType.FLOAT, b, v, t) : Nd4j.zeros(DataType.FLOAT, b, 1, t);
            INDArray y = Nd4j.zeros(DataType.FLOAT, b, v, t);
            for (int s = 0; s < b; s++) {
                for (int i = 0; i < t; i++) {
                    if (oneHot) {
                        x.putScalar(new int[] {s, r.nextInt(v), i}, 1f);
                    } else {
                        x.putScalar(new int[] {s, 0, i}, r.nextInt(v));
                    }
                    y.putScalar(new int[] {s, r.nextInt(v), i}, 1f);
                }
            }
            features[k] = x;
            labels[k] = y;
        }
    }

    void step() {
        int k = next;
        next = (next + 1) % features.length;
        net.fit(features[k], labels[k]);
    }
}
