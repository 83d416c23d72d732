package io.rnn4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The strict JSON codec of the checkpoint header and the configurations. */
class JsonTest {

    @Test
    void roundTrip() {
        Object v = Json.parse("{\"a\":[1,2.5,\"x\\\"y\\n\",true,null,-0.5e-3,1E2],\"b\":{},\"c\":\"\\u00e9\\/\"}");
        assertEquals(v, Json.parse(Json.write(v)));
        assertEquals(List.of(0L, -7L, 10.0), Json.parse("[0, -7, 1e1]"));
        assertEquals(Map.of("é", "\u00e9"), Json.parse("{\"\\u00E9\":\"é\"}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":", "[1,]", "01", "-01", "1.", "1e", ".5", "+1", "\"\\u-001\"", "\"\\uZZZZ\"",
        "\"\\u12\"", "NaN", "Infinity", "\"tab\there\"", "{\"a\":1,\"a\":2}", "[1] x", "1e999"})
    void malformedInputIsRefusedWithTheOffset(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(text));
        assertTrue(e.getMessage().startsWith("malformed JSON at offset "), e.getMessage());
    }

    @Test
    void nestingIsBoundedInsteadOfOverflowingTheStack() {
        String deep = "[".repeat(50_000) + "]".repeat(50_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().contains("nested deeper than " + Json.MAX_DEPTH), e.getMessage());
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        Json.parse(ok);
    }

    @Test
    void nonFiniteNumbersAreNotWritten() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of("lr", Double.NaN)));
        assertThrows(IllegalArgumentException.class, () -> Json.write(List.of(Float.POSITIVE_INFINITY)));
        assertEquals("[1.5,2]", Json.write(List.of(1.5, 2L)));
    }
}
