import java.util.ArrayList;
import java.util.List;

// Runs out of heap after a short wait (args[0] ms), so a JVM started with
// -XX:+HeapDumpOnOutOfMemoryError writes its dump while the agent watches.
public class OomNow {
  static final List<long[]> HELD = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    Thread.sleep(args.length > 0 ? Long.parseLong(args[0]) : 1000);
    while (true) HELD.add(new long[16 * 1024]);
  }
}
