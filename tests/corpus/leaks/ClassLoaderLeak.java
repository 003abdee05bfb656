// ClassLoaderLeak - heapscope leak corpus: the classic redeploy leak.
//
// A custom class loader (PluginLoader) defines the nested class Plugin a
// second time from its class-file bytes, as an application server deploys a
// web application. That copy's static initializer fills its static BLOBS with
// BLOB_COUNT x BLOB_BYTES (30 MiB). The deployment is then "undeployed": the
// program drops the loader and the class, but one Plugin instance stays in
// the main class's static list REGISTERED, and through it the class, its
// loader and its static data stay alive. Expected from `heapscope analyze`:
// suspect #1 is a "classloader" suspect for ClassLoaderLeak$PluginLoader.
// Run with -Xmx256m.
// Prints "READY <pid>", then blocks until stdin delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;

public class ClassLoaderLeak {
    static final int BLOB_COUNT = 480;
    static final int BLOB_BYTES = 64 * 1024;

    // The application's listeners registry: a deployment's objects registered
    // here and never unregistered keep the whole deployment alive.
    static final List<Object> REGISTERED = new ArrayList<>();

    public static final class Plugin {
        static final List<byte[]> BLOBS = new ArrayList<>();

        static {
            for (int i = 0; i < BLOB_COUNT; i++) {
                byte[] blob = new byte[BLOB_BYTES];
                blob[i % BLOB_BYTES] = 1;
                BLOBS.add(blob);
            }
        }

        final String name = "reporting-plugin";
        int calls;
    }

    // Defines a class from the bytes its parent can see: a distinct class, same name.
    static final class PluginLoader extends ClassLoader {
        final String deployment;

        PluginLoader(String deployment) {
            this.deployment = deployment;
        }

        Class<?> define(String name) throws Exception {
            try (InputStream in = ClassLoaderLeak.class.getResourceAsStream("/" + name + ".class")) {
                byte[] bytes = in.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length);
            }
        }
    }

    // Deploys, registers one object, and "undeploys" by forgetting the loader.
    static void deployAndUndeploy() throws Exception {
        PluginLoader loader = new PluginLoader("reports.war");
        Class<?> plugin = loader.define(Plugin.class.getName());
        if (plugin == Plugin.class || plugin.getClassLoader() != loader) {
            throw new IllegalStateException("PluginLoader did not define its own Plugin class");
        }
        REGISTERED.add(plugin.getDeclaredConstructor().newInstance());
    }

    public static void main(String[] args) throws Exception {
        deployAndUndeploy();
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
    }
}
