// FinalizerBacklog - heapscope leak corpus: a finalizer thread that is stuck,
// and the objects that queue up behind it.
//
// Creates OBJECTS instances of Resource, a class with a finalize() method,
// each holding a PAYLOAD_BYTES byte[], and drops them. The first finalize()
// call blocks forever on a latch, so the JVM's finalizer thread is stuck and
// every other Resource waits in the finalizer queue with its payload (about
// 50 MB). The program runs System.gc() until the JVM reports at least
// OBJECTS - 1 objects pending finalization. Expected from `heapscope
// analyze`: suspect #1 is a "finalizer" suspect with about OBJECTS pending.
// Run with -Xmx256m.
// Prints "READY <pid>", then blocks until stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.CountDownLatch;

public class FinalizerBacklog {
    static final int OBJECTS = 50_000;
    static final int PAYLOAD_BYTES = 1000;

    static final CountDownLatch FIRST_FINALIZE = new CountDownLatch(1);
    static final CountDownLatch NEVER = new CountDownLatch(1);

    static final class Resource {
        final int id;
        final byte[] payload = new byte[PAYLOAD_BYTES];

        Resource(int id) {
            this.id = id;
            payload[id % PAYLOAD_BYTES] = (byte) id;
        }

        // A close() that waits for a remote peer which never answers.
        @Override
        @SuppressWarnings({"deprecation", "removal"})
        protected void finalize() throws Throwable {
            FIRST_FINALIZE.countDown();
            NEVER.await();
        }
    }

    static long allocate() {
        long sum = 0;
        for (int i = 0; i < OBJECTS; i++) {
            sum += new Resource(i).payload.length;
        }
        return sum;
    }

    public static void main(String[] args) throws Exception {
        if (allocate() != (long) OBJECTS * PAYLOAD_BYTES) {
            throw new IllegalStateException("allocation went wrong");
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        int pending = 0;
        for (int round = 0; round < 200; round++) {
            System.gc();
            Thread.sleep(50);
            pending = memory.getObjectPendingFinalizationCount();
            if (FIRST_FINALIZE.getCount() == 0 && pending >= OBJECTS - 1) {
                break;
            }
        }
        if (FIRST_FINALIZE.getCount() != 0 || pending < OBJECTS - 1) {
            throw new IllegalStateException("finalizer backlog not built: " + pending + " pending, first finalize "
                                            + (FIRST_FINALIZE.getCount() == 0 ? "ran" : "did not run"));
        }
        System.err.println("pending finalization: " + pending);
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
    }
}
