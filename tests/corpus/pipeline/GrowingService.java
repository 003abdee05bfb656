// GrowingService OUT_DIR DUMPS ENTRIES_PER_DUMP ENTRY_BYTES - a service with a
// slow leak that dumps its own heap DUMPS times (dump-01.hprof ...). Before
// each dump, Registry.ENTRIES, a static HashMap, gains ENTRIES_PER_DUMP
// entries of ENTRY_BYTES bytes that nothing removes, so every dump has a
// bigger static-field suspect than the one before, at the same path.
// One JVM writes them all, which keeps making 30 real dumps cheap.
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

public class GrowingService {
  static final class Registry {
    // Put on every request, never removed: the leak.
    static final Map<String, byte[]> ENTRIES = new HashMap<>();
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    int dumps = Integer.parseInt(args[1]);
    int perDump = Integer.parseInt(args[2]);
    int entryBytes = Integer.parseInt(args[3]);
    HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    int next = 0;
    for (int d = 1; d <= dumps; d++) {
      for (int i = 0; i < perDump; i++, next++) {
        byte[] value = new byte[entryBytes];
        value[next % entryBytes] = (byte) next;
        Registry.ENTRIES.put("request-" + next, value);
      }
      bean.dumpHeap(out.resolve(String.format("dump-%02d.hprof", d)).toString(), true);
    }
    System.out.println("DUMPED " + dumps);
  }
}
