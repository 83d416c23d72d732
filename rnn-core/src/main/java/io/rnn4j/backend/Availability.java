package io.rnn4j.backend;

import java.util.Objects;
import java.util.Optional;

/**
 * Whether a {@link BackendProvider} can create a backend on this machine, and if not, why.
 *
 * @param available true when {@link BackendProvider#create()} is expected to succeed
 * @param reason empty when available; otherwise a sentence a user can act on
 *     (for example "no CUDA driver: libcuda.so.1 not found")
 * @param cause the underlying error, if any
 */
public record Availability(boolean available, String reason, Throwable cause) {

    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    /** The backend can be created. */
    public static Availability ok() {
        return new Availability(true, "", null);
    }

    /** The backend cannot be created, for the given reason. */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason, null);
    }

    /** The backend cannot be created; the reason and the error that showed it. */
    public static Availability unavailable(String reason, Throwable cause) {
        return new Availability(false, reason, cause);
    }

    /** The cause, if one was recorded. */
    public Optional<Throwable> causeIfAny() {
        return Optional.ofNullable(cause);
    }

    @Override
    public String toString() {
        if (available) {
            return "available";
        }
        return cause == null ? reason : reason + " (" + cause + ")";
    }
}
