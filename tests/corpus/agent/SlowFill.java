import java.util.ArrayList;
import java.util.List;

// Fills its heap slowly to a share of the maximum (args[0], default 0.9),
// then holds it: the sustained pressure the capture agent must notice once,
// and dump once. Prints "READY <pid>" when it holds.
public class SlowFill {
  static final List<byte[]> HELD = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    double share = args.length > 0 ? Double.parseDouble(args[0]) : 0.9;
    long target = (long) (Runtime.getRuntime().maxMemory() * share);
    long held = 0;
    while (held < target) {
      HELD.add(new byte[64 * 1024]);
      held += 64 * 1024 + 16;
      if (HELD.size() % 64 == 0) Thread.sleep(20);
    }
    System.out.println("READY " + ProcessHandle.current().pid());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
