// GraphShapes - heapscope real-JVM corpus: common object-graph shapes.
//
// Builds a HashMap of records, a long linked chain, a complete binary tree, a
// cycle reachable from one root only, a static LinkedHashMap cache and a few
// object arrays, prints "READY <pid>", then blocks until stdin delivers a line
// or closes. The counts are fixed so a histogram of the program's own classes
// is the same on every run.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class GraphShapes {
    record Customer(String name, int age, long id, boolean active) {}

    record Order(Customer customer, double amount, char currency) {}

    static final class Link {
        final Link next;
        final int index;

        Link(Link next, int index) {
            this.next = next;
            this.index = index;
        }
    }

    static final class TreeNode {
        TreeNode left;
        TreeNode right;
        final int key;
        final short depth;

        TreeNode(int key, short depth) {
            this.key = key;
            this.depth = depth;
        }
    }

    static final class CycleNode {
        CycleNode next;
        final String label;

        CycleNode(String label) {
            this.label = label;
        }
    }

    // The cycle's only way in: one CycleRoot held in a local.
    static final class CycleRoot {
        final CycleNode entry;

        CycleRoot(CycleNode entry) {
            this.entry = entry;
        }
    }

    // A static cache that owns byte[] values of assorted sizes.
    static final Map<String, byte[]> CACHE = new LinkedHashMap<>();

    static TreeNode buildTree(int depth, int[] nextKey) {
        TreeNode node = new TreeNode(nextKey[0]++, (short) depth);
        if (depth > 0) {
            node.left = buildTree(depth - 1, nextKey);
            node.right = buildTree(depth - 1, nextKey);
        }
        return node;
    }

    static CycleRoot buildCycle(int length) {
        CycleNode first = new CycleNode("cycle-0");
        CycleNode last = first;
        for (int i = 1; i < length; i++) {
            last.next = new CycleNode("cycle-" + i);
            last = last.next;
        }
        last.next = first;
        return new CycleRoot(first);
    }

    public static void main(String[] args) throws Exception {
        Map<Integer, Customer> customers = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            customers.put(1000 + i, new Customer("customer-" + i, 20 + i % 50, 1_000_000L + i, i % 3 == 0));
        }
        List<Order> orders = new ArrayList<>();
        for (int i = 0; i < 333; i++) {
            orders.add(new Order(customers.get(1000 + i * 3), i * 1.5, i % 2 == 0 ? '$' : '\u20ac'));
        }

        Link chain = null;
        for (int i = 0; i < 5000; i++) {
            chain = new Link(chain, i);
        }
        TreeNode tree = buildTree(10, new int[] {0});  // 2047 nodes
        CycleRoot cycle = buildCycle(101);

        for (int i = 0; i < 200; i++) {
            CACHE.put("cache-key-" + i, new byte[i * 7 % 97]);
        }

        Object[] mixed = new Object[37];
        for (int i = 0; i < mixed.length; i++) {
            mixed[i] = switch (i % 4) {
                case 0 -> new Link(null, -i);
                case 1 -> "mixed-" + i;
                case 2 -> new long[i];
                default -> null;
            };
        }
        Customer[] top = customers.values().stream().limit(25).toArray(Customer[]::new);
        Link[][] grid = new Link[3][];
        grid[0] = new Link[0];
        grid[1] = new Link[] {chain};
        grid[2] = new Link[] {chain, chain.next, null};

        awaitRelease(customers, orders, chain, tree, cycle, mixed, top, grid);
    }

    static void awaitRelease(Object... roots) throws Exception {
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        Reference.reachabilityFence(roots);
    }
}
