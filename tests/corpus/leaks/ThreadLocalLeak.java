// ThreadLocalLeak - heapscope leak corpus: thread-local values that pool
// threads keep forever.
//
// A fixed pool of THREADS threads (Executors.newFixedThreadPool, so they are
// named "pool-1-thread-1" .. "pool-1-thread-4") runs one task per thread; each
// task puts a List<byte[]> of CHUNKS x CHUNK_BYTES (10 MiB) into the static
// ThreadLocal REPORT_BUFFER and never calls remove(). The tasks end, the
// threads stay alive and idle in the pool, and each still holds its 10 MiB
// through Thread.threadLocals. Expected from `heapscope analyze`: suspect #1 is
// a "thread-local" suspect whose thread is one of the pool threads. Run with
// -Xmx256m.
// Prints "READY <pid>", then blocks until stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class ThreadLocalLeak {
    static final int THREADS = 4;
    static final int CHUNKS = 160;
    static final int CHUNK_BYTES = 64 * 1024;

    static final ThreadLocal<List<byte[]>> REPORT_BUFFER = new ThreadLocal<>();

    public static void main(String[] args) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        // Every task waits for all the others, so each runs on its own thread.
        CountDownLatch allFilled = new CountDownLatch(THREADS);
        List<Future<String>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            done.add(pool.submit(() -> {
                List<byte[]> buffer = new ArrayList<>();
                for (int i = 0; i < CHUNKS; i++) {
                    byte[] chunk = new byte[CHUNK_BYTES];
                    chunk[i] = (byte) i;
                    buffer.add(chunk);
                }
                REPORT_BUFFER.set(buffer);  // and no REPORT_BUFFER.remove(): the leak
                allFilled.countDown();
                allFilled.await();
                return Thread.currentThread().getName();
            }));
        }
        Set<String> names = new HashSet<>();
        for (Future<String> f : done) {
            names.add(f.get());
        }
        if (names.size() != THREADS) {
            throw new IllegalStateException("tasks ran on " + names + ", expected " + THREADS + " threads");
        }
        done = null;
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        pool.shutdownNow();
    }
}
