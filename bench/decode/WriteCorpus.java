// Writes a deterministic, Elasticsearch-shaped Lucene 8 index for ferry's decode benchmark.
//
// Usage: java -cp lucene-core-8*.jar:. WriteCorpus OUT_DIR MODE [DOCS]
//   MODE  BEST_SPEED (LZ4) or BEST_COMPRESSION (DEFLATE): Lucene87Codec(Mode)
//   DOCS  documents to write (default 1,000,000; smaller values are for trying the generator out)
//
// Every document has the stored fields ES gives it: `_id` (bytes 0xFF + UTF-8 of a 20-character
// base64url id, like ES Uid.encodeId for a non-base64 id), `_routing` (stored string, ~10 % of the
// documents) and `_source` (stored bytes, JSON of ~1.1 KB on average). A non-stored, indexed
// StringField `id` holds the same id so that documents can be deleted by term.
// The sources are a mix of realistic events: nginx access logs in ECS shape (50 %), e-commerce
// order events (30 %) and application logs with free text and some stack traces (20 %).
// Segments: a flush every 100,000 documents, NoMergePolicy, no compound files, so DOCS/100,000
// segments; then 5 % of the documents, chosen uniformly at random (fixed seed), are hard-deleted by
// id term (.liv files), committed, and the writer is closed. Nothing depends on the clock or the
// machine: the same arguments give the same documents and the same deletions.
// Prints one JSON line: live docs, live `_source` bytes, segments, seconds.

import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.apache.lucene.codecs.lucene87.Lucene87Codec;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.store.*;
import org.apache.lucene.util.BytesRef;

public class WriteCorpus {
    static final long SEED = 0x5EEDF00DL;
    static final int FLUSH_EVERY = 100_000;

