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

    /**
     * Checks the components.
     *
     * @param available true when {@link BackendProvider#create()} is expected to succeed
     * @param reason empty when available; otherwise a sentence a user can act on
     *     (for example "no CUDA driver: libcuda.so.1 not found")
     * @param cause the underlying error, if any
     */
    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    /** {@return "available": the backend can be created} */
    public static Availability ok() {
        return new Availability(true, "", null);
    }

    /**
     * The backend cannot be created, for the given reason.
     *
     * @param reason why the backend cannot run here, for the user
     * @return the answer
     */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason, null);
    }

    /**
     * The backend cannot be created; the reason and the error that showed it.
     *
     * @param reason why the backend cannot run here, for the user
     * @param cause what failed, or null
     * @return the answer
     */
    public static Availability unavailable(String reason, Throwable cause) {
        return new Availability(false, reason, cause);
    }

    /** {@return the cause, if one was recorded} */
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
