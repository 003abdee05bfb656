// HealthyService - heapscope leak corpus: a busy but healthy heap, the
// control case for the leak programs beside it.
//
// About 40 MB in twenty independent structures of roughly 2 MB each
// (every one under 6% of the reachable heap), held by different kinds of
// GC roots and topped by objects of different classes: bounded
// LinkedHashMap caches (removeEldestEntry), a TreeMap, a HashMap, a
// ConcurrentHashMap, a HashSet, an ArrayDeque, an ArrayList, primitive
// arrays, a float[][], a String array, a StringBuilder and a 50,000-link
// chain held by static fields; a LinkedBlockingQueue and a
// BitSet held by main's frame; a PriorityQueue held by a parked thread's
// frame;
// and three worker threads with a small thread-local buffer each. Expected
// from `heapscope analyze`: no suspect at or above the default threshold
// (10% of the reachable heap). Run with -Xmx256m.
// Prints "READY <pid>", then blocks until stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.ref.Reference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

public class HealthyService {
    // ---- Bounded caches: each its own LinkedHashMap subclass.

    static class BoundedCache<K, V> extends LinkedHashMap<K, V> {
        final int limit;

        BoundedCache(int limit) {
            super(16, 0.75f, true);
            this.limit = limit;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
            return size() > limit;
        }
    }

    record UserSession(String user, long lastSeen, int[] permissions) {}

    static final class UserSessions extends BoundedCache<String, UserSession> {
        static final UserSessions CACHE = new UserSessions();

        UserSessions() {
            super(4_000);
        }
    }

    record Product(long id, String name, double price, char[] description) {}

    static final class ProductCatalog extends BoundedCache<Long, Product> {
        static final ProductCatalog CACHE = new ProductCatalog();

        ProductCatalog() {
            super(5_000);
        }
    }

    static final class TemplateCache extends BoundedCache<String, String> {
        static final TemplateCache CACHE = new TemplateCache();

        TemplateCache() {
            super(650);
        }
    }

    // ---- Plain static state.

    static final class Metrics {
        static final long[] SAMPLES = new long[260_000];
    }

    static final class IdIndex {
        static final int[] IDS = new int[520_000];
    }

    static final class LatencyHistogram {
        static final double[] BUCKETS = new double[255_000];
    }

    record AuditEntry(long at, int code, String action, short[] fields) {}

    static final class AuditLog {
        static final ArrayDeque<AuditEntry> ENTRIES = new ArrayDeque<>();
    }

    static final class ConfigRegistry {
        static final TreeMap<String, String> SETTINGS = new TreeMap<>();
    }

    record Route(String path, int port, String host, long[] counters) {}

    static final class RoutingTable {
        static final HashMap<Integer, Route> ROUTES = new HashMap<>();
    }

    static final class Connection {
        final int id;
        final byte[] buffer = new byte[8192];

        Connection(int id) {
            this.id = id;
        }
    }

    static final class ConnectionPool {
        static final List<Connection> CONNECTIONS = new ArrayList<>();
    }

    static final class Messages {
        static final String[] TEXTS = new String[20_000];
    }

    static final class Inventory {
        static final ConcurrentHashMap<String, AtomicLong> COUNTS = new ConcurrentHashMap<>();
    }

    static final class Journal {
        static final StringBuilder BUFFER = new StringBuilder(2_000_000);
    }

    static final class SpellDictionary {
        static final HashSet<String> WORDS = new HashSet<>();
    }

    static final class GeoIndex {
        static final float[][] POINTS = new float[2_000][250];
    }

    static final class Span {
        final long start;
        final long end;
        final int id;
        final Span parent;

        Span(long start, long end, int id, Span parent) {
            this.start = start;
            this.end = end;
            this.id = id;
            this.parent = parent;
        }
    }

    static final class TraceStore {
        static Span LATEST;
    }

    // ---- Held by stack frames and thread-locals.

    record Job(int id, String kind, byte[] body) {}

    record ScheduledTask(long due, String name, int[] args) implements Comparable<ScheduledTask> {
        @Override
        public int compareTo(ScheduledTask o) {
            return Long.compare(due, o.due);
        }
    }

    static final ThreadLocal<char[]> SCRATCH = ThreadLocal.withInitial(() -> new char[48 * 1024]);
    static final Semaphore STARTED = new Semaphore(0);

