// StaticCacheLeak - heapscope leak corpus: a static map that only grows.
//
// SessionRegistry.SESSIONS, a static HashMap<String, Session>, holds SESSIONS
// sessions (about 45 MB: key String, HashMap$Node, Session, user String and a
// 256-byte attribute blob each) that nothing ever removes. Everything else in
// the heap is the JDK's own. Expected from `heapscope analyze`: suspect #1 is
// a "static-field" suspect naming SESSIONS, accumulating in the HashMap (or
// its HashMap$Node[] table). Run with -Xmx256m.
// Prints "READY <pid>", then blocks until stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.HashMap;
import java.util.Map;

public class StaticCacheLeak {
    static final int SESSIONS = 100_000;
    static final int ATTRIBUTE_BYTES = 256;

    static final class Session {
        final String user;
        final long createdAt;
        final byte[] attributes;

        Session(String user, long createdAt, byte[] attributes) {
            this.user = user;
            this.createdAt = createdAt;
            this.attributes = attributes;
        }
    }

    static final class SessionRegistry {
        // Sessions are put on login and never taken out on logout: the leak.
        static final Map<String, Session> SESSIONS = new HashMap<>();

        static void login(int n) {
            byte[] attributes = new byte[ATTRIBUTE_BYTES];
            attributes[n % ATTRIBUTE_BYTES] = (byte) n;
            SESSIONS.put("session-" + n, new Session("user-" + (n * 7919 % 1_000_003), 1_700_000_000_000L + n,
                                                     attributes));
        }
    }

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < SESSIONS; i++) {
            SessionRegistry.login(i);
        }
        if (SessionRegistry.SESSIONS.size() != SESSIONS) {
            throw new IllegalStateException("expected " + SESSIONS + " sessions");
        }
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
    }
}
