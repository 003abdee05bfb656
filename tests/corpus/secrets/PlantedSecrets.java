// PlantedSecrets - heapscope secrets corpus: secrets of every rule of
// `heapscope scan`, planted in every kind of holder, for check_redact.py.
//
// Usage: java PlantedSecrets MANIFEST.json [SEED]
//
// Every secret VALUE is generated at run time from java.util.Random(SEED)
// (never a literal, which javac would intern), and lives in the heap only
// inside its matching context ("password=VALUE", "Authorization: Bearer
// VALUE", a whole PEM block, ...): the String holding the bare value while
// it is generated is garbage by the time the program is ready, and
// GC.heap_dump dumps live objects only. Each (rule, variant) is planted once
// in each holder, with a fresh value every time:
//
//   latin1-string      a String of ASCII text (stored Latin-1, coder 0)
//   utf16-string       the same kind of text after "# ключ € N\n" (coder 1,
//                      so the dump holds it as UTF-16, native order: LE)
//   char-array         a char[] of the text after "€ ¤ " (HPROF writes char
//                      arrays big-endian)
//   byte-array         a byte[] of the text's ASCII bytes
//   record-field       a String field of the record Account
//   arraylist-element  a String element of an ArrayList
//   hashmap-value      a String value of a HashMap
//
// all reachable from static fields of this class. A daemon thread named
// "heapscope-keep-thread-<random>" parks forever (for --keep-thread-names).
//
// The manifest is JSON, ASCII only:
//   {"seed":N,"thread_name":"...","utf16_prefix":"...","char_array_prefix":"...",
//    "secrets":[{"rule":"...","value":"...",
//    "holder":"...","encoding":"ascii|utf16le|utf16be","also":["..."]}, ...]}
// where value is the span a scanner must mask (the password only for
// password-* rules, the token for bearer-token, the first 40 characters of
// the base64 body for pem-private-key, the number with its separators for
// credit-card) and also (PEM only) lists more spans of the same secret that
// redaction must remove too (the body's last line).
//
// Prints "READY <pid>" once the manifest is written, then blocks until stdin
// delivers a line or closes.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

public class PlantedSecrets {
    static final long DEFAULT_SEED = 20_240_917L;

    static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    static final String DIGITS = "0123456789";
    static final String ALNUM = UPPER + LOWER + DIGITS;
    static final String BASE32 = UPPER + "234567";
    static final String BASE64 = ALNUM + "+/";

    // Text before every utf16-string and char-array secret: non-Latin-1 (so
    // the String is stored UTF-16), and byte order visible in the dump, which
    // plain ASCII text in UTF-16 is not (its LE and BE bytes overlap).
    static final String UTF16_PREFIX = "# ключ € ";
    static final String CHAR_ARRAY_PREFIX = "€ ¤ ";

    // A record whose String field holds a contexted secret.
    record Account(String user, String credential) {}

    // ---- The holders, reachable from these static fields until the program ends.
    static String[] LATIN1_STRINGS;
    static String[] UTF16_STRINGS;
    static char[][] CHAR_ARRAYS;
    static byte[][] BYTE_ARRAYS;
    static Account[] ACCOUNTS;
    static final List<String> CONFIG_LINES = new ArrayList<>();
    static final Map<String, String> SETTINGS = new HashMap<>();
    static Thread KEEPER;

    static final String[] HOLDERS = {
        "latin1-string", "utf16-string", "char-array", "byte-array",
        "record-field", "arraylist-element", "hashmap-value",
    };

    // One planted secret: its rule, the span to mask, the text holding it and
    // (PEM only) more spans of it. Only `text` outlives plant().
    record Plant(String rule, String value, String text, List<String> also) {}

    // ---- Random values

    static Random random;

