// DirectBufferLeak - heapscope leak corpus: direct buffers that are never
// released.
//
// The static list POOL holds BUFFERS buffers from ByteBuffer.allocateDirect,
// BUFFER_BYTES (1 MiB) each: exactly 64 MiB of native memory that only a tiny
// part of the Java heap refers to. The static list VIEWS holds slices,
// duplicates, a read-only view and an int view of some of them; views share
// their buffer's memory and own none. The program checks, through the JVM's
// "direct" BufferPoolMXBean, that exactly BUFFERS buffers and 64 MiB are
// reserved. Expected from `heapscope analyze`: suspect #1 is a
// "direct-buffer" suspect with native_bytes exactly 64 MiB (views not
// counted). Run with -Xmx256m -XX:MaxDirectMemorySize=256m.
// Prints "READY <pid>", then blocks until stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

public class DirectBufferLeak {
    static final int BUFFERS = 64;
    static final int BUFFER_BYTES = 1 << 20;

    static final List<ByteBuffer> POOL = new ArrayList<>();
    static final List<Buffer> VIEWS = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < BUFFERS; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
            buffer.put(0, (byte) i);
            POOL.add(buffer);
        }
        VIEWS.add(POOL.get(0).position(4096).slice());
        VIEWS.add(POOL.get(1).slice(0, 8192));
        VIEWS.add(POOL.get(2).duplicate());
        VIEWS.add(POOL.get(3).duplicate());
        VIEWS.add(POOL.get(4).asReadOnlyBuffer());
        VIEWS.add(POOL.get(5).asIntBuffer());
        VIEWS.add(((ByteBuffer) VIEWS.get(0)).slice(16, 16));  // a slice of a slice
        POOL.get(0).position(0);

        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")
                    && (pool.getCount() != BUFFERS || pool.getTotalCapacity() != (long) BUFFERS * BUFFER_BYTES)) {
                throw new IllegalStateException("direct buffer pool has " + pool.getCount() + " buffers of "
                                                + pool.getTotalCapacity() + " bytes, expected " + BUFFERS
                                                + " of " + (long) BUFFERS * BUFFER_BYTES);
            }
        }
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
    }
}
