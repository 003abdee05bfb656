// JdkCollections - heapscope real-JVM corpus: the JDK's own classes.
//
// Fills the common java.util and java.util.concurrent collections, boxed
// values, big numbers, atomics and time values with fixed counts, plus one
// idle ForkJoinPool (JDK-internal @Contended fields), so the
// comparison covers many JDK classes whose layouts heapscope does not know in
// advance (mixed int/long/reference fields inherited through abstract bases).
// Prints "READY <pid>", then blocks until stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

public class JdkCollections {
    enum Color { RED, GREEN, BLUE }

    // ForkJoinPool's ctl field is @Contended inside the JDK, so the JVM pads
    // it; a subclass adds fields after the padded layout.
    static final class CorpusPool extends ForkJoinPool {
        final String label = "corpus-pool";
        boolean paused;

        CorpusPool() {
            super(3);
        }
    }

    public static void main(String[] args) throws Exception {
        List<Object> roots = new ArrayList<>();
        TreeMap<Long, String> tree = new TreeMap<>();
        LinkedList<Double> linked = new LinkedList<>();
        ArrayDeque<Short> deque = new ArrayDeque<>();
        HashSet<Character> chars = new HashSet<>();
        LinkedHashMap<String, Float> ordered = new LinkedHashMap<>();
        PriorityQueue<Byte> heap = new PriorityQueue<>();
        IdentityHashMap<Object, Boolean> identity = new IdentityHashMap<>();
        ConcurrentHashMap<Integer, AtomicLong> concurrent = new ConcurrentHashMap<>();
        ConcurrentSkipListMap<Integer, AtomicInteger> skipList = new ConcurrentSkipListMap<>();
        ConcurrentLinkedQueue<AtomicReference<String>> queue = new ConcurrentLinkedQueue<>();
        CopyOnWriteArrayList<Optional<String>> cow = new CopyOnWriteArrayList<>();
        EnumMap<Color, BitSet> byColor = new EnumMap<>(Color.class);
        for (int i = 0; i < 300; i++) {
            tree.put(5_000L + i, "tree-" + i);
            linked.add(i + 0.25);
            deque.add((short) (1000 + i));
            chars.add((char) (0x400 + i));
            ordered.put("ordered-" + i, i + 0.5f);
            heap.add((byte) i);
            identity.put(new Object(), i % 2 == 0);
            concurrent.put(70_000 + i, new AtomicLong(i));
            skipList.put(80_000 + i, new AtomicInteger(i));
            queue.add(new AtomicReference<>("queued-" + i));
        }
        for (int i = 0; i < 40; i++) {
            cow.add(i % 5 == 0 ? Optional.empty() : Optional.of("opt-" + i));
        }
        for (Color color : Color.values()) {
            BitSet bits = new BitSet(200);
            bits.set(color.ordinal() * 3, 150);
            byColor.put(color, bits);
        }
        List<Object> numbers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            numbers.add(BigInteger.valueOf(Long.MAX_VALUE).pow(i % 7 + 1));
            numbers.add(new BigDecimal("12345.678").multiply(BigDecimal.valueOf(i)));
            numbers.add(new UUID(i, -i));
            numbers.add(Instant.ofEpochSecond(1_700_000_000L + i, i));
            numbers.add(Duration.ofMillis(123_456L * (i + 1)));
            numbers.add(LocalDate.of(2000 + i, 1 + i % 12, 1 + i % 28));
            numbers.add(new WeakReference<>(numbers));
        }
        roots.add(List.of(tree, linked, deque, chars, ordered, heap, identity));
        roots.add(List.of(concurrent, skipList, queue, cow, byColor, numbers));
        // A pool that never runs a task, so no worker threads. Loading the
        // class also creates the common pool: one instance of each class.
        roots.add(new CorpusPool());

        awaitRelease(roots);
    }

    static void awaitRelease(Object... roots) throws Exception {
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        Reference.reachabilityFence(roots);
    }
}
