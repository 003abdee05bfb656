// TrendService OUT_DIR leak|stable [SCALE] - dumps its own heap three times, a
// second apart (dump-1.hprof .. dump-3.hprof). In "leak" mode one
// collection, OrderLog.ORDERS, gains 40,000 orders before every dump while
// the other structures stay the same size; in "stable" mode nothing grows.
// Object addresses move between the dumps (a full GC runs before each), so
// trend must match the leaking list by its path, not its id. SCALE (default
// 1) multiplies every structure, for the benchmark's 300 MB dumps.
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class TrendService {
  record Order(long id, String customer, byte[] payload) {}

  static final class OrderLog {
    static final List<Order> ORDERS = new ArrayList<>();
  }

  static final class Catalog {
    static final Map<Long, byte[]> ITEMS = new HashMap<>();
  }

  static final class Sessions {
    static final Map<String, byte[]> ACTIVE = new LinkedHashMap<>();
  }

  static final class Metrics {
    static final List<long[]> WINDOWS = new ArrayList<>();
  }

  static long nextId = 0;

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    boolean leak = args[1].equals("leak");
    int scale = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    Files.createDirectories(out);
    for (long i = 0; i < 20_000L * scale; ++i) Catalog.ITEMS.put(i, new byte[96]);
    for (int i = 0; i < 3; ++i) {
      // The stable structures are rebuilt to the same size each round:
      // their objects are new, their shape and size are not.
      Sessions.ACTIVE.clear();
      for (int s = 0; s < 10_000 * scale; ++s) Sessions.ACTIVE.put("session-" + s, new byte[128]);
      Metrics.WINDOWS.clear();
      for (int w = 0; w < 200 * scale; ++w) Metrics.WINDOWS.add(new long[1024]);
      if (leak) {
        for (int k = 0; k < 40_000 * scale; ++k) OrderLog.ORDERS.add(new Order(nextId++, "customer-" + (k % 500), new byte[64]));
      }
      HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      bean.dumpHeap(out.resolve("dump-" + (i + 1) + ".hprof").toString(), true);
      Thread.sleep(1100);
    }
    System.out.println("DONE " + OrderLog.ORDERS.size());
  }
}
