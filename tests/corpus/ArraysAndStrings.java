// ArraysAndStrings - heapscope real-JVM corpus: array and String sizing.
//
// Allocates arrays of all eight primitive types at lengths that hit every
// alignment case (0, 1, odd, one past a multiple of 8, ...), multi-dimensional
// arrays (jagged, with null and empty rows), object arrays of several element
// types, and Strings whose content is Latin-1 (byte[] coder 0) or needs UTF-16
// (coder 1, including surrogate pairs). Prints "READY <pid>", then blocks until
// stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;

public class ArraysAndStrings {
    static final int[] LENGTHS = {0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 15, 16, 17, 31, 33, 63, 100, 1001, 4097};

    static final class Element {
        final int id;

        Element(int id) {
            this.id = id;
        }
    }

    public static void main(String[] args) throws Exception {
        List<Object> primitives = new ArrayList<>();
        for (int length : LENGTHS) {
            primitives.add(new boolean[length]);
            primitives.add(new byte[length]);
            primitives.add(new char[length]);
            primitives.add(new short[length]);
            primitives.add(new int[length]);
            primitives.add(new long[length]);
            primitives.add(new float[length]);
            primitives.add(new double[length]);
        }
        // A second set of the odd lengths only, so per-type counts differ.
        for (int length = 1; length < 40; length += 2) {
            primitives.add(new byte[length]);
            primitives.add(new short[length]);
            primitives.add(new float[length]);
        }

        String[][] table = new String[6][];
        table[0] = new String[0];
        table[1] = null;
        table[2] = new String[] {"a"};
        table[3] = new String[] {"b", null, "c"};
        table[4] = new String[7];
        table[5] = new String[] {"x", "y", "z", "w", "v"};
        int[][][] cube = new int[3][4][5];
        int[][][] jagged = new int[4][][];
        jagged[0] = new int[0][];
        jagged[1] = new int[][] {new int[1], null, new int[3]};
        jagged[2] = new int[2][0];
        long[][] longRows = new long[5][9];
        double[][] empty = new double[0][];
        char[][][][] deep = new char[2][1][2][3];

        Object[] objects = new Object[11];
        Integer[] boxes = new Integer[13];
        for (int i = 0; i < boxes.length; i++) {
            boxes[i] = 1000 + i;  // outside the Integer cache: one Integer each
        }
        Element[] elements = new Element[9];
        for (int i = 0; i < elements.length; i++) {
            elements[i] = new Element(i);
        }
        Element[][] elementRows = {elements, new Element[0], new Element[2]};
        Runnable[] interfaces = new Runnable[4];
        Comparable<?>[] comparables = {"s", 1L, 2.0};

        List<String> strings = new ArrayList<>();
        String[] latin1 = {"", "a", "ab", "abc", "hello", "Latin-1 text with accents: caf\u00e9 na\u00efve", "0123456789abcdef"};
        String[] utf16 = {
            "\u03a9", "\u03a9mega", "\u65e5\u672c\u8a9e", "mixed \u0436 text", "\ud83d\ude00", "odd \ud83d\ude00!",
            "\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac\u20ac"
        };
        for (int copy = 0; copy < 3; copy++) {
            for (String s : latin1) {
                strings.add(new String(s.toCharArray()));
            }
            for (String s : utf16) {
                strings.add(new String(s.toCharArray()));
            }
        }
        StringBuilder grow = new StringBuilder();
        for (int i = 0; i < 257; i++) {
            grow.append(i % 2 == 0 ? 'x' : '\u0416');
        }
        strings.add(grow.toString());
        strings.add("x".repeat(100_000));

        awaitRelease(primitives, table, cube, jagged, longRows, empty, deep, objects, boxes, elementRows,
                interfaces, comparables, strings);
    }

    static void awaitRelease(Object... roots) throws Exception {
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        Reference.reachabilityFence(roots);
    }
}
