// Writes the backfill benchmark's corpus: Elasticsearch-shaped Lucene 8 shards of ~2.4 KB documents.
//
// Usage: java -cp lucene-core-8*.jar:CLASSES WriteBulkCorpus OUT_DIR MODE [DOCS [SHARDS [AVG_SOURCE_BYTES]]]
//   OUT_DIR           gets one Lucene index per shard: OUT_DIR/0, OUT_DIR/1, ... (must not exist or be empty)
//   MODE              BEST_SPEED (LZ4, Elasticsearch's default) or BEST_COMPRESSION (DEFLATE)
//   DOCS              documents written over all shards (default 1,000,000)
//   SHARDS            default 2
//   AVG_SOURCE_BYTES  target average `_source` size (default 2400)
//
// The documents are bench/decode/WriteCorpus.java's (same ids, `_id` as ES Uid bytes, `_routing` on
// ~10 %, the same nginx / order / application-log mix, compiled together with this file and used
// as a library), each enlarged by kind-specific fields so the average `_source` is AVG_SOURCE_BYTES
// instead of WriteCorpus's ~1.18 KB:
//   access logs   request headers (accept, languages, ids, forwarded-for, cookies) and a `page`
//                 object with a title and a free-text description
//   orders        a `fulfilment` object with a warehouse, a pick list, status events and notes
//   app logs      an MDC-like `context` object and a free-text `details` field
// Per document the extra bytes are E * (0.2 + 1.6 u), u uniform in [0, 1), E = AVG_SOURCE_BYTES -
// WriteCorpus's average, so sizes spread from ~1.4 KB to ~3.5 KB and more (the base sizes vary too);
// the free text is cut at a word boundary to hit that size.
// Shards: each document goes to the shard Elasticsearch 7.x would route it to (Murmur3 of
// `_routing`, else `_id`, with routing_num_shards = 1024 for 2 shards, as ES 7 computes it), so
// the shards hold about DOCS/SHARDS documents each.
// Segments: each shard's writer flushes every 100,000 of its documents (NoMergePolicy, no compound
// files); then 5 % of all documents (the same choice as WriteCorpus: fixed-seed shuffle) are
// hard-deleted by id term, each in its shard, committed, and the writers are closed. Deterministic:
// the same arguments give the same files' contents.
// Prints one JSON line: totals, the average live `_source` size, and per shard docs/live/segments.

import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.apache.lucene.codecs.lucene87.Lucene87Codec;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.store.*;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.StringHelper;

public class WriteBulkCorpus {
    /** WriteCorpus's average `_source` (1,177,666,884 bytes / 1,000,000 documents). */
    static final double BASE_AVG = 1177.67;

    static final String[] ACCEPT = {"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
        "application/json", "application/json, text/plain, */*", "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
        "*/*", "text/css,*/*;q=0.1"};
    static final String[] LANG = {"en-US,en;q=0.9", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "fr-FR,fr;q=0.9,en;q=0.8",
        "ja,en-US;q=0.9,en;q=0.8", "en-GB,en;q=0.9", "es-ES,es;q=0.9", "pt-BR,pt;q=0.9,en-US;q=0.8", "zh-CN,zh;q=0.9"};
    static final String[] WAREHOUSES = {"FRA-2", "LEJ-1", "DUS-4", "EWR-9", "ONT-6", "LHR-3", "NRT-1", "SYD-2", "GRU-1"};
    static final String[] STEPS = {"received", "payment_authorized", "picked", "packed", "label_created",
        "handed_to_carrier", "in_transit", "out_for_delivery", "delivered"};
    static final String[] TENANTS = {"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka"};

    final WriteCorpus g;
    final double extraMean;

    WriteBulkCorpus(WriteCorpus g, double avgSource) {
        this.g = g;
        this.extraMean = Math.max(0, avgSource - BASE_AVG);
    }

