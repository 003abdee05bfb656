// LeakyService - a small "service" with three classic leaks, for the heapscope
// demo (scripts/demo.sh).
//
// It serves simulated requests on a pool of named worker threads, then writes
// a heap dump of itself to the path given as the first argument (it must end
// in .hprof and must not exist yet) and exits. The leaks:
//   1. SessionRegistry.SESSIONS, a static map that gains a Session per login
//      and never evicts; each Session holds a payload, attributes and history.
//   2. RequestContext.CURRENT, a ThreadLocal set on every worker thread and
//      never removed, so each pooled thread keeps a 1 MB scratch buffer.
//   3. EventBus.LISTENERS, a static list every request appends a listener to.
//
// Usage: java LeakyService /path/to/demo.hprof [requests]
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

public class LeakyService {
    record User(String name, String email, long id) {}

    static final class Session {
        final String id;
        final User user;
        final Instant created = Instant.now();
        final byte[] payload;
        final Map<String, Object> attributes = new HashMap<>();
        final List<String> history = new ArrayList<>();

        Session(String id, User user, int payloadBytes) {
            this.id = id;
            this.user = user;
            this.payload = new byte[payloadBytes];
        }
    }

    static final class SessionRegistry {
        static final Map<String, Session> SESSIONS = new ConcurrentHashMap<>();
    }

    static final class RequestContext {
        static final ThreadLocal<RequestContext> CURRENT = new ThreadLocal<>();
        final char[] scratch = new char[512 * 1024];  // 1 MB per worker thread
        String requestId;
    }

    interface Listener {
        void onEvent(String event);
    }

    static final class EventBus {
        static final List<Listener> LISTENERS = new CopyOnWriteArrayList<>();
    }

    static void handle(int requestNo) {
        String requestId = "req-" + requestNo;
        RequestContext context = RequestContext.CURRENT.get();
        if (context == null) {
            context = new RequestContext();
            RequestContext.CURRENT.set(context);  // leak 2: never removed
        }
        context.requestId = requestId;
        User user = new User("user" + (requestNo % 5000), "user" + requestNo + "@example.com", requestNo);
        Session session = new Session("session-" + requestNo, user, 512 + requestNo % 1536);
        session.attributes.put("cart", new ArrayList<>(List.of("item-" + requestNo, "item-" + (requestNo + 1))));
        session.attributes.put("locale", requestNo % 2 == 0 ? "en_US" : "de_DE");
        for (int i = 0; i < 4; i++) {
            session.history.add(requestId + "/page-" + i);
        }
        SessionRegistry.SESSIONS.put(session.id, session);  // leak 1: never evicted
        if (requestNo % 10 == 0) {
            StringBuilder log = new StringBuilder();
            EventBus.LISTENERS.add(event -> log.append(event));  // leak 3: never unregistered
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !args[0].endsWith(".hprof")) {
            System.err.println("usage: java LeakyService OUTPUT.hprof [requests]");
            System.exit(2);
        }
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        AtomicInteger threadNo = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(4, task -> {
            Thread thread = new Thread(task, "request-worker-" + threadNo.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        CountDownLatch done = new CountDownLatch(requests);
        for (int i = 0; i < requests; i++) {
            int requestNo = i;
            workers.submit(() -> {
                try {
                    handle(requestNo);
                } finally {
                    done.countDown();
                }
            });
        }
        if (!done.await(2, TimeUnit.MINUTES)) {
            throw new IllegalStateException("requests did not finish within 2 minutes");
        }
        // The pool stays up, as in a real service: its idle threads keep their
        // last RequestContext alive.
        HotSpotDiagnosticMXBean diagnostics = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        diagnostics.dumpHeap(args[0], true);  // live objects only
        System.out.printf("served %d requests: %d sessions, %d listeners; heap dump written to %s%n", requests,
                SessionRegistry.SESSIONS.size(), EventBus.LISTENERS.size(), args[0]);
        workers.shutdownNow();
    }
}
