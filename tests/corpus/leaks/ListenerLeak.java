// ListenerLeak - heapscope leak corpus: listeners that are added and never
// removed.
//
// An EventBus, held only by local variables of main's frame (a java-frame GC
// root, no static field anywhere on the way), keeps its listeners in the
// ArrayList field `listeners`. LISTENERS listeners, each with a 160-byte
// state blob (about 40 MB together), are registered and never unregistered.
// Expected from `heapscope analyze`: suspect #1 is a "collection" suspect
// accumulating in that ArrayList (or its Object[]), with about LISTENERS
// elements, on a path through the field `listeners`. Run with -Xmx256m.
// Prints "READY <pid>", then blocks until stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;

public class ListenerLeak {
    static final int LISTENERS = 200_000;
    static final int STATE_BYTES = 160;

    static final class Listener {
        final int id;
        final byte[] state;

        Listener(int id) {
            this.id = id;
            this.state = new byte[STATE_BYTES];
            state[id % STATE_BYTES] = (byte) id;
        }
    }

    static final class EventBus {
        final String name;
        private final List<Listener> listeners = new ArrayList<>();

        EventBus(String name) {
            this.name = name;
        }

        void register(Listener listener) {
            listeners.add(listener);
        }

        int size() {
            return listeners.size();
        }
    }

    static EventBus build() {
        EventBus bus = new EventBus("order-events");
        for (int i = 0; i < LISTENERS; i++) {
            bus.register(new Listener(i));  // each request registers one; nobody unregisters
        }
        return bus;
    }

    public static void main(String[] args) throws Exception {
        EventBus bus = build();
        if (bus.size() != LISTENERS) {
            throw new IllegalStateException("expected " + LISTENERS + " listeners");
        }
        awaitRelease(bus);
        Reference.reachabilityFence(bus);
    }

    static void awaitRelease(Object held) throws Exception {
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        Reference.reachabilityFence(held);
    }
}
