// RetainedShapes - heapscope real-JVM corpus: structures whose retained sizes
// are known by construction.
//
// Four structures, each held only by one static field of its own holder
// class and built from classes that nothing else in the heap uses, so each
// one's retained size is a sum of byte totals the JVM itself reports in
// GC.class_histogram (tests/realjvm/check_retained.py does the sums):
//   - MapHolder.MAP: a RecordMap (a HashMap subclass) of MAP_ENTRIES entries
//     MapKey -> MapRecord, each record owning one MapDetail. Besides its own
//     classes it retains its HashMap$Node[] table and MAP_ENTRIES
//     HashMap$Node objects; those classes are shared with the JDK, so the
//     node size is the JVM's per-instance HashMap$Node size and the table's
//     size is read off TableProbe.SAME_SIZE_AS_TABLE, a MapKey[] of the
//     table's length (any reference array of that length has its size).
//   - ChainHolder.HEAD: a chain of CHAIN_LENGTH ChainNodes.
//   - TreeHolder.ROOT: a complete binary tree of 2^TREE_LEVELS - 1 TreeNodes.
//   - CycleHolder.ROOT: a CycleRoot whose only field enters a ring of
//     CHAIN_LENGTH CycleNodes.
// main keeps no locals, so no stack frame holds anything inside a structure.
// Prints "READY <pid>", then blocks until stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.HashMap;

public class RetainedShapes {
    static final int MAP_ENTRIES = 20_000;
    // HashMap(32768) allocates a table of exactly 32768 on the first put and
    // resizes only past 0.75 * 32768 = 24576 entries.
    static final int TABLE_LENGTH = 32_768;
    // The chain and the ring are the same length and node size, so the ring's
    // entry node and the chain's head retain the same bytes; the CycleRoot
    // ranks above both, and the nodes after the heads retain less than either.
    // Together with the larger map and tree that keeps every structure in
    // `heapscope dominators --top 50`.
    static final int CHAIN_LENGTH = 30_000;
    static final int TREE_LEVELS = 17;  // 131071 nodes

    static final class MapKey {
        final int id;

        MapKey(int id) {
            this.id = id;
        }

        @Override
        public int hashCode() {
            return id;  // ids below TABLE_LENGTH: one entry per bucket, no tree bins
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MapKey k && k.id == id;
        }
    }

    static final class MapDetail {
        final double ratio;
        final short code;

        MapDetail(double ratio, short code) {
            this.ratio = ratio;
            this.code = code;
        }
    }

    record MapRecord(int id, long amount, MapDetail detail) {}

    static final class RecordMap extends HashMap<MapKey, MapRecord> {
        RecordMap(int capacity) {
            super(capacity);
        }
    }

    static final class ChainNode {
        final ChainNode next;
        final int index;

        ChainNode(ChainNode next, int index) {
            this.next = next;
            this.index = index;
        }
    }

    static final class TreeNode {
        TreeNode left;
        TreeNode right;
        final int key;

        TreeNode(int key) {
            this.key = key;
        }
    }

    static final class CycleNode {
        CycleNode next;
        final int index;

        CycleNode(int index) {
            this.index = index;
        }
    }

    static final class CycleRoot {
        final CycleNode entry;

        CycleRoot(CycleNode entry) {
            this.entry = entry;
        }
    }

    static final class MapHolder {
        static RecordMap MAP;
    }

    static final class TableProbe {
        static MapKey[] SAME_SIZE_AS_TABLE;
    }

    static final class ChainHolder {
        static ChainNode HEAD;
    }

    static final class TreeHolder {
        static TreeNode ROOT;
    }

    static final class CycleHolder {
        static CycleRoot ROOT;
    }

    static RecordMap buildMap() {
        RecordMap map = new RecordMap(TABLE_LENGTH);
        for (int i = 0; i < MAP_ENTRIES; i++) {
            map.put(new MapKey(i), new MapRecord(i, 10_000L * i, new MapDetail(i / 7.0, (short) (i % 300))));
        }
        return map;
    }

    static ChainNode buildChain() {
        ChainNode head = null;
        for (int i = 0; i < CHAIN_LENGTH; i++) {
            head = new ChainNode(head, i);
        }
        return head;
    }

    static TreeNode buildTree(int levels, int[] nextKey) {
        TreeNode node = new TreeNode(nextKey[0]++);
        if (levels > 1) {
            node.left = buildTree(levels - 1, nextKey);
            node.right = buildTree(levels - 1, nextKey);
        }
        return node;
    }

    static CycleRoot buildCycle() {
        CycleNode first = new CycleNode(0);
        CycleNode last = first;
        for (int i = 1; i < CHAIN_LENGTH; i++) {
            last.next = new CycleNode(i);
            last = last.next;
        }
        last.next = first;
        return new CycleRoot(first);
    }

    public static void main(String[] args) throws Exception {
        MapHolder.MAP = buildMap();
        TableProbe.SAME_SIZE_AS_TABLE = new MapKey[TABLE_LENGTH];
        ChainHolder.HEAD = buildChain();
        TreeHolder.ROOT = buildTree(TREE_LEVELS, new int[] {0});
        CycleHolder.ROOT = buildCycle();
        awaitRelease();
    }

    static void awaitRelease() throws Exception {
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
    }
}
