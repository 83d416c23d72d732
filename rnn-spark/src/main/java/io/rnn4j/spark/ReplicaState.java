package io.rnn4j.spark;

import java.io.Serializable;

/**
 * What a round of parameter averaging starts from and ends with: the update count, the parameter
 * arena and the optimizer's state arenas, in parameter-arena order ({@link io.rnn4j.nn.ParameterLayout}).
 *
 * @param step updates applied so far (Adam's bias correction and the schedule read it)
 * @param parameters the parameter arena
 * @param optimizerStates the optimizer's state arenas (0 to 3 of them, each as long as the parameters)
 */
public record ReplicaState(long step, float[] parameters, float[][] optimizerStates) implements Serializable {
}
