// ThreadsAndLoaders - heapscope real-JVM corpus: threads, thread-locals and
// class loaders.
//
// Starts named daemon threads that block in known frames while holding local
// variables (parked, waiting on a monitor, sleeping, blocked on a monitor, and
// one Thread subclass), gives each a ThreadLocal value, and loads the nested
// class Plugin three times: through the application loader, through a
// URLClassLoader over this program's class directory, and through a custom
// ClassLoader that defines it from the class-file bytes. The three Plugin
// classes share a name, so histograms must sum them. Prints "READY <pid>",
// then blocks until stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.ref.Reference;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

public class ThreadsAndLoaders {
    public static final class Plugin {
        final long loadedAt = 17;
        final String tag = "plugin";
        int calls;
    }

    // Defines a class from the bytes its parent can see: a distinct class, same name.
    static final class ByteLoader extends ClassLoader {
        Class<?> define(String name) throws Exception {
            try (InputStream in = ThreadsAndLoaders.class.getResourceAsStream("/" + name + ".class")) {
                byte[] bytes = in.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length);
            }
        }
    }

    static final class CounterThread extends Thread {
        final long[] samples = new long[16];
        volatile boolean stopping;
        int observed;

        CounterThread(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            SCRATCH.get().append("counter");
            parkWith(new long[] {observed, samples.length});
        }
    }

    static final ThreadLocal<StringBuilder> SCRATCH = ThreadLocal.withInitial(() -> new StringBuilder(64));
    static final Object WAIT_LOCK = new Object();
    static final Object HELD_LOCK = new Object();
    static final Semaphore STARTED = new Semaphore(0);  // one permit per thread in place

    static void parkWith(Object local) {
        STARTED.release();
        while (true) {
            LockSupport.park(local);
        }
    }

    static void waitOnMonitor(String localLabel, int[] localCounts) throws InterruptedException {
        synchronized (WAIT_LOCK) {
            STARTED.release();
            while (true) {
                WAIT_LOCK.wait();
            }
        }
    }

    static void sleepHolding(Object localValue) throws InterruptedException {
        synchronized (HELD_LOCK) {
            STARTED.release();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    static void blockOnHeld(double[] localData) {
        STARTED.release();
        synchronized (HELD_LOCK) {
            localData[0]++;
        }
    }

    interface Body { void run() throws Exception; }

    static Thread start(String name, Body body) {
        Thread thread = new Thread(() -> {
            SCRATCH.get().append(name);
            try {
                body.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    public static void main(String[] args) throws Exception {
        List<Thread> threads = new ArrayList<>();
        threads.add(start("corpus-parked", () -> parkWith(new StringBuilder("parked-local"))));
        threads.add(start("corpus-waiting", () -> waitOnMonitor("waiting-local", new int[] {1, 2, 3})));
        threads.add(start("corpus-sleeping", () -> sleepHolding(new ArrayList<>(List.of("sleeping", "local")))));
        STARTED.acquire(3);  // the sleeper holds HELD_LOCK before the next thread starts
        threads.add(start("corpus-blocked", () -> blockOnHeld(new double[5])));
        CounterThread counter = new CounterThread("corpus-counter");
        counter.start();
        threads.add(counter);
        threads.add(start("corpus-parked-2", () -> parkWith(new int[7])));
        STARTED.acquire(3);
        SCRATCH.get().append("main");

        List<Object> plugins = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            plugins.add(new Plugin());
        }
        URL classDir = ThreadsAndLoaders.class.getProtectionDomain().getCodeSource().getLocation();
        URLClassLoader urlLoader = new URLClassLoader(new URL[] {classDir}, ClassLoader.getPlatformClassLoader());
        Class<?> urlPlugin = urlLoader.loadClass(Plugin.class.getName());
        for (int i = 0; i < 4; i++) {
            plugins.add(urlPlugin.getDeclaredConstructor().newInstance());
        }
        ByteLoader byteLoader = new ByteLoader();  // parent: the application loader
        Class<?> bytePlugin = byteLoader.define(Plugin.class.getName());
        for (int i = 0; i < 5; i++) {
            plugins.add(bytePlugin.getDeclaredConstructor().newInstance());
        }
        if (urlPlugin == Plugin.class || bytePlugin == Plugin.class || urlPlugin == bytePlugin) {
            throw new IllegalStateException("class loaders did not define distinct Plugin classes");
        }

        awaitRelease(threads, plugins, urlLoader, byteLoader);
    }

    static void awaitRelease(Object... roots) throws Exception {
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        Reference.reachabilityFence(roots);
    }
}
