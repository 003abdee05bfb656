// Benchmark fixture: fills the heap with a large HashMap of small records so
// that a live heap dump of this process is ~1.3 GB and ~30M objects, then
// prints READY and blocks on stdin until it reads a line or EOF.
//
// Usage: java -Xmx6g BigHeap [ENTRIES] [DISTINCT_EVERY]
//   ENTRIES         number of map entries (default 9,000,000)
//   DISTINCT_EVERY  every Nth item gets its own String tag; all others share
//                   one of TAG_POOL pooled tags (default 8)
//
// Per entry the heap holds a HashMap.Node, a boxed Integer key and an Item, so
// the object count is about 3 * ENTRIES + 2 * ENTRIES / DISTINCT_EVERY
// (a distinct tag is a String plus its byte[]).
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

public final class BigHeap {
    record Item(long id, int qty, String tag) {}

    static final int TAG_POOL = 1024;

    // Static so the map is reachable from a GC root while we wait.
    static Map<Integer, Item> items;

    public static void main(String[] args) throws IOException {
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : 9_000_000;
        int distinctEvery = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        if (entries <= 0 || distinctEvery <= 0) {
            throw new IllegalArgumentException("ENTRIES and DISTINCT_EVERY must be positive");
        }

        String[] pool = new String[TAG_POOL];
        for (int i = 0; i < TAG_POOL; i++) {
            pool[i] = "shared-tag-" + i;
        }

        long start = System.nanoTime();
        Map<Integer, Item> map = new HashMap<>();
        long distinct = 0;
        for (int i = 0; i < entries; i++) {
            // Keys are the dense index; ids are spread over the long range.
            long id = i * 0x9E3779B97F4A7C15L;
            String tag;
            if (i % distinctEvery == 0) {
                tag = "t" + Integer.toString(i, 36);
                distinct++;
            } else {
                tag = pool[i & (TAG_POOL - 1)];
            }
            map.put(i, new Item(id, i % 1000, tag));
        }
        items = map;
        long ms = (System.nanoTime() - start) / 1_000_000;

        System.out.printf("entries=%d distinct_tags=%d pooled_tags=%d build_ms=%d%n",
                map.size(), distinct, TAG_POOL, ms);
        System.out.println("READY");
        System.out.flush();

        // Block until the driver writes a line or closes our stdin.
        int c;
        do {
            c = System.in.read();
        } while (c != -1 && c != '\n');

        // Keep the map alive until here.
        System.out.println("bye " + items.size());
    }
}
