package io.rnn4j.bench;

/** A bad command line: printed with the help text, exit code 2. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
