// Diagnostic harness for docs/PERFORMANCE.md (not part of the build); see ../README.md.
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.*;
import io.rnn4j.train.*;
import java.util.SplittableRandom;
public class StepAllocation {
  public static void main(String[] a) {
    CellType cell = CellType.valueOf(a[0]);
    SplittableRandom r = new SplittableRandom(1);
    int b = 8, t = 12;
    int[] in = new int[b*t], out = new int[b*t];
    for (int i = 0; i < in.length; i++) { in[i] = r.nextInt(20); out[i] = r.nextInt(20); }
    Batch batch = Batch.tokensTimeMajor(b, t, in, out).withLengths(new int[] {12, 11, 10, 9, 8, 7, 6, 5});
    com.sun.management.ThreadMXBean hs = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    try (RnnModel model = new RnnModel(new CpuBackend(), RnnConfig.tokens(20, 16).cell(cell).build());
         Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(OptimizerConfig.adam(1e-3)).carryState(true).build())) {
      for (int w = 0; w < 8; w++) {
        long before = hs.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 1000; i++) trainer.step(batch);
        System.out.println(java.time.Instant.now() + " " + cell + " bytes/step " + (hs.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / 1000);
      }
    }
  }
}
