// FieldLayouts - heapscope real-JVM corpus: instance field packing.
//
// Every level of a five-deep superclass chain declares one field of each
// primitive width plus a reference, so the size of each level depends on how
// the JVM packs fields and fills gaps left by the header and by superclasses.
// Smaller classes isolate single cases (one byte, one long after the header,
// a subclass field that fits in its superclass's hole, no fields at all).
// Several classes have exactly one instance. Prints "READY <pid>", then blocks
// until stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;

public class FieldLayouts {
    static class Level0 { boolean z0; byte b0; char c0; short s0; int i0; float f0; long j0; double d0; Object r0; }
    static class Level1 extends Level0 { long j1; Object r1; byte b1; int i1; boolean z1; double d1; char c1; short s1; float f1; }
    static class Level2 extends Level1 { double d2; short s2; Object r2; boolean z2; float f2; int i2; long j2; char c2; byte b2; }
    static class Level3 extends Level2 { char c3; byte b3; long j3; int i3; Object r3; boolean z3; short s3; double d3; float f3; }
    static class Level4 extends Level3 { int i4; float f4; Object r4; Object r4b; short s4; long j4; boolean z4; byte b4; char c4; double d4; }

    static class OnlyByte { byte b; }
    static class OnlyBoolean { boolean z; }
    static class OnlyShort { short s; }
    static class OnlyInt { int i; }
    static class OnlyLong { long j; }
    static class OnlyDouble { double d; }
    static class OnlyRef { Object r; }
    static class NoFields {}
    static class NoFieldsChild extends NoFields {}
    static class LongThenByte extends OnlyLong { byte b; }        // b may fill the hole before j
    static class LongThenInt extends OnlyLong { int i; }
    static class LongThenLong extends OnlyLong { long j2; }
    static class ByteThenLong extends OnlyByte { long j; }
    static class ByteThenBytes extends OnlyByte { byte b1; byte b2; byte b3; }
    static class ThreeBytesOneLong { byte a; byte b; byte c; long j; }
    static class RefsOnly { Object a; Object b; Object c; }
    static class RefsAndInts extends RefsOnly { int x; int y; int z; }
    static class ManyBooleans { boolean a, b, c, d, e, f, g, h, i, j, k; }
    static class WideAndNarrow { double d; boolean z; long j; byte b; Object r; char c; }

    abstract static class Shape { final int sides; Shape(int sides) { this.sides = sides; } abstract double area(); }
    static final class Square extends Shape { final double side; Square(double s) { super(4); side = s; } double area() { return side * side; } }
    static final class Triangle extends Shape { final float base, height; Triangle(float b, float h) { super(3); base = b; height = h; } double area() { return base * height / 2; } }

    record Point(byte x, long y, short z) {}

    // The JVM injects a boolean into InternalError (during_unsafe_access) that
    // no dump describes; a subclass field is laid out after it.
    static final class TaggedError extends InternalError { byte tag; TaggedError(String m) { super(m); } }

    enum Planet {
        MERCURY(3.303e+23), VENUS(4.869e+24), EARTH(5.976e+24) { @Override String describe() { return "home"; } };
        final double mass;
        Planet(double mass) { this.mass = mass; }
        String describe() { return name(); }
    }

    // Non-static inner class: carries a hidden reference to its outer instance.
    final class Inner { final int value; Inner(int value) { this.value = value; } }

    // Exactly one instance of each of these.
    static final class TheRegistry { final List<Object> entries = new ArrayList<>(); long created = 1; }
    static final class TheConfig { final String name = "config"; final int port = 8080; final boolean debug = true; }
    static final class TheClock { volatile long ticks = 42; }

    long outerState = 7;

    static <T> List<T> many(int count, java.util.function.IntFunction<T> make) {
        List<T> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(make.apply(i));
        }
        return list;
    }

    public static void main(String[] args) throws Exception {
        FieldLayouts outer = new FieldLayouts();
        List<Object> all = new ArrayList<>();
        all.add(many(11, i -> new Level0()));
        all.add(many(12, i -> new Level1()));
        all.add(many(13, i -> new Level2()));
        all.add(many(14, i -> new Level3()));
        all.add(many(15, i -> new Level4()));
        all.add(many(21, i -> new OnlyByte()));
        all.add(many(22, i -> new OnlyBoolean()));
        all.add(many(23, i -> new OnlyShort()));
        all.add(many(24, i -> new OnlyInt()));
        all.add(many(25, i -> new OnlyLong()));
        all.add(many(26, i -> new OnlyDouble()));
        all.add(many(27, i -> new OnlyRef()));
        all.add(many(28, i -> new NoFields()));
        all.add(many(29, i -> new NoFieldsChild()));
        all.add(many(31, i -> new LongThenByte()));
        all.add(many(32, i -> new LongThenInt()));
        all.add(many(33, i -> new LongThenLong()));
        all.add(many(34, i -> new ByteThenLong()));
        all.add(many(35, i -> new ByteThenBytes()));
        all.add(many(36, i -> new ThreeBytesOneLong()));
        all.add(many(37, i -> new RefsOnly()));
        all.add(many(38, i -> new RefsAndInts()));
        all.add(many(39, i -> new ManyBooleans()));
        all.add(many(40, i -> new WideAndNarrow()));
        all.add(many(41, i -> new Square(i)));
        all.add(many(42, i -> new Triangle(i, i + 1)));
        all.add(many(43, i -> new Point((byte) i, i * 10L, (short) -i)));
        all.add(many(44, i -> outer.new Inner(i)));
        all.add(many(3, i -> new TaggedError("tagged-" + i)));
        all.add(new TheRegistry());
        all.add(new TheConfig());
        all.add(new TheClock());
        all.add(Planet.values());

        awaitRelease(outer, all);
    }

    static void awaitRelease(Object... roots) throws Exception {
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        Reference.reachabilityFence(roots);
    }
}