    // ---------------------------------------------------------------- vocabularies
    static final String[] WORDS = (
        "the of and to in is for that on with as was by it be this are from at or an have not which "
        + "but all were when we there can more if no out so what up its about into than them only other "
        + "new some could these two may first then do any like my now over such our man me even most made "
        + "after also did many before must through back years where much your way well down should because "
        + "each just those people how too little state good very make world still own see men work long get "
        + "here between both life being under never day same another know while last might us great old year "
        + "off come since against go came right used take three request response server client timeout retry "
        + "connection database query cache miss hit latency error warning failed success user session token "
        + "expired invalid payload order payment shipping invoice customer account product inventory stock "
        + "warehouse delivery refund discount coupon price checkout cart basket search index shard replica "
        + "node cluster heap memory thread pool queue rejected backoff circuit breaker upstream downstream "
        + "gateway proxy certificate handshake tls dns lookup resolved socket closed reset peer buffer overflow "
        + "batch job scheduler cron worker consumer producer topic partition offset commit lag rebalance "
        + "metrics counter gauge histogram span trace sampled exported collector pipeline ingest processor "
        + "mapping field document version conflict optimistic lock acquired released deadlock detected "
        + "migration schema table column row constraint violation duplicate key unique foreign null value "
        + "great quality fast shipping arrived damaged box perfect fit size smaller than expected color "
        + "looks different from picture would buy again recommend friends family gift christmas birthday "
        + "battery lasts charging cable broke after week customer service helpful replaced quickly love it "
        + "comfortable material cheap feel sturdy solid build sound clear bass weak screen bright sharp"
    ).split(" ");
    static final String[] FIRST = {"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael",
        "Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
        "Sarah", "Charles", "Karen", "Lukas", "Sofia", "Mateo", "Emma", "Noah", "Olivia", "Liam", "Mia", "Yuki",
        "Haruto", "Wei", "Fang", "Arjun", "Priya", "Ahmed", "Fatima", "Ivan", "Olga", "Pierre", "Chloe",
        "Giulia", "Marco", "Lars", "Ingrid", "Diego", "Camila", "Kwame", "Amara"};
    static final String[] LAST = {"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
        "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
        "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
        "Clark", "Ramirez", "Lewis", "Robinson", "Mueller", "Schmidt", "Schneider", "Fischer", "Weber",
        "Rossi", "Russo", "Dubois", "Laurent", "Tanaka", "Suzuki", "Wang", "Li", "Zhang", "Kumar", "Singh",
        "Ivanov", "Novak", "Kowalski", "Nielsen", "Silva", "Santos", "Okafor", "Mensah"};
    static final String[] MAIL = {"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com",
        "proton.me", "web.de", "gmx.net", "orange.fr", "libero.it", "qq.com", "example.org"};
    // country iso, country name, region, city, lat, lon, timezone, postal prefix, continent
    static final String[][] GEO = {
        {"US", "United States", "California", "San Francisco", "37.7749", "-122.4194", "America/Los_Angeles", "941", "North America"},
        {"US", "United States", "New York", "New York", "40.7128", "-74.0060", "America/New_York", "100", "North America"},
        {"US", "United States", "Texas", "Austin", "30.2672", "-97.7431", "America/Chicago", "787", "North America"},
        {"US", "United States", "Washington", "Seattle", "47.6062", "-122.3321", "America/Los_Angeles", "981", "North America"},
        {"US", "United States", "Illinois", "Chicago", "41.8781", "-87.6298", "America/Chicago", "606", "North America"},
        {"DE", "Germany", "Berlin", "Berlin", "52.5200", "13.4050", "Europe/Berlin", "101", "Europe"},
        {"DE", "Germany", "Bavaria", "Munich", "48.1351", "11.5820", "Europe/Berlin", "803", "Europe"},
        {"FR", "France", "Ile-de-France", "Paris", "48.8566", "2.3522", "Europe/Paris", "750", "Europe"},
        {"GB", "United Kingdom", "England", "London", "51.5074", "-0.1278", "Europe/London", "EC1", "Europe"},
        {"GB", "United Kingdom", "Scotland", "Edinburgh", "55.9533", "-3.1883", "Europe/London", "EH1", "Europe"},
        {"NL", "Netherlands", "North Holland", "Amsterdam", "52.3676", "4.9041", "Europe/Amsterdam", "101", "Europe"},
        {"ES", "Spain", "Madrid", "Madrid", "40.4168", "-3.7038", "Europe/Madrid", "280", "Europe"},
        {"IT", "Italy", "Lombardy", "Milan", "45.4642", "9.1900", "Europe/Rome", "201", "Europe"},
        {"PL", "Poland", "Masovia", "Warsaw", "52.2297", "21.0122", "Europe/Warsaw", "00-", "Europe"},
        {"SE", "Sweden", "Stockholm", "Stockholm", "59.3293", "18.0686", "Europe/Stockholm", "111", "Europe"},
        {"JP", "Japan", "Tokyo", "Tokyo", "35.6762", "139.6503", "Asia/Tokyo", "100", "Asia"},
        {"JP", "Japan", "Osaka", "Osaka", "34.6937", "135.5023", "Asia/Tokyo", "530", "Asia"},
        {"CN", "China", "Shanghai", "Shanghai", "31.2304", "121.4737", "Asia/Shanghai", "200", "Asia"},
        {"IN", "India", "Karnataka", "Bengaluru", "12.9716", "77.5946", "Asia/Kolkata", "560", "Asia"},
        {"IN", "India", "Maharashtra", "Mumbai", "19.0760", "72.8777", "Asia/Kolkata", "400", "Asia"},
        {"BR", "Brazil", "Sao Paulo", "Sao Paulo", "-23.5505", "-46.6333", "America/Sao_Paulo", "010", "South America"},
        {"AU", "Australia", "New South Wales", "Sydney", "-33.8688", "151.2093", "Australia/Sydney", "200", "Oceania"},
        {"CA", "Canada", "Ontario", "Toronto", "43.6532", "-79.3832", "America/Toronto", "M5V", "North America"},
        {"SG", "Singapore", "Singapore", "Singapore", "1.3521", "103.8198", "Asia/Singapore", "018", "Asia"},
        {"ZA", "South Africa", "Gauteng", "Johannesburg", "-26.2041", "28.0473", "Africa/Johannesburg", "200", "Africa"},
        {"NG", "Nigeria", "Lagos", "Lagos", "6.5244", "3.3792", "Africa/Lagos", "100", "Africa"},
        {"MX", "Mexico", "Mexico City", "Mexico City", "19.4326", "-99.1332", "America/Mexico_City", "060", "North America"},
        {"KR", "South Korea", "Seoul", "Seoul", "37.5665", "126.9780", "Asia/Seoul", "045", "Asia"},
    };
    // original, name, version, os name, os version, device
    static final String[][] UA = {
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.94 Safari/537.36", "Chrome", "122.0.6261.94", "Windows", "10", "Other"},
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.185 Safari/537.36", "Chrome", "121.0.6167.185", "Windows", "10", "Other"},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", "Chrome", "122.0.0.0", "Mac OS X", "10.15.7", "Mac"},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Safari/605.1.15", "Safari", "17.3.1", "Mac OS X", "10.15.7", "Mac"},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Mobile/15E148 Safari/604.1", "Mobile Safari", "17.3.1", "iOS", "17.3.1", "iPhone"},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1", "Mobile Safari", "16.6", "iOS", "16.7.5", "iPhone"},
        {"Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "Mobile Safari", "17.2", "iOS", "17.2", "iPad"},
        {"Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.90 Mobile Safari/537.36", "Chrome Mobile", "122.0.6261.90", "Android", "14", "Pixel 8 Pro"},
        {"Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.178 Mobile Safari/537.36", "Chrome Mobile", "121.0.6167.178", "Android", "13", "Samsung SM-S918B"},
        {"Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.230 Mobile Safari/537.36", "Chrome Mobile", "120.0.6099.230", "Android", "12", "Redmi Note 11"},
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0", "Firefox", "123.0", "Windows", "10", "Other"},
        {"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0", "Firefox", "122.0", "Ubuntu", "", "Other"},
        {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", "Chrome", "122.0.0.0", "Linux", "", "Other"},
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.66", "Edge", "122.0.2365.66", "Windows", "10", "Other"},
        {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot", "2.1", "Other", "", "Spider"},
        {"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "bingbot", "2.0", "Other", "", "Spider"},
        {"curl/8.4.0", "curl", "8.4.0", "Other", "", "Other"},
        {"python-requests/2.31.0", "Python Requests", "2.31", "Other", "", "Other"},
        {"okhttp/4.12.0", "okhttp", "4.12.0", "Android", "", "Other"},
        {"ShopApp/5.14.2 (iPhone; iOS 17.3.1; Scale/3.00)", "ShopApp", "5.14.2", "iOS", "17.3.1", "iPhone"},
    };
    static final String[] CATEGORY = {"Electronics", "Books", "Home & Kitchen", "Clothing", "Shoes", "Toys",
        "Sports & Outdoors", "Beauty", "Grocery", "Garden", "Automotive", "Pet Supplies", "Office", "Music",
        "Health", "Jewelry", "Baby", "Tools"};
    static final String[] ADJ = {"Classic", "Premium", "Ultra", "Compact", "Wireless", "Organic", "Vintage",
        "Smart", "Portable", "Deluxe", "Eco", "Pro", "Lightweight", "Heavy-Duty", "Slim", "Ergonomic",
        "Waterproof", "Handmade", "Modern", "Essential"};
    static final String[] MATERIAL = {"Cotton", "Leather", "Stainless Steel", "Bamboo", "Wool", "Ceramic",
        "Aluminum", "Oak", "Silicone", "Linen", "Glass", "Carbon", "Denim", "Cashmere", "Titanium"};
    static final String[] NOUN = {"Headphones", "Backpack", "Water Bottle", "Desk Lamp", "Running Shoes",
        "T-Shirt", "Coffee Maker", "Notebook", "Phone Case", "Yoga Mat", "Watch", "Blender", "Jacket",
        "Keyboard", "Mouse", "Chair", "Sunglasses", "Tent", "Frying Pan", "Speaker", "Charger", "Novel",
        "Board Game", "Dog Bed", "Perfume", "Drill", "Scarf", "Monitor", "Kettle", "Wallet"};
    static final String[] SERVICES = {"checkout-service", "cart-service", "payment-gateway", "inventory-api",
        "search-api", "user-service", "recommendation-engine", "shipping-service", "notification-worker",
        "auth-service"};
    static final String[] LOGGERS = {"com.shop.checkout.OrderController", "com.shop.payment.StripeClient",
        "com.shop.inventory.StockReservation", "com.shop.search.QueryExecutor", "com.shop.auth.TokenValidator",
        "org.hibernate.engine.jdbc.spi.SqlExceptionHelper", "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator",
        "io.netty.channel.DefaultChannelPipeline", "com.zaxxer.hikari.pool.HikariPool", "org.springframework.web.servlet.DispatcherServlet"};
    static final String[] EXC = {"java.net.SocketTimeoutException: Read timed out",
        "java.lang.IllegalStateException: Reservation already released",
        "org.springframework.dao.DataIntegrityViolationException: could not execute statement",
        "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms",
        "com.shop.payment.PaymentDeclinedException: card_declined (insufficient_funds)",
        "java.lang.NullPointerException: Cannot invoke \"com.shop.model.Address.getCountry()\" because \"address\" is null",
        "org.apache.kafka.common.errors.RebalanceInProgressException: Offset commit cannot be completed since the consumer is undergoing a rebalance"};
    static final String[] FRAMES = {"com.shop.checkout.OrderController.placeOrder(OrderController.java:",
        "com.shop.checkout.OrderService.submit(OrderService.java:", "com.shop.payment.StripeClient.charge(StripeClient.java:",
        "com.shop.inventory.StockReservation.reserve(StockReservation.java:", "jdk.internal.reflect.GeneratedMethodAccessor112.invoke(Unknown Source",
        "org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:", "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:",
        "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:", "java.base/java.lang.Thread.run(Thread.java:",
        "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:"};
    static final String[] PATH_WORDS = {"summer-sale", "new-arrivals", "best-sellers", "gift-ideas", "running",
        "kitchen", "outdoor", "gaming", "office-setup", "travel", "fitness", "coffee", "home-decor", "kids",
        "audio", "photography", "camping", "back-to-school", "black-friday", "clearance"};

    // ---------------------------------------------------------------- deterministic helpers
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static final char[] B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
    static final char[] HEX = "0123456789abcdef".toCharArray();

    /** A 20-character base64url id (like an ES auto-generated id), unique per document number. */
    static String docId(int n) {
        long a = mix64(SEED + n), b = mix64(SEED ^ (0x9E3779B97F4A7C15L * (n + 1)));
        byte[] raw = new byte[15];
        raw[0] = (byte) (n >>> 16); raw[1] = (byte) (n >>> 8); raw[2] = (byte) n;
        for (int i = 0; i < 8; i++) raw[3 + i] = (byte) (a >>> (8 * i));
        for (int i = 0; i < 4; i++) raw[11 + i] = (byte) (b >>> (8 * i));
        StringBuilder s = new StringBuilder(20);
        for (int i = 0; i < 15; i += 3) {
            int v = ((raw[i] & 0xFF) << 16) | ((raw[i + 1] & 0xFF) << 8) | (raw[i + 2] & 0xFF);
            s.append(B64[(v >>> 18) & 63]).append(B64[(v >>> 12) & 63]).append(B64[(v >>> 6) & 63]).append(B64[v & 63]);
        }
        return s.toString();
    }

    static BytesRef encodeId(String id) { // ES Uid.encodeId, UTF-8 flavour: 0xFF + UTF-8
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[utf8.length + 1];
        out[0] = (byte) 0xFF;
        System.arraycopy(utf8, 0, out, 1, utf8.length);
        return new BytesRef(out);
    }

    final SplittableRandom r;
    long clock = 1709251200000L; // 2024-03-01T00:00:00Z, advanced by the generator, not the wall clock

    WriteCorpus(long seed) { r = new SplittableRandom(seed); }

    <T> T pick(T[] a) { return a[r.nextInt(a.length)]; }
    /** Skewed pick: low indexes much more often (roughly Zipf-like). */
    <T> T skew(T[] a) { double u = r.nextDouble(); return a[(int) (a.length * u * u * u)]; }
    String hex(int n) { char[] c = new char[n]; for (int i = 0; i < n; i++) c[i] = HEX[r.nextInt(16)]; return new String(c); }
    String uuid() { return hex(8) + "-" + hex(4) + "-4" + hex(3) + "-" + HEX[8 + r.nextInt(4)] + hex(3) + "-" + hex(12); }
    String ipv4Public() {
        return (1 + r.nextInt(222)) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
    }
    String money(int maxCents) { int c = 99 + r.nextInt(maxCents); return (c / 100) + "." + (c % 100 < 10 ? "0" : "") + (c % 100); }

    String words(int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) { if (i > 0) s.append(' '); s.append(skew(WORDS)); }
        return s.toString();
    }
    String sentence(int minWords, int maxWords) {
        String w = words(minWords + r.nextInt(maxWords - minWords + 1));
        return Character.toUpperCase(w.charAt(0)) + w.substring(1) + (r.nextInt(5) == 0 ? "!" : ".");
    }

    static final java.time.format.DateTimeFormatter ISO = java.time.format.DateTimeFormatter
        .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(java.time.ZoneOffset.UTC);
    static final java.time.format.DateTimeFormatter CLF = java.time.format.DateTimeFormatter // nginx $time_local
        .ofPattern("dd/MMM/yyyy:HH:mm:ss '+0000'", Locale.ROOT).withZone(java.time.ZoneOffset.UTC);
    static String iso(long ms) { return ISO.format(java.time.Instant.ofEpochMilli(ms)); }
    static String clf(long ms) { return CLF.format(java.time.Instant.ofEpochMilli(ms)); }

    static void str(StringBuilder b, String key, String v) { b.append('"').append(key).append("\":"); quote(b, v); b.append(','); }
    static void num(StringBuilder b, String key, Object v) { b.append('"').append(key).append("\":").append(v).append(','); }
    static void open(StringBuilder b, String key) { b.append('"').append(key).append("\":{"); }
    static void close(StringBuilder b) { trim(b); b.append("},"); }
    static void trim(StringBuilder b) { if (b.charAt(b.length() - 1) == ',') b.setLength(b.length() - 1); }
    static void quote(StringBuilder b, String v) {
        b.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\t': b.append("\\t"); break;
                default: if (c < 0x20) b.append(String.format("\\u%04x", (int) c)); else b.append(c);
            }
        }
        b.append('"');
    }
    static void strArray(StringBuilder b, String key, List<String> v) {
        b.append('"').append(key).append("\":[");
        for (String s : v) { quote(b, s); b.append(','); }
        trim(b); b.append("],");
    }

    String urlPath() {
        switch (r.nextInt(10)) {
            case 0: return "/";
            case 1: return "/api/v2/products/" + (100000 + r.nextInt(900000));
            case 2: return "/api/v2/products/" + (100000 + r.nextInt(900000)) + "/reviews";
            case 3: return "/c/" + skew(PATH_WORDS) + "/" + pick(CATEGORY).toLowerCase(Locale.ROOT).replace(" & ", "-").replace(' ', '-');
            case 4: return "/static/js/app." + hex(8) + ".chunk.js";
            case 5: return "/images/products/" + r.nextInt(1000) + "/" + (100000 + r.nextInt(900000)) + "_" + (1 + r.nextInt(6)) + ".webp";
            case 6: return "/account/orders/" + (40000000 + r.nextInt(9000000));
            case 7: return "/api/v1/cart/items";
            case 8: return "/checkout/" + pick(new String[] {"shipping", "payment", "review", "confirm"});
            default: return "/blog/" + skew(PATH_WORDS) + "-" + String.join("-", words(3 + r.nextInt(4)).split(" "));
        }
    }

    // ---------------------------------------------------------------- the three kinds of events
    String accessLog(long ts) {
        StringBuilder b = new StringBuilder(1500);
        String[] g = skew(GEO), ua = skew(UA);
        String ip = ipv4Public(), method = r.nextInt(10) < 8 ? "GET" : pick(new String[] {"POST", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"});
        String path = urlPath();
        String query = r.nextInt(3) == 0 ? "q=" + String.join("+", words(1 + r.nextInt(3)).split(" ")) + "&page=" + (1 + r.nextInt(20)) + "&sort=" + pick(new String[] {"relevance", "price_asc", "price_desc", "newest", "rating"}) : null;
        int u = r.nextInt(1000);
        int status = u < 820 ? 200 : u < 870 ? 304 : u < 900 ? 301 : u < 930 ? 404 : u < 950 ? 302 : u < 965 ? 400 : u < 975 ? 401 : u < 985 ? 429 : u < 993 ? 500 : u < 997 ? 502 : 503;
        int bytes = status == 304 ? 0 : 200 + (int) (r.nextDouble() * r.nextDouble() * 250000);
        String ref = r.nextInt(3) == 0 ? "-" : "https://www." + pick(new String[] {"shop.example.com", "google.com", "bing.com", "facebook.com", "instagram.com", "duckduckgo.com"}) + urlPath();
        double took = Math.round(r.nextDouble() * r.nextDouble() * 2.5 * 1000) / 1000.0;
        String host = "web-" + (10 + r.nextInt(24));
        String full = query == null ? path : path + "?" + query;
        String version = r.nextInt(4) == 0 ? "2.0" : "1.1";
        b.append('{');
        str(b, "@timestamp", iso(ts));
        open(b, "agent"); str(b, "type", "filebeat"); str(b, "version", "8.12.2"); close(b);
        open(b, "event"); str(b, "dataset", "nginx.access"); str(b, "module", "nginx"); b.append("\"category\":[\"web\"],\"type\":[\"access\"],");
        str(b, "outcome", status < 400 ? "success" : "failure"); num(b, "duration", (long) (took * 1e9)); close(b);
        open(b, "source"); str(b, "ip", ip); num(b, "port", 1024 + r.nextInt(64000)); num(b, "bytes", 300 + r.nextInt(3000));
        open(b, "geo"); str(b, "continent_name", g[8]);
        str(b, "country_iso_code", g[0]); str(b, "country_name", g[1]); str(b, "region_name", g[2]); str(b, "city_name", g[3]);
        open(b, "location"); num(b, "lat", g[4]); num(b, "lon", g[5]); close(b); close(b);
        open(b, "as"); num(b, "number", 1000 + r.nextInt(60000)); open(b, "organization"); str(b, "name", pick(new String[] {"Comcast Cable", "Deutsche Telekom AG", "Google LLC", "Amazon.com, Inc.", "Orange S.A.", "NTT Communications", "China Telecom", "Vodafone GmbH", "Reliance Jio", "Telefonica"})); close(b); close(b);
        close(b);
        open(b, "http"); open(b, "request"); str(b, "method", method); if (!ref.equals("-")) str(b, "referrer", ref); close(b);
        open(b, "response"); num(b, "status_code", status); open(b, "body"); num(b, "bytes", bytes); close(b); close(b); str(b, "version", version); close(b);
        open(b, "url"); str(b, "original", full); str(b, "path", path); if (query != null) str(b, "query", query); close(b);
        open(b, "user_agent"); str(b, "original", ua[0]); str(b, "name", ua[1]); str(b, "version", ua[2]);
        open(b, "os"); str(b, "name", ua[3]); if (!ua[4].isEmpty()) str(b, "version", ua[4]); close(b); open(b, "device"); str(b, "name", ua[5]); close(b); close(b);
        open(b, "host"); str(b, "name", host); b.append("\"ip\":[\"10.0.").append(r.nextInt(8)).append('.').append(10 + r.nextInt(200)).append("\"],"); close(b);
        if (r.nextInt(5) < 2) { open(b, "trace"); str(b, "id", hex(32)); close(b); }
        num(b, "log.offset", (ts / 7) % 900000000L);
        // about half of the pipelines keep the raw line after parsing it
        if (r.nextBoolean()) str(b, "message", ip + " - - [" + clf(ts) + "] \"" + method + " " + full + " HTTP/" + version + "\" " + status + " " + bytes + " \"" + ref + "\" \"" + ua[0] + "\" " + took);
        List<String> tags = new ArrayList<>(List.of("nginx", "prod"));
        if (r.nextInt(4) == 0) tags.add("canary");
        if (status >= 500) tags.add("upstream_error");
        strArray(b, "tags", tags);
        trim(b); b.append('}');
        return b.toString();
    }

    String order(long ts, int customer) {
        StringBuilder b = new StringBuilder(2000);
        String[] g = skew(GEO), ua = skew(UA);
        String first = pick(FIRST), last = pick(LAST);
        String type = pick(new String[] {"order_placed", "order_placed", "order_placed", "order_shipped", "order_cancelled", "cart_abandoned", "order_refunded"});
        b.append('{');
        str(b, "@timestamp", iso(ts));
        open(b, "event"); str(b, "kind", "event"); str(b, "type", type); str(b, "source", pick(new String[] {"web", "web", "ios", "android", "api"})); num(b, "sequence", r.nextInt(1 << 30)); close(b);
        str(b, "order_id", "ORD-" + (40000000 + r.nextInt(9000000)));
        str(b, "session_id", uuid());
        open(b, "customer"); num(b, "id", customer); str(b, "name", first + " " + last);
        str(b, "email", (first + "." + last).toLowerCase(Locale.ROOT) + (r.nextBoolean() ? String.valueOf(r.nextInt(1000)) : "") + "@" + skew(MAIL));
        str(b, "segment", pick(new String[] {"new", "regular", "regular", "silver", "gold", "platinum"}));
        num(b, "lifetime_orders", 1 + (int) (r.nextDouble() * r.nextDouble() * 200));
        b.append("\"marketing_opt_in\":").append(r.nextBoolean()).append(',');
        open(b, "address"); str(b, "city", g[3]); str(b, "region", g[2]); str(b, "postal_code", g[7] + (10 + r.nextInt(90))); str(b, "country", g[0]); close(b);
        close(b);
        int n = 1 + (int) (r.nextDouble() * r.nextDouble() * 5);
        double total = 0;
        b.append("\"items\":[");
        for (int i = 0; i < n; i++) {
            int qty = 1 + (r.nextInt(4) == 0 ? r.nextInt(4) : 0);
            String price = money(r.nextInt(3) == 0 ? 50000 : 8000);
            total += qty * Double.parseDouble(price);
            b.append('{');
            str(b, "sku", "SKU-" + (char) ('A' + r.nextInt(26)) + (char) ('A' + r.nextInt(26)) + "-" + (10000 + r.nextInt(90000)));
            str(b, "name", pick(ADJ) + " " + pick(MATERIAL) + " " + pick(NOUN));
            str(b, "category", skew(CATEGORY)); num(b, "quantity", qty); num(b, "unit_price", price);
            if (r.nextInt(4) == 0) num(b, "discount_pct", 5 * (1 + r.nextInt(8)));
            b.append("\"in_stock\":").append(r.nextInt(20) != 0).append(',');
            trim(b); b.append("},");
        }
        trim(b); b.append("],");
        String currency = g[0].equals("US") ? "USD" : g[0].equals("GB") ? "GBP" : g[0].equals("JP") ? "JPY" : g[0].equals("IN") ? "INR" : g[0].equals("CN") ? "CNY" : g[0].equals("BR") ? "BRL" : "EUR";
        double shipping = r.nextInt(3) == 0 ? 0 : 4.99 + r.nextInt(3) * 2.5;
        open(b, "payment"); str(b, "method", pick(new String[] {"card", "card", "card", "paypal", "apple_pay", "google_pay", "klarna", "bank_transfer"}));
        if (r.nextBoolean()) { str(b, "card_brand", pick(new String[] {"visa", "mastercard", "amex"})); str(b, "card_last4", String.format("%04d", r.nextInt(10000))); }
        num(b, "subtotal", String.format(Locale.ROOT, "%.2f", total)); num(b, "shipping", String.format(Locale.ROOT, "%.2f", shipping));
        num(b, "tax", String.format(Locale.ROOT, "%.2f", total * 0.19)); num(b, "total", String.format(Locale.ROOT, "%.2f", total * 1.19 + shipping));
        str(b, "currency", currency); str(b, "status", type.equals("order_cancelled") ? "voided" : type.equals("order_refunded") ? "refunded" : "captured"); str(b, "transaction_id", "ch_" + hex(24)); close(b);
        open(b, "shipping"); str(b, "carrier", pick(new String[] {"UPS", "FedEx", "DHL", "USPS", "DPD", "Royal Mail", "Yamato"}));
        str(b, "service", pick(new String[] {"standard", "express", "next_day", "economy"}));
        if (!type.equals("cart_abandoned")) str(b, "tracking_number", "1Z" + hex(16).toUpperCase(Locale.ROOT));
        str(b, "estimated_delivery", iso(ts + 86400000L * (1 + r.nextInt(7))).substring(0, 10)); close(b);
        open(b, "client"); str(b, "ip", ipv4Public()); if (r.nextBoolean()) str(b, "user_agent", ua[0]); close(b);
        if (r.nextInt(4) == 0) { open(b, "review"); num(b, "rating", 1 + r.nextInt(5)); str(b, "title", sentence(2, 6)); str(b, "text", sentence(8, 25) + " " + sentence(6, 20)); close(b); }
        if (r.nextInt(4) == 0) str(b, "coupon", pick(PATH_WORDS).toUpperCase(Locale.ROOT).replace('-', '_') + (5 + r.nextInt(30)));
        else b.append("\"coupon\":null,");
        strArray(b, "tags", List.of(pick(new String[] {"ecommerce", "orders"}), "v3"));
        trim(b); b.append('}');
        return b.toString();
    }

    String appLog(long ts) {
        StringBuilder b = new StringBuilder(2500);
        String service = skew(SERVICES);
        int u = r.nextInt(100);
        String level = u < 55 ? "INFO" : u < 75 ? "DEBUG" : u < 90 ? "WARN" : "ERROR";
        b.append('{');
        str(b, "@timestamp", iso(ts));
        open(b, "log"); str(b, "level", level); str(b, "logger", pick(LOGGERS)); close(b);
        open(b, "service"); str(b, "name", service); str(b, "version", "3." + r.nextInt(20) + "." + r.nextInt(10)); str(b, "environment", r.nextInt(10) == 0 ? "staging" : "production"); str(b, "node_name", service + "-" + hex(10) + "-" + hex(5)); close(b);
        open(b, "process"); num(b, "pid", 1 + r.nextInt(60000)); open(b, "thread"); str(b, "name", pick(new String[] {"http-nio-8080-exec-" + (1 + r.nextInt(200)), "kafka-consumer-" + r.nextInt(8), "scheduler-" + r.nextInt(4), "main", "ForkJoinPool.commonPool-worker-" + r.nextInt(16)})); close(b); close(b);
        open(b, "kubernetes"); str(b, "namespace", "shop-prod"); open(b, "pod"); str(b, "name", service + "-" + hex(10) + "-" + hex(5)); str(b, "ip", "10.42." + r.nextInt(256) + "." + r.nextInt(256)); close(b);
        str(b, "node", "ip-10-0-" + r.nextInt(64) + "-" + r.nextInt(256) + ".ec2.internal"); open(b, "labels"); str(b, "app", service); str(b, "team", pick(new String[] {"payments", "storefront", "platform", "fulfilment"})); close(b); close(b);
        if (r.nextBoolean()) { open(b, "trace"); str(b, "id", hex(32)); close(b); open(b, "span"); str(b, "id", hex(16)); close(b); }
        String msg;
        switch (r.nextInt(6)) {
            case 0: msg = "Request " + pick(new String[] {"GET", "POST", "PUT"}) + " " + urlPath() + " completed in " + r.nextInt(3000) + "ms with status " + pick(new String[] {"200", "201", "204", "400", "404", "500"}); break;
            case 1: msg = "Processed batch of " + r.nextInt(5000) + " records from partition " + r.nextInt(32) + " at offset " + r.nextLong(1L << 40) + "; lag=" + r.nextInt(100000); break;
            case 2: msg = "Cache " + pick(new String[] {"hit", "miss", "eviction"}) + " for key product:" + (100000 + r.nextInt(900000)) + ":" + pick(new String[] {"price", "stock", "details", "reviews"}) + " (size=" + r.nextInt(100000) + ")"; break;
            case 3: msg = "User " + (1000000 + r.nextInt(9000000)) + " " + pick(new String[] {"logged in", "logged out", "reset password", "updated address", "enabled 2fa"}) + " from " + ipv4Public(); break;
            default: msg = sentence(6, 30) + " " + sentence(4, 20); break;
        }
        str(b, "message", msg);
        if (level.equals("ERROR") || (level.equals("WARN") && r.nextInt(3) == 0)) {
            String exc = pick(EXC);
            StringBuilder st = new StringBuilder(exc);
            int frames = 4 + r.nextInt(10);
            for (int i = 0; i < frames; i++) { String f = pick(FRAMES); st.append("\n\tat ").append(f); if (!f.endsWith("Source")) st.append(20 + r.nextInt(400)); st.append(')'); }
            if (r.nextInt(3) == 0) st.append("\nCaused by: ").append(pick(EXC)).append("\n\t... ").append(5 + r.nextInt(40)).append(" more");
            open(b, "error"); str(b, "type", exc.substring(0, exc.indexOf(':'))); str(b, "message", exc.substring(exc.indexOf(':') + 2)); str(b, "stack_trace", st.toString()); close(b);
        }
        if (r.nextInt(3) == 0) { open(b, "labels"); num(b, "retry", r.nextInt(5)); b.append("\"feature_flag_new_checkout\":").append(r.nextBoolean()).append(','); str(b, "region", pick(new String[] {"us-east-1", "eu-west-1", "ap-northeast-1"})); close(b); }
        open(b, "host"); str(b, "name", "ip-10-0-" + r.nextInt(64) + "-" + r.nextInt(256)); open(b, "os"); str(b, "name", "Amazon Linux"); str(b, "version", "2023"); close(b); close(b);
        open(b, "ecs"); str(b, "version", "8.0.0"); close(b);
        trim(b); b.append('}');
        return b.toString();
    }

    // ---------------------------------------------------------------- main
    public static void main(String[] args) throws Exception {
        if (args.length < 2) { System.err.println("usage: WriteCorpus OUT_DIR BEST_SPEED|BEST_COMPRESSION [DOCS]"); System.exit(2); }
        Path out = Paths.get(args[0]);
        Lucene87Codec.Mode mode = Lucene87Codec.Mode.valueOf(args[1]);
        int docs = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
        if (Files.exists(out)) try (DirectoryStream<Path> s = Files.newDirectoryStream(out)) {
            if (s.iterator().hasNext()) { System.err.println(out + " is not empty"); System.exit(2); }
        }
        long t0 = System.nanoTime();
        // Which documents get deleted: exactly 5 %, uniformly spread (fixed seed, independent of the sources).
        int[] order = new int[docs];
        for (int i = 0; i < docs; i++) order[i] = i;
        SplittableRandom dr = new SplittableRandom(SEED * 31 + 7);
        for (int i = docs - 1; i > 0; i--) { int j = dr.nextInt(i + 1); int t = order[i]; order[i] = order[j]; order[j] = t; }
        int deletes = docs / 20;
        boolean[] deleted = new boolean[docs];
        for (int i = 0; i < deletes; i++) deleted[order[i]] = true;

        WriteCorpus g = new WriteCorpus(SEED);
        long liveBytes = 0, allBytes = 0;
        int routed = 0;
        IndexWriterConfig cfg = new IndexWriterConfig()
            .setCodec(new Lucene87Codec(mode))
            .setUseCompoundFile(false)
            .setMergePolicy(NoMergePolicy.INSTANCE)
            .setMaxBufferedDocs(FLUSH_EVERY + 1) // never flushes by itself: we flush every FLUSH_EVERY docs
            .setRAMBufferSizeMB(IndexWriterConfig.DISABLE_AUTO_FLUSH)
            .setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        try (Directory dir = FSDirectory.open(out); IndexWriter w = new IndexWriter(dir, cfg)) {
            for (int n = 0; n < docs; n++) {
                g.clock += g.r.nextInt(200);
                int kind = g.r.nextInt(10);
                int customer = 100000 + (int) (9900000 * Math.pow(g.r.nextDouble(), 2));
                String source = kind < 5 ? g.accessLog(g.clock) : kind < 8 ? g.order(g.clock, customer) : g.appLog(g.clock);
                byte[] src = source.getBytes(StandardCharsets.UTF_8);
                String id = docId(n);
                Document d = new Document();
                d.add(new StoredField("_id", encodeId(id)));
                if (g.r.nextInt(10) == 0) { d.add(new StoredField("_routing", kind >= 5 && kind < 8 ? "cust-" + customer : "tenant-" + g.r.nextInt(500))); routed++; }
                d.add(new StoredField("_source", new BytesRef(src)));
                d.add(new StringField("id", id, Field.Store.NO));
                w.addDocument(d);
                allBytes += src.length;
                if (!deleted[n]) liveBytes += src.length;
                if ((n + 1) % FLUSH_EVERY == 0) w.flush();
            }
            w.flush();
            Term[] batch = new Term[1000];
            int k = 0;
            for (int n = 0; n < docs; n++) {
                if (!deleted[n]) continue;
                batch[k++] = new Term("id", docId(n));
                if (k == batch.length) { w.deleteDocuments(batch); k = 0; }
            }
            if (k > 0) w.deleteDocuments(Arrays.copyOf(batch, k));
            w.commit();
        }
        int live, segments;
        try (Directory dir = FSDirectory.open(out); DirectoryReader reader = DirectoryReader.open(dir)) {
            live = reader.numDocs();
            segments = reader.leaves().size();
        }
        if (live != docs - deletes) throw new IllegalStateException("live docs " + live + ", expected " + (docs - deletes));
        System.out.printf(Locale.ROOT,
            "{\"mode\":\"%s\",\"docs_written\":%d,\"deleted\":%d,\"live_docs\":%d,\"live_source_bytes\":%d,\"all_source_bytes\":%d,\"routed_docs\":%d,\"segments\":%d,\"seconds\":%.1f}%n",
            mode, docs, deletes, live, liveBytes, allBytes, routed, segments, (System.nanoTime() - t0) / 1e9);
    }
}