    static String pick(String alphabet, int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = alphabet.charAt(random.nextInt(alphabet.length()));
        }
        return new String(out);
    }

    static String digits(int length) {
        return pick(DIGITS, length);
    }

    static byte[] bytes(int length) {
        byte[] out = new byte[length];
        random.nextBytes(out);
        return out;
    }

    // A valid-Luhn card number of `length` digits starting with `prefix`.
    static String luhn(String prefix, int length) {
        String payload = prefix + digits(length - 1 - prefix.length());
        int sum = 0;
        for (int i = payload.length() - 1, doubled = 1; i >= 0; i--, doubled ^= 1) {
            int d = payload.charAt(i) - '0';
            if (doubled == 1) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
        }
        return payload + (char) ('0' + (10 - sum % 10) % 10);
    }

    // "1234567812345678" -> "1234 5678 1234 5678" (separator "" keeps it whole).
    static String group(String number, String separator) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < number.length(); i += 4) {
            if (i > 0) {
                out.append(separator);
            }
            out.append(number, i, Math.min(i + 4, number.length()));
        }
        return out.toString();
    }

    // A German IBAN (bank code 8 digits, account 10) with a correct mod-97 check.
    static String iban() {
        String bban = digits(8) + digits(10);
        // Move "DE00" to the end, letters as numbers (D=13, E=14).
        int mod = new BigInteger(bban + "131400").mod(BigInteger.valueOf(97)).intValue();
        int check = 98 - mod;
        return "DE" + (check < 10 ? "0" : "") + check + bban;
    }

    static String base64url(byte[] data) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(data);
    }

    static String jwt() {
        String header = base64url(("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + pick(ALNUM, 12) + "\"}")
                                  .getBytes(StandardCharsets.US_ASCII));
        String payload = base64url(("{\"sub\":\"" + pick(LOWER, 10) + "\",\"iat\":" + (1_600_000_000L
                                    + random.nextInt(100_000_000)) + ",\"scope\":\"orders:write\"}")
                                   .getBytes(StandardCharsets.US_ASCII));
        return header + "." + payload + "." + base64url(bytes(32));
    }

    // A PEM block: DER-looking start, then random bytes, base64 in 64-char lines.
    static Plant pem(String label, byte[] derStart) {
        byte[] body = new byte[600];
        System.arraycopy(derStart, 0, body, 0, derStart.length);
        byte[] rest = bytes(body.length - derStart.length);
        System.arraycopy(rest, 0, body, derStart.length, rest.length);
        String b64 = Base64.getEncoder().encodeToString(body);
        StringBuilder block = new StringBuilder("-----BEGIN " + label + "-----\n");
        String lastLine = null;
        for (int i = 0; i < b64.length(); i += 64) {
            lastLine = b64.substring(i, Math.min(i + 64, b64.length()));
            block.append(lastLine).append('\n');
        }
        block.append("-----END ").append(label).append("-----\n");
        return new Plant("pem-private-key", b64.substring(0, 40), block.toString(), List.of(lastLine));
    }

    static Plant plant(String rule, String value, String text) {
        return new Plant(rule, value, text, List.of());
    }

    // Every (rule, variant) once, each with fresh values.
    static List<Plant> oneOfEach() {
        List<Plant> plants = new ArrayList<>();
        String v;

        v = "AKIA" + pick(BASE32, 16);
        plants.add(plant("aws-access-key-id", v, "[default]\naws_access_key_id=" + v + "\nregion=eu-west-1\n"));

        v = pick(BASE64, 40);
        plants.add(plant("aws-secret-access-key", v, "[default]\naws_secret_access_key=" + v + "\n"));
        v = pick(BASE64, 40);
        plants.add(plant("aws-secret-access-key", v, "{\"aws_secret_access_key\": \"" + v + "\", \"region\": \"us-east-1\"}"));

        v = jwt();
        plants.add(plant("jwt", v, "Cookie: theme=dark; session=" + v));

        v = pick(ALNUM, 40);
        plants.add(plant("bearer-token", v, "GET /api/v1/orders HTTP/1.1\r\nAuthorization: Bearer " + v + "\r\n"));

        plants.add(pem("RSA PRIVATE KEY", new byte[] {0x30, (byte) 0x82, 0x04, (byte) 0xa4, 0x02, 0x01, 0x00,
                                                      0x02, (byte) 0x82, 0x01, 0x01, 0x00}));
        plants.add(pem("PRIVATE KEY", new byte[] {0x30, (byte) 0x82, 0x04, (byte) 0xbe, 0x02, 0x01, 0x00}));

        v = pick(ALNUM, 16);
        plants.add(plant("password-assignment", v, "host=db.internal\nuser=orders\npassword=" + v + "\n"));
        v = pick(ALNUM, 16);
        plants.add(plant("password-assignment", v, "ldap:\n  bind: cn=svc\n  passwd: " + v + "\n"));
        v = pick(ALNUM, 16);
        plants.add(plant("password-assignment", v, "Server=db1;Database=orders;Uid=svc;pwd=" + v + "\n"));

        v = pick(ALNUM, 16);
        plants.add(plant("password-json", v, "{\"user\": \"svc-orders\", \"password\": \"" + v + "\"}"));

        v = pick(ALNUM, 16);
        plants.add(plant("password-url", v, "upstream https://svc:" + v + "@api.internal.example/v2/orders"));
        v = pick(ALNUM, 16);
        plants.add(plant("password-url", v, "datasource postgres://orders:" + v + "@db:5432/orders"));

        v = luhn("4", 16);
        plants.add(plant("credit-card", v, "card_number: " + v + " exp 12/29"));
        v = group(luhn("5" + (char) ('1' + random.nextInt(5)), 16), " ");
        plants.add(plant("credit-card", v, "card: " + v + " exp 03/28"));
        v = group(luhn("4", 16), "-");
        plants.add(plant("credit-card", v, "pan=" + v + ";"));

        v = iban();
        plants.add(plant("iban", v, "payee iban: " + v + " (orders refund)"));

        v = pick(LOWER + DIGITS, 10) + "." + pick(LOWER, 6) + "@" + pick(LOWER, 8) + ".net";
        plants.add(plant("email", v, "notify: " + v + "\n"));
        return plants;
    }

    // ---- Manifest (hand-rolled JSON)

    static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    static String encoding(String holder) {
        return switch (holder) {
            case "utf16-string" -> "utf16le";
            case "char-array" -> "utf16be";
            default -> "ascii";
        };
    }

    // Plants everything and writes the manifest. Every bare value, the Plant
    // records and the manifest text are garbage once this returns.
    static void plantAll(long seed, Path manifest) throws Exception {
        random = new Random(seed);
        List<String> latin1 = new ArrayList<>();
        List<String> utf16 = new ArrayList<>();
        List<char[]> chars = new ArrayList<>();
        List<byte[]> bytes = new ArrayList<>();
        List<Account> accounts = new ArrayList<>();
        StringBuilder json = new StringBuilder("{\"seed\":" + seed + ",");

        String threadName = "heapscope-keep-thread-" + pick(LOWER, 8);
        json.append("\"thread_name\":");
        quote(json, threadName);
        json.append(",\"utf16_prefix\":");
        quote(json, UTF16_PREFIX);
        json.append(",\"char_array_prefix\":");
        quote(json, CHAR_ARRAY_PREFIX);
        json.append(",\"secrets\":[");
        boolean first = true;
        int n = 0;
        for (String holder : HOLDERS) {
            for (Plant p : oneOfEach()) {
                n++;
                switch (holder) {
                    case "latin1-string" -> latin1.add(p.text());
                    case "utf16-string" -> utf16.add(UTF16_PREFIX + n + "\n" + p.text());
                    case "char-array" -> chars.add((CHAR_ARRAY_PREFIX + p.text()).toCharArray());
                    case "byte-array" -> bytes.add(p.text().getBytes(StandardCharsets.US_ASCII));
                    case "record-field" -> accounts.add(new Account("svc-" + n, p.text()));
                    case "arraylist-element" -> CONFIG_LINES.add(p.text());
                    case "hashmap-value" -> SETTINGS.put("setting." + n, p.text());
                    default -> throw new IllegalStateException(holder);
                }
                json.append(first ? "\n" : ",\n");
                first = false;
                json.append("{\"rule\":");
                quote(json, p.rule());
                json.append(",\"value\":");
                quote(json, p.value());
                json.append(",\"holder\":");
                quote(json, holder);
                json.append(",\"encoding\":");
                quote(json, encoding(holder));
                if (!p.also().isEmpty()) {
                    json.append(",\"also\":[");
                    for (int i = 0; i < p.also().size(); i++) {
                        if (i > 0) {
                            json.append(',');
                        }
                        quote(json, p.also().get(i));
                    }
                    json.append(']');
                }
                json.append('}');
            }
        }
        json.append("\n]}\n");

        LATIN1_STRINGS = latin1.toArray(new String[0]);
        UTF16_STRINGS = utf16.toArray(new String[0]);
        CHAR_ARRAYS = chars.toArray(new char[0][]);
        BYTE_ARRAYS = bytes.toArray(new byte[0][]);
        ACCOUNTS = accounts.toArray(new Account[0]);
        for (String s : UTF16_STRINGS) {
            if (s.chars().allMatch(c -> c < 256)) {
                throw new IllegalStateException("a utf16-string holder is Latin-1");
            }
        }

        KEEPER = new Thread(() -> {
            while (true) {
                LockSupport.park();
            }
        }, threadName);
        KEEPER.setDaemon(true);
        KEEPER.start();

        // Written under another name and renamed, so a reader never sees half of it.
        Path partial = manifest.resolveSibling(manifest.getFileName() + ".partial");
        Files.write(partial, json.toString().getBytes(StandardCharsets.US_ASCII));
        Files.move(partial, manifest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java PlantedSecrets MANIFEST.json [SEED]");
            System.exit(2);
        }
        plantAll(args.length > 1 ? Long.parseLong(args[1]) : DEFAULT_SEED, Path.of(args[0]));
        random = null;
        System.out.println("READY " + ProcessHandle.current().pid());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
    }
}
