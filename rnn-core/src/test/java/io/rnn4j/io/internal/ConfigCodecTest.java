package io.rnn4j.io.internal;

import io.rnn4j.internal.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.UpdateRule;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.TrainerConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configurations as JSON: every field round-trips, the optimizer's fields come from one definition. */
@SuppressWarnings("unchecked")
class ConfigCodecTest {

    @Test
    void everyUpdateRuleFieldRoundTripsByItsRecordName() {
        UpdateRule r = new UpdateRule(UpdateRule.Kind.RMSPROP, 0.003f, 0.5f, 0.95f, 0.8f, 0.98f, 1e-6f, 0.01f, false,
                true, 0f, 2f);
        Map<String, Object> m = ConfigCodec.toMap(r);
        assertEquals(java.util.List.of("kind", "learningRate", "momentum", "rho", "beta1", "beta2", "epsilon",
                "weightDecay", "nesterov", "centered", "initialAccumulator"), new java.util.ArrayList<>(m.keySet()),
                "every component but the trainer's clip value");
        UpdateRule back = ConfigCodec.updateRule((Map<String, Object>) Json.parse(Json.write(m)));
        assertEquals(r.withClipValue(Float.POSITIVE_INFINITY), back);
    }

    @Test
    void aMissingFieldTakesTheKindsDefault() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "ADAM");
        m.put("learningRate", 0.01);
        assertEquals(UpdateRule.defaults(UpdateRule.Kind.ADAM, 0.01f), ConfigCodec.updateRule(m));
        m.put("beta1", 1.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigCodec.updateRule(m));
        assertTrue(e.getMessage().contains("beta1 must be in [0, 1)"), e.getMessage());
        m.put("kind", "LION");
        e = assertThrows(IllegalArgumentException.class, () -> ConfigCodec.updateRule(m));
        assertTrue(e.getMessage().contains("unknown Kind 'LION'"), e.getMessage());
    }

    @Test
    void configurationsRoundTrip() {
        RnnConfig c = RnnConfig.dense(3, 7, 2).cell(CellType.GRU).layers(2).seed(9).build();
        assertEquals(c, ConfigCodec.rnnConfig((Map<String, Object>) Json.parse(Json.write(ConfigCodec.toMap(c)))));
        TrainerConfig t = TrainerConfig.builder().optimizer(OptimizerConfig.sgd(0.1, 0.9)).carryState(true).build();
        assertEquals(t, ConfigCodec.trainerConfig((Map<String, Object>) Json.parse(Json.write(ConfigCodec.toMap(t)))));
        Map<String, Object> m = ConfigCodec.toMap(c);
        m.put("hiddenSize", 7.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigCodec.rnnConfig(m));
        assertTrue(e.getMessage().contains("'hiddenSize' is not an int"), e.getMessage());
    }
}
