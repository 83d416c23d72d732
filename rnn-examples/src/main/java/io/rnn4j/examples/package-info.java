/**
 * Runnable demos and studies: {@code java -jar rnn-examples/target/rnn-examples.jar COMMAND}.
 * Printing to the console is their job; the library itself logs through SLF4J.
 */
package io.rnn4j.examples;