    /** The base document enlarged to about base + E * (0.2 + 1.6 u) bytes. */
    String enlarge(String base, int kind) {
        SplittableRandom r = g.r;
        int target = base.length() + (int) (extraMean * (0.2 + 1.6 * r.nextDouble()));
        StringBuilder b = new StringBuilder(target + 64);
        b.append(base, 0, base.length() - 1).append(',');
        String textKey;
        if (kind < 5) { // access log
            WriteCorpus.open(b, "request_headers");
            WriteCorpus.str(b, "accept", g.pick(ACCEPT));
            WriteCorpus.str(b, "accept_language", g.skew(LANG));
            WriteCorpus.str(b, "accept_encoding", r.nextInt(10) == 0 ? "gzip" : "gzip, deflate, br");
            WriteCorpus.str(b, "x_request_id", g.uuid());
            WriteCorpus.str(b, "x_forwarded_for", g.ipv4Public() + ", 10.0." + r.nextInt(8) + "." + (10 + r.nextInt(200)));
            if (r.nextBoolean()) WriteCorpus.str(b, "cookie", "sid=" + g.hex(32) + "; cart=" + g.hex(16) + "; consent=" + (r.nextBoolean() ? "all" : "essential"));
            WriteCorpus.close(b);
            WriteCorpus.open(b, "page");
            WriteCorpus.str(b, "title", g.sentence(3, 9));
            WriteCorpus.str(b, "section", g.skew(WriteCorpus.PATH_WORDS));
            textKey = "description";
        } else if (kind < 8) { // order
            WriteCorpus.open(b, "fulfilment");
            WriteCorpus.str(b, "warehouse", g.skew(WAREHOUSES));
            WriteCorpus.num(b, "priority", r.nextInt(5));
            b.append("\"pick_list\":[");
            for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
                b.append('{');
                WriteCorpus.str(b, "bin", (char) ('A' + r.nextInt(20)) + "-" + r.nextInt(60) + "-" + r.nextInt(8));
                WriteCorpus.str(b, "sku", "SKU-" + (char) ('A' + r.nextInt(26)) + (char) ('A' + r.nextInt(26)) + "-" + (10000 + r.nextInt(90000)));
                WriteCorpus.num(b, "quantity", 1 + r.nextInt(3));
                WriteCorpus.trim(b); b.append("},");
            }
            WriteCorpus.trim(b); b.append("],");
            b.append("\"events\":[");
            long ts = g.clock;
            for (int i = 0, n = 1 + r.nextInt(STEPS.length); i < n; i++) {
                ts += 60000L * (1 + r.nextInt(600));
                b.append('{');
                WriteCorpus.str(b, "@timestamp", WriteCorpus.iso(ts));
                WriteCorpus.str(b, "status", STEPS[i]);
                WriteCorpus.str(b, "actor", r.nextBoolean() ? "system" : "user-" + (1000 + r.nextInt(9000)));
                WriteCorpus.trim(b); b.append("},");
            }
            WriteCorpus.trim(b); b.append("],");
            textKey = "notes";
        } else { // application log
            WriteCorpus.open(b, "context");
            WriteCorpus.str(b, "request_id", g.uuid());
            WriteCorpus.str(b, "tenant", g.skew(TENANTS));
            WriteCorpus.num(b, "user_id", 1000000 + r.nextInt(9000000));
            WriteCorpus.str(b, "client_version", (1 + r.nextInt(6)) + "." + r.nextInt(30) + "." + r.nextInt(10));
            WriteCorpus.strArray(b, "feature_flags", List.of(g.pick(WriteCorpus.PATH_WORDS), g.pick(WriteCorpus.PATH_WORDS)));
            WriteCorpus.num(b, "attempt", 1 + r.nextInt(3));
            textKey = "details";
        }
        // Free text up to the target size (the closing brackets and quotes are 3-5 more bytes).
        b.append('"').append(textKey).append("\":\"");
        int end = Math.max(b.length() + 8, target - 4);
        while (b.length() < end) {
            String s = g.sentence(5, 25);
            if (b.length() + s.length() + 1 > end) {
                int cut = s.lastIndexOf(' ', end - b.length());
                s = cut > 0 ? s.substring(0, cut) + "." : s.substring(0, Math.min(s.length(), Math.max(1, end - b.length())));
                b.append(s);
                break;
            }
            b.append(s).append(' ');
        }
        if (b.charAt(b.length() - 1) == ' ') b.setLength(b.length() - 1);
        b.append("\"}}"); // the text, its object (request page, fulfilment, context), the document
        return b.toString();
    }

    /** ES 7 MetadataCreateIndexService.calculateNumRoutingShards for indices created on 7.0+. */
    static int routingNumShards(int shards) {
        int log2Shards = 32 - Integer.numberOfLeadingZeros(shards - 1);
        int splits = Math.max(1, 10 - log2Shards);
        return shards << splits;
    }

    /** ES Murmur3HashFunction.hash(String): the UTF-16 code units, little-endian, murmur3_x86_32 seed 0. */
    static int murmur(String routing) {
        byte[] bytes = new byte[routing.length() * 2];
        for (int i = 0; i < routing.length(); i++) {
            char c = routing.charAt(i);
            bytes[2 * i] = (byte) c;
            bytes[2 * i + 1] = (byte) (c >>> 8);
        }
        return StringHelper.murmurhash3_x86_32(bytes, 0, bytes.length, 0);
    }

    static int shardOf(String routing, int shards, int routingShards) {
        return Math.floorMod(murmur(routing), routingShards) / (routingShards / shards);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: WriteBulkCorpus OUT_DIR BEST_SPEED|BEST_COMPRESSION [DOCS [SHARDS [AVG_SOURCE_BYTES]]]");
            System.exit(2);
        }
        Path out = Paths.get(args[0]);
        Lucene87Codec.Mode mode = Lucene87Codec.Mode.valueOf(args[1]);
        int docs = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
        int shards = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        double avg = args.length > 4 ? Double.parseDouble(args[4]) : 2400;
        if (shards < 1 || shards > 1024) { System.err.println("SHARDS must be 1..1024"); System.exit(2); }
        if (Files.exists(out)) try (DirectoryStream<Path> s = Files.newDirectoryStream(out)) {
            if (s.iterator().hasNext()) { System.err.println(out + " is not empty"); System.exit(2); }
        }
        long t0 = System.nanoTime();
        // Deletions: exactly WriteCorpus's choice (5 %, fixed-seed shuffle).
        int[] order = new int[docs];
        for (int i = 0; i < docs; i++) order[i] = i;
        SplittableRandom dr = new SplittableRandom(WriteCorpus.SEED * 31 + 7);
        for (int i = docs - 1; i > 0; i--) { int j = dr.nextInt(i + 1); int t = order[i]; order[i] = order[j]; order[j] = t; }
        int deletes = docs / 20;
        boolean[] deleted = new boolean[docs];
        for (int i = 0; i < deletes; i++) deleted[order[i]] = true;

        int routingShards = routingNumShards(shards);
        WriteCorpus g = new WriteCorpus(WriteCorpus.SEED);
        WriteBulkCorpus big = new WriteBulkCorpus(g, avg);
        byte[] shardOfDoc = new byte[docs];
        short[] shardOfDocWide = shards > 127 ? new short[docs] : null;
        long[] shardDocs = new long[shards], shardLive = new long[shards], shardLiveBytes = new long[shards], shardPending = new long[shards];
        long liveBytes = 0, allBytes = 0;
        int routed = 0, minSize = Integer.MAX_VALUE, maxSize = 0;
        Directory[] dirs = new Directory[shards];
        IndexWriter[] writers = new IndexWriter[shards];
        try {
            for (int s = 0; s < shards; s++) {
                IndexWriterConfig cfg = new IndexWriterConfig()
                    .setCodec(new Lucene87Codec(mode))
                    .setUseCompoundFile(false)
                    .setMergePolicy(NoMergePolicy.INSTANCE)
                    .setMaxBufferedDocs(WriteCorpus.FLUSH_EVERY + 1) // we flush every FLUSH_EVERY docs of the shard
                    .setRAMBufferSizeMB(IndexWriterConfig.DISABLE_AUTO_FLUSH)
                    .setOpenMode(IndexWriterConfig.OpenMode.CREATE);
                dirs[s] = FSDirectory.open(out.resolve(Integer.toString(s)));
                writers[s] = new IndexWriter(dirs[s], cfg);
            }
            for (int n = 0; n < docs; n++) {
                g.clock += g.r.nextInt(200);
                int kind = g.r.nextInt(10);
                int customer = 100000 + (int) (9900000 * Math.pow(g.r.nextDouble(), 2));
                String source = kind < 5 ? g.accessLog(g.clock) : kind < 8 ? g.order(g.clock, customer) : g.appLog(g.clock);
                source = big.enlarge(source, kind);
                byte[] src = source.getBytes(StandardCharsets.UTF_8);
                String id = WriteCorpus.docId(n);
                String routing = null;
                if (g.r.nextInt(10) == 0) { routing = kind >= 5 && kind < 8 ? "cust-" + customer : "tenant-" + g.r.nextInt(500); routed++; }
                int s = shardOf(routing != null ? routing : id, shards, routingShards);
                Document d = new Document();
                d.add(new StoredField("_id", WriteCorpus.encodeId(id)));
                if (routing != null) d.add(new StoredField("_routing", routing));
                d.add(new StoredField("_source", new BytesRef(src)));
                d.add(new StringField("id", id, Field.Store.NO));
                writers[s].addDocument(d);
                if (shardOfDocWide != null) shardOfDocWide[n] = (short) s; else shardOfDoc[n] = (byte) s;
                shardDocs[s]++;
                allBytes += src.length;
                minSize = Math.min(minSize, src.length);
                maxSize = Math.max(maxSize, src.length);
                if (!deleted[n]) { liveBytes += src.length; shardLive[s]++; shardLiveBytes[s] += src.length; }
                if (++shardPending[s] == WriteCorpus.FLUSH_EVERY) { writers[s].flush(); shardPending[s] = 0; }
            }
            for (IndexWriter w : writers) w.flush();
            List<List<Term>> batches = new ArrayList<>();
            for (int s = 0; s < shards; s++) batches.add(new ArrayList<>());
            for (int n = 0; n < docs; n++) {
                if (!deleted[n]) continue;
                int s = shardOfDocWide != null ? shardOfDocWide[n] : shardOfDoc[n];
                List<Term> batch = batches.get(s);
                batch.add(new Term("id", WriteCorpus.docId(n)));
                if (batch.size() == 1000) { writers[s].deleteDocuments(batch.toArray(new Term[0])); batch.clear(); }
            }
            for (int s = 0; s < shards; s++) {
                if (!batches.get(s).isEmpty()) writers[s].deleteDocuments(batches.get(s).toArray(new Term[0]));
                writers[s].commit();
            }
        } finally {
            for (IndexWriter w : writers) if (w != null) w.close();
            for (Directory d : dirs) if (d != null) d.close();
        }
        long live = 0;
        int segments = 0;
        StringBuilder perShard = new StringBuilder();
        for (int s = 0; s < shards; s++) {
            try (Directory dir = FSDirectory.open(out.resolve(Integer.toString(s))); DirectoryReader reader = DirectoryReader.open(dir)) {
                if (reader.numDocs() != shardLive[s]) throw new IllegalStateException("shard " + s + ": live docs " + reader.numDocs() + ", expected " + shardLive[s]);
                live += reader.numDocs();
                segments += reader.leaves().size();
                perShard.append(String.format(Locale.ROOT, "%s{\"shard\":%d,\"docs\":%d,\"live_docs\":%d,\"live_source_bytes\":%d,\"segments\":%d}",
                    s == 0 ? "" : ",", s, shardDocs[s], reader.numDocs(), shardLiveBytes[s], reader.leaves().size()));
            }
        }
        if (live != docs - deletes) throw new IllegalStateException("live docs " + live + ", expected " + (docs - deletes));
        System.out.printf(Locale.ROOT,
            "{\"mode\":\"%s\",\"docs_written\":%d,\"deleted\":%d,\"live_docs\":%d,\"live_source_bytes\":%d,\"all_source_bytes\":%d,"
                + "\"avg_live_source_bytes\":%.1f,\"min_source_bytes\":%d,\"max_source_bytes\":%d,\"routed_docs\":%d,\"shards\":%d,"
                + "\"routing_num_shards\":%d,\"segments\":%d,\"per_shard\":[%s],\"seconds\":%.1f}%n",
            mode, docs, deletes, live, liveBytes, allBytes, live == 0 ? 0.0 : (double) liveBytes / live, minSize, maxSize, routed, shards,
            routingShards, segments, perShard, (System.nanoTime() - t0) / 1e9);
    }
}