    static void fillStatics() {
        for (int i = 0; i < 6_000; i++) {
            String user = "user-" + i;
            UserSessions.CACHE.put(user, new UserSession(user, 1_700_000_000_000L + i, new int[96]));
        }
        for (int i = 0; i < 7_000; i++) {
            ProductCatalog.CACHE.put((long) i, new Product(i, "product " + i, i * 0.25, new char[100]));
        }
        for (int i = 0; i < 900; i++) {
            TemplateCache.CACHE.put("template-" + i, ("<div class=\"t" + i + "\">").repeat(240).substring(0, 3000));
        }
        for (int i = 0; i < Metrics.SAMPLES.length; i++) {
            Metrics.SAMPLES[i] = i * 31L;
        }
        for (int i = 0; i < IdIndex.IDS.length; i++) {
            IdIndex.IDS[i] = i ^ 0x5a5a;
        }
        LatencyHistogram.BUCKETS[7] = 0.5;
        String[] actions = {"login", "logout", "update", "delete"};
        for (int i = 0; i < 22_000; i++) {
            AuditLog.ENTRIES.add(new AuditEntry(i, i % 500, actions[i % 4], new short[24]));
        }
        for (int i = 0; i < 10_000; i++) {
            ConfigRegistry.SETTINGS.put("service.config.key." + i, "value-" + i + "-" + "x".repeat(40));
        }
        for (int i = 0; i < 9_000; i++) {
            RoutingTable.ROUTES.put(i, new Route("/api/v1/resource/" + i, 8000 + i % 100, "backend.local", new long[8]));
        }
        for (int i = 0; i < 250; i++) {
            ConnectionPool.CONNECTIONS.add(new Connection(i));
        }
        for (int i = 0; i < Messages.TEXTS.length; i++) {
            Messages.TEXTS[i] = "message number " + i + ": the quick brown fox jumps over the lazy dog.";
        }
        for (int i = 0; i < 18_000; i++) {
            Inventory.COUNTS.put("sku-" + i, new AtomicLong(i));
        }
        for (int i = 0; i < 22_000; i++) {
            SpellDictionary.WORDS.add("w" + Integer.toString(i * 7919, 36));
        }
        GeoIndex.POINTS[1][2] = 3.5f;
        for (int i = 0; i < 50_000; i++) {
            TraceStore.LATEST = new Span(i * 10L, i * 10L + 7, i, TraceStore.LATEST);
        }
        for (int i = 0; Journal.BUFFER.length() < 1_990_000; i++) {
            Journal.BUFFER.append("event ").append(i).append(" handled\n");
        }
    }

    static LinkedBlockingQueue<Job> workQueue() {
        LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
        for (int i = 0; i < 13_000; i++) {
            queue.add(new Job(i, "email", new byte[100]));
        }
        return queue;
    }

    static BitSet seenIds() {
        BitSet seen = new BitSet(16_000_000);
        for (int i = 0; i < 16_000_000; i += 3) {
            seen.set(i);
        }
        return seen;
    }

    static void startThreads() throws InterruptedException {
        Thread scheduler = new Thread(() -> {
            PriorityQueue<ScheduledTask> timers = new PriorityQueue<>();
            for (int i = 0; i < 17_000; i++) {
                timers.add(new ScheduledTask(1_700_000_000_000L + (i * 7919L) % 100_000, "timer", new int[16]));
            }
            STARTED.release();
            while (true) {
                LockSupport.park(timers);
            }
        }, "scheduler");
        scheduler.setDaemon(true);
        scheduler.start();
        for (int w = 1; w <= 3; w++) {
            Thread worker = new Thread(() -> {
                SCRATCH.get()[0] = 'w';
                STARTED.release();
                while (true) {
                    LockSupport.park();
                }
            }, "io-worker-" + w);
            worker.setDaemon(true);
            worker.start();
        }
        STARTED.acquire(4);
    }

    public static void main(String[] args) throws Exception {
        fillStatics();
        startThreads();
        LinkedBlockingQueue<Job> queue = workQueue();
        BitSet seen = seenIds();
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        Reference.reachabilityFence(queue);
        Reference.reachabilityFence(seen);
    }
}
