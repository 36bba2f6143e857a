// Writes a small, deterministic, Elasticsearch-shaped Lucene index with real Java Lucene, then dumps
// its live documents (see Dump.java).
//
//   Writer OUT_DIR SCENARIO
//
// SCENARIO: speed-compound | speed-plain | compression-compound | compression-plain | soft-deletes
// Produces OUT_DIR (the index), OUT_DIR.expected.ndjson (every live document, stored order) and
// OUT_DIR.summary.json (segments, deletes, codec, Lucene version, files).
//
// Shared by the Lucene 8 build (compiled against lucene-core-8) and the Lucene 9/10 build (compiled
// with --release 17 against Lucene 9.9.1, run on 9.9.1 and 10.5.1); version differences live in
// lucene8/Compat.java and lucene9/Compat.java.
//
// Every scenario: >= 5 segments (explicit commits / flush, a merge policy that never merges),
// hard deletes (deleteDocuments by the indexed `id` term -> .liv, in several generations), documents
// larger than a stored-fields chunk (300 KB and 2 MB `_source`, a 200 KB stored string), unicode
// (non-BMP, CJK, combining marks, RTL, ZWJ), every stored type (string, bytes, int, long, float,
// double) including edge values, ES-encoded `_id` (0xFF utf-8, 0xFE numeric, base64 with and
// without the 0xFD escape), `_source` JSON bytes, `_routing` strings, and ~1-2% nested-like docs with
// no stored `_id` (half of them with no stored field at all).
// soft-deletes: IndexWriterConfig.setSoftDeletesField("__soft_deletes"), ES-style soft updates and
// delete tombstones (tombstones carry __soft_deletes=1 in their base doc values), updates landing in
// doc-values update generations (_N_G.fnm, _N_G_<format>_0.dvd/.dvm; _0 and _1 are updated twice,
// so generation 2 is the one on disk, _1 also has __soft_deletes in its base doc values), a segment
// that is entirely soft-deleted (kept), compound and non-compound segments mixed (even segment
// numbers compound), and doc-values fields of every type numbered before __soft_deletes.
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.SortedNumericDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.FilterMergePolicy;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.MergePolicy;
import org.apache.lucene.index.MergeTrigger;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.NIOFSDirectory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOSupplier;

public final class Writer {
  static final String SOFT_DELETES = "__soft_deletes";

  enum Compound { ALL, NONE, MIXED }

  public static void main(String[] args) throws Exception {
    Dump.quietLogging();
    if (args.length != 2) {
      System.err.println("usage: Writer OUT_DIR SCENARIO"
          + "   (speed-compound|speed-plain|compression-compound|compression-plain|soft-deletes)");
      System.exit(2);
    }
    Path out = Paths.get(args[0]);
    String scenario = args[1];
    boolean bestCompression;
    Compound compound;
    boolean soft = false;
    switch (scenario) {
      case "speed-compound": bestCompression = false; compound = Compound.ALL; break;
      case "speed-plain": bestCompression = false; compound = Compound.NONE; break;
      case "compression-compound": bestCompression = true; compound = Compound.ALL; break;
      case "compression-plain": bestCompression = true; compound = Compound.NONE; break;
      case "soft-deletes": bestCompression = false; compound = Compound.MIXED; soft = true; break;
      default:
        System.err.println("unknown scenario: " + scenario);
        System.exit(2);
        return;
    }
    if (Files.exists(out)) {
      try (Stream<Path> s = Files.list(out)) {
        if (s.findAny().isPresent()) {
          System.err.println("Writer: " + out + " exists and is not empty");
          System.exit(2);
        }
      }
    }
    Files.createDirectories(out);

    Writer w = new Writer(scenario.hashCode() * 0x9E3779B97F4A7C15L + 20240601L);
    try (Directory dir = new NIOFSDirectory(out)) {
      IndexWriterConfig iwc = new IndexWriterConfig(new StandardAnalyzer());
      iwc.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
      iwc.setCodec(Compat.codec(bestCompression));
      iwc.setUseCompoundFile(compound != Compound.NONE);
      TieredMergePolicy tmp = new TieredMergePolicy();
      tmp.setNoCFSRatio(compound == Compound.NONE ? 0.0 : 1.0);
      tmp.setMaxCFSSegmentSizeMB(Double.POSITIVE_INFINITY);
      iwc.setMergePolicy(new KeepAllSegments(tmp));
      iwc.setMergeScheduler(new SerialMergeScheduler());
      iwc.setMaxBufferedDocs(IndexWriterConfig.DISABLE_AUTO_FLUSH);
      iwc.setRAMBufferSizeMB(256);
      iwc.setCommitOnClose(true);
      if (soft) iwc.setSoftDeletesField(SOFT_DELETES);
      try (IndexWriter iw = new IndexWriter(dir, iwc)) {
        w.iw = iw;
        w.mixedCompound = compound == Compound.MIXED;
        if (soft) w.softDeletesFlow();
        else w.hardDeletesFlow();
      }
      SegmentInfos sis = SegmentInfos.readLatestCommit(dir);
      if (sis.size() < 3) throw new IllegalStateException("expected >= 3 segments, got " + sis.size());
      for (SegmentCommitInfo sci : sis) {
        boolean want = compound == Compound.ALL || compound == Compound.MIXED && evenSegment(sci.info.name);
        if (sci.info.getUseCompoundFile() != want) {
          throw new IllegalStateException(sci.info.name + ": compound=" + sci.info.getUseCompoundFile());
        }
      }
    }

    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("stored_fields_mode", bestCompression ? "BEST_COMPRESSION" : "BEST_SPEED");
    extra.put("compound", compound.name().toLowerCase(java.util.Locale.ROOT));
    extra.put("docs_written", w.docsWritten);
    Dump.run(out, Paths.get(out + ".expected.ndjson"), Paths.get(out + ".summary.json"), scenario, extra);
  }

  /**
   * Never merges (so every flush stays a segment) and never drops fully deleted segments (the
   * soft-deletes scenario keeps one, as ES's retention policy does). Flushed segments are compound
   * or not by IndexWriterConfig.getUseCompoundFile() alone (the merge policy's useCompoundFile and
   * noCFSRatio only decide for merged segments; they are set to match anyway).
   */
  static final class KeepAllSegments extends FilterMergePolicy {
    KeepAllSegments(MergePolicy in) {
      super(in);
    }

    @Override
    public MergeSpecification findMerges(MergeTrigger t, SegmentInfos s, MergeContext c) {
      return null;
    }

    @Override
    public MergeSpecification findForcedMerges(SegmentInfos s, int max, Map<SegmentCommitInfo, Boolean> m, MergeContext c) {
      return null;
    }

    @Override
    public MergeSpecification findForcedDeletesMerges(SegmentInfos s, MergeContext c) {
      return null;
    }

    @Override
    public MergeSpecification findFullFlushMerges(MergeTrigger t, SegmentInfos s, MergeContext c) {
      return null;
    }

    @Override
    public boolean keepFullyDeletedSegment(IOSupplier<CodecReader> r) {
      return true;
    }
  }

  static boolean evenSegment(String name) {
    return Long.parseLong(name.substring(1), Character.MAX_RADIX) % 2 == 0;
  }

  // ---------------------------------------------------------------------------------------------

  final Random rnd;
  IndexWriter iw;
  /** Batch b becomes segment _b; MIXED makes the even ones compound (a live config setting). */
  boolean mixedCompound;
  long seqNo;
  long docsWritten;
  int extrasCursor;
  final Set<String> usedIds = new HashSet<>();
  /** Per batch: ids of plain (non-nested-parent) docs still live and untouched. */
  final List<List<String>> candidates = new ArrayList<>();
  final Map<String, Integer> versions = new java.util.HashMap<>();

  Writer(long seed) {
    rnd = new Random(seed);
  }

  // -- flows --------------------------------------------------------------------------------------

  /** Hard deletes and updateDocument only. 6 segments. */
  void hardDeletesFlow() throws IOException {
    batch(0, 500, null);
    iw.commit(); // _0

    batch(1, 500, at -> {
      if (at == 250) {
        for (String id : take(0, 20)) iw.deleteDocuments(new Term("id", id)); // _0_1.liv
        for (String id : take(0, 10)) {
          iw.updateDocument(new Term("id", id), esDoc(id, versions.merge(id, 1, Integer::sum) + 1, normalSource(), false));
          docsWritten++;
        }
      }
    });
    iw.commit(); // _1 (no deletes of its own)

    batch(2, 600, at -> {
      if (at == 100) addBig(2, 300 * 1024);
      if (at == 200) addBig(2, 70 * 1024);
      if (at == 300) addBigString(2, 200 * 1024);
      if (at == 500) {
        // deletes of docs still in the indexing buffer -> .liv written with the flush
        for (String id : take(2, 10)) iw.deleteDocuments(new Term("id", id));
      }
    });
    iw.flush(); // _2, flushed but not committed separately

    List<String> toDeleteLater = new ArrayList<>();
    batch(3, 500, at -> {
      if (at == 10) addBig(3, 2 * 1024 * 1024);
      if (at == 400) toDeleteLater.add(addBig(3, 1024 * 1024));
    });
    iw.commit(); // _2, _3

    batch(4, 400, at -> {
      if (at == 200) {
        for (String id : take(2, 8)) iw.deleteDocuments(new Term("id", id));
        for (String id : take(3, 7)) iw.deleteDocuments(new Term("id", id));
        for (String id : toDeleteLater) iw.deleteDocuments(new Term("id", id));
        for (String id : take(0, 5)) iw.deleteDocuments(new Term("id", id)); // _0_2.liv
      }
    });
    iw.commit(); // _4

    batch(5, 100, null);
    iw.commit(); // _5 (no deletes)
  }

  /** ES-style soft deletes (plus some hard deletes). 5 segments, one of them fully soft-deleted. */
  void softDeletesFlow() throws IOException {
    // _0: every doc-values type appears here, before __soft_deletes is ever seen, so those fields
    // get lower field numbers than __soft_deletes.
    batch(0, 500, null);
    iw.commit();

    batch(1, 500, at -> {
      if (at == 200) {
        for (String id : take(0, 30)) softUpdate(id); // -> DV update generation of _0
        for (String id : take(0, 10)) tombstone(id); // tombstones: __soft_deletes=1 in _1's base DV
      }
      if (at == 400) {
        for (String id : take(1, 10)) softUpdate(id); // old version still in the indexing buffer
        for (String id : take(1, 5)) tombstone(id);
        for (String id : take(0, 5)) iw.deleteDocuments(new Term("id", id)); // hard: _0 .liv
        for (String id : take(1, 3)) iw.deleteDocuments(new Term("id", id)); // hard, in buffer
      }
    });
    iw.commit();

    batch(2, 6, null); // tiny segment, soft-deleted entirely below
    iw.commit();

    batch(3, 500, at -> {
      if (at == 50) addBig(3, 300 * 1024);
      if (at == 100) {
        for (String id : take(2, 6)) softUpdate(id); // _2 becomes fully soft-deleted (kept)
        for (String id : take(1, 20)) softUpdate(id); // _1: DV update gen over base soft deletes
      }
      if (at == 250) addBig(3, 2 * 1024 * 1024);
      if (at == 300) addBigString(3, 200 * 1024);
    });
    iw.commit();

    batch(4, 300, at -> {
      if (at == 100) {
        for (String id : take(0, 10)) softUpdate(id); // second DV update generation of _0
        for (String id : take(3, 5)) iw.deleteDocuments(new Term("id", id));
        for (String id : take(3, 3)) tombstone(id);
      }
    });
    iw.commit();
  }

  interface Hook {
    void at(int i) throws IOException;
  }

  /** Adds n top-level docs (about 1% of them with 1-2 nested children first) to batch b. */
  void batch(int b, int n, Hook hook) throws IOException {
    while (candidates.size() <= b) candidates.add(new ArrayList<>());
    if (mixedCompound) iw.getConfig().setUseCompoundFile(b % 2 == 0);
    String sink = addKitchenSink(b);
    if (n < 50) candidates.get(b).add(sink); // tiny batches are deleted whole
    for (int i = 1; i < n; i++) {
      if (hook != null) hook.at(i);
      String id = newId();
      if (n > 50 && rnd.nextInt(100) < 1) {
        // ES nested: children first (no _id, no _source), parent last, added as one block
        List<Document> block = new ArrayList<>();
        int children = 1 + rnd.nextInt(2);
        for (int c = 0; c < children; c++) block.add(nestedDoc(c));
        block.add(esDoc(id, 1, normalSource(), false));
        iw.addDocuments(block);
        docsWritten += block.size();
      } else {
        iw.addDocument(esDoc(id, 1, normalSource(), false));
        docsWritten++;
        candidates.get(b).add(id);
      }
    }
  }

  List<String> take(int batch, int n) {
    List<String> from = candidates.get(batch);
    List<String> picked = new ArrayList<>();
    for (int i = 0; i < n && !from.isEmpty(); i++) picked.add(from.remove(rnd.nextInt(from.size())));
    return picked;
  }

  void softUpdate(String id) throws IOException {
    int v = versions.merge(id, 1, Integer::sum);
    iw.softUpdateDocument(new Term("id", id), esDoc(id, v, normalSource(), false), new NumericDocValuesField(SOFT_DELETES, 1));
    docsWritten++;
  }

  /** ES 7+ delete: a tombstone doc (stored _id, no _source) that is itself soft-deleted. */
  void tombstone(String id) throws IOException {
    int v = versions.merge(id, 1, Integer::sum);
    Document d = new Document();
    d.add(new StoredField("_id", encodeId(id)));
    d.add(new StringField("id", id, Field.Store.NO));
    addSeqNo(d, v);
    d.add(new NumericDocValuesField("_tombstone", 1));
    d.add(new NumericDocValuesField(SOFT_DELETES, 1));
    iw.softUpdateDocument(new Term("id", id), d, new NumericDocValuesField(SOFT_DELETES, 1));
    docsWritten++;
  }

  String addBig(int batch, int sourceBytes) throws IOException {
    String id = newId();
    iw.addDocument(esDoc(id, 1, bigSource(id, sourceBytes), true));
    docsWritten++;
    return id; // big docs are never among the random delete/update candidates

  }

  void addBigString(int batch, int approxBytes) throws IOException {
    String id = newId();
    Document d = esDoc(id, 1, normalSource(), false);
    StringBuilder sb = new StringBuilder();
    int len = 0;
    while (len < approxBytes) {
      String w = word();
      sb.append(w).append(' ');
      len += w.getBytes(StandardCharsets.UTF_8).length + 1;
    }
    d.add(new StoredField("f_str", sb.toString()));
    iw.addDocument(d);
    docsWritten++;
  }

  /** One doc per batch holding every special value of every type, interleaved under one name. */
  String addKitchenSink(int b) throws IOException {
    String id = newId();
    Document d = new Document();
    d.add(new StoredField("_id", encodeId(id)));
    d.add(new StringField("id", id, Field.Store.NO));
    d.add(new StoredField("_source", ("{\"kitchen_sink\":" + b + "}").getBytes(StandardCharsets.UTF_8)));
    int max = Math.max(Math.max(INTS.length, LONGS.length), Math.max(Math.max(FLOATS.length, DOUBLES.length), Math.max(STRINGS.length, BYTES.length)));
    for (int i = 0; i < max; i++) {
      if (i < INTS.length) d.add(new StoredField("multi", INTS[i]));
      if (i < STRINGS.length) d.add(new StoredField("multi", STRINGS[i]));
      if (i < LONGS.length) d.add(new StoredField("multi", LONGS[i]));
      if (i < FLOATS.length) d.add(new StoredField("multi", FLOATS[i]));
      if (i < BYTES.length) d.add(new StoredField("multi", BYTES[i]));
      if (i < DOUBLES.length) d.add(new StoredField("multi", DOUBLES[i]));
    }
    addSeqNo(d, 1);
    iw.addDocument(d);
    docsWritten++;
    return id;
  }

  // -- documents ----------------------------------------------------------------------------------

  Document esDoc(String id, int version, byte[] source, boolean big) {
    Document d = new Document();
    d.add(new StoredField("_id", encodeId(id)));
    d.add(new StringField("id", id, Field.Store.NO));
    d.add(new StoredField("_source", source));
    if (rnd.nextInt(10) == 0) d.add(new StoredField("_routing", routing()));
    if (!big) d.add(new TextField("body", sentence(8), Field.Store.NO));
    if (rnd.nextInt(3) == 0) addExtras(d);
    addSeqNo(d, version);
    // other doc-values types (sparse)
    if (rnd.nextInt(10) < 7) d.add(new SortedDocValuesField("kw", new BytesRef(word())));
    int tags = rnd.nextInt(4);
    for (int t = 0; t < tags; t++) d.add(new SortedSetDocValuesField("tags", new BytesRef(word())));
    int nums = rnd.nextInt(3);
    for (int t = 0; t < nums; t++) d.add(new SortedNumericDocValuesField("nums", rnd.nextLong() >> rnd.nextInt(64)));
    if (rnd.nextInt(2) == 0) {
      byte[] blob = new byte[rnd.nextInt(24)];
      rnd.nextBytes(blob);
      d.add(new BinaryDocValuesField("blob", new BytesRef(blob)));
    }
    return d;
  }

  Document nestedDoc(int offset) {
    Document d = new Document();
    d.add(new StringField("_nested_path", "comments", Field.Store.NO));
    if (rnd.nextBoolean()) d.add(new StoredField("nested_offset", offset)); // else: no stored field at all
    return d;
  }

  void addSeqNo(Document d, int version) {
    long seq = seqNo++;
    d.add(new LongPoint("_seq_no", seq));
    d.add(new NumericDocValuesField("_seq_no", seq));
    d.add(new NumericDocValuesField("_primary_term", 1));
    d.add(new NumericDocValuesField("_version", version));
  }

  /** Typed stored fields walking through the special-value tables (so each batch covers them). */
  void addExtras(Document d) {
    int k = extrasCursor++;
    switch (k % 4) {
      case 0:
        d.add(new StoredField("f_int", INTS[k % INTS.length]));
        d.add(new StoredField("f_long", LONGS[k % LONGS.length]));
        d.add(new StoredField("f_float", FLOATS[k % FLOATS.length]));
        d.add(new StoredField("f_double", DOUBLES[k % DOUBLES.length]));
        break;
      case 1:
        d.add(new StoredField("f_str", STRINGS[k % STRINGS.length]));
        d.add(new StoredField("f_bytes", BYTES[k % BYTES.length]));
        d.add(new StoredField("f_long", rnd.nextLong()));
        break;
      case 2:
        d.add(new StoredField("f_double", rnd.nextDouble() * 1e6 - 5e5));
        d.add(new StoredField("f_double", rnd.nextInt(300) - 150));
        d.add(new StoredField("f_float", rnd.nextFloat()));
        d.add(new StoredField("f_int", rnd.nextInt()));
        d.add(new StoredField("f_int", rnd.nextInt(200) - 100));
        break;
      default:
        // timestamps in ms: whole day / hour / second and not (TLong encodings)
        long day = 86_400_000L * (18_000 + rnd.nextInt(2_000));
        d.add(new StoredField("@timestamp", day));
        d.add(new StoredField("@timestamp", day + 3_600_000L * rnd.nextInt(24)));
        d.add(new StoredField("@timestamp", day + 1_000L * rnd.nextInt(86_400)));
        d.add(new StoredField("@timestamp", day + rnd.nextInt(86_400_000)));
        d.add(new StoredField("f_str", sentence(3)));
        break;
    }
  }

  // -- ids (Elasticsearch Uid.encodeId) -----------------------------------------------------------

  String newId() {
    while (true) {
      String id;
      int r = rnd.nextInt(100);
      if (r < 15) {
        id = Long.toString(rnd.nextInt(4) == 0 ? rnd.nextInt(1000) : Math.abs(rnd.nextLong() >> rnd.nextInt(40)));
        if (rnd.nextInt(10) == 0) id = "0" + id; // leading zero is kept digit by digit
      } else if (r < 35) {
        byte[] b = new byte[rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(16) : 15];
        rnd.nextBytes(b);
        if (rnd.nextInt(8) == 0) b[0] = (byte) (0xFD + rnd.nextInt(3)); // needs the 0xFD escape
        id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
      } else {
        String[] forms = {"doc:%d", "user/%d", "ü-é_%d", "日本語#%d", "😀 %d", "e\u0301.%d", "𠜎𠜱:%d", "a b c %d", "%d.%d"};
        String f = forms[rnd.nextInt(forms.length)];
        int n = rnd.nextInt(1_000_000);
        id = f.equals("%d.%d") ? n + "." + rnd.nextInt(100) : String.format(java.util.Locale.ROOT, f, n);
      }
      if (usedIds.add(id)) return id;
    }
  }

  static byte[] encodeId(String id) {
    if (id.isEmpty()) throw new IllegalArgumentException("empty id");
    if (isPositiveNumeric(id)) {
      byte[] b = new byte[1 + (id.length() + 1) / 2];
      b[0] = (byte) 0xFE;
      for (int i = 0; i < id.length(); i += 2) {
        int hi = id.charAt(i) - '0';
        int lo = i + 1 < id.length() ? id.charAt(i + 1) - '0' : 0x0F;
        b[1 + i / 2] = (byte) ((hi << 4) | lo);
      }
      return b;
    }
    if (isUrlBase64WithoutPadding(id)) {
      byte[] b = Base64.getUrlDecoder().decode(id);
      if ((b[0] & 0xFF) >= 0xFD) {
        byte[] e = new byte[b.length + 1];
        e[0] = (byte) 0xFD;
        System.arraycopy(b, 0, e, 1, b.length);
        b = e;
      }
      return b;
    }
    byte[] u = id.getBytes(StandardCharsets.UTF_8);
    byte[] b = new byte[u.length + 1];
    b[0] = (byte) 0xFF;
    System.arraycopy(u, 0, b, 1, u.length);
    return b;
  }

  static boolean isPositiveNumeric(String id) {
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') return false;
    }
    return true;
  }

  static boolean isUrlBase64WithoutPadding(String id) {
    int len = id.length();
    switch (len & 3) {
      case 0:
        break;
      case 1:
        return false;
      case 2:
        if ("AQgw".indexOf(id.charAt(len - 1)) < 0) return false;
        break;
      default:
        if ("AEIMQUYcgkosw048".indexOf(id.charAt(len - 1)) < 0) return false;
        break;
    }
    for (int i = 0; i < len; i++) {
      char c = id.charAt(i);
      boolean ok = c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_';
      if (!ok) return false;
    }
    return true;
  }

  // -- content ------------------------------------------------------------------------------------

  static final String[] WORDS = {
    "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "lucene", "segment", "shard",
    "naïve", "café", "Ελληνικά", "русский", "日本語", "中文字符", "한국어", "עברית", "العربية", "हिन्दी",
    "😀", "🎉", "𝄞", "𠜎", "🇯🇵", "👩‍👩‍👧", "e\u0301", "a\u0308\u0323", "Z\u0351\u036b\u0343\u0324",
    "say \"hi\"", "back\\slash", "tab\there", "line\nbreak", "ctl\u0001\u001f", "€100", "½", "ß",
  };

  static final int[] INTS = {
    0, 1, -1, 2, -2, 63, 64, -64, -65, 127, 128, 255, 256, 16383, 16384, -16384, 1 << 20, -(1 << 28),
    123456789, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE - 1, Integer.MIN_VALUE + 1,
  };

  static final long[] LONGS = {
    0L, 1L, -1L, 2L, -2L, 127L, 128L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE + 1,
    Integer.MAX_VALUE + 1L, Integer.MIN_VALUE - 1L, 1L << 40, (1L << 62) + 7, -(1L << 50),
    1_000L, 60_000L, 3_600_000L, 86_400_000L, -1_000L, -3_600_000L, -86_400_000L * 365,
    1_609_459_200_000L, // 2021-01-01T00:00:00Z, whole day
    1_609_462_800_000L, // whole hour
    1_609_459_201_000L, // whole second
    1_609_459_201_123L, // millisecond precision
    253_402_300_799_000L, // 9999-12-31T23:59:59Z
    -62_135_596_800_000L, // 0001-01-01T00:00:00Z
  };

  static final float[] FLOATS = {
    0f, -0f, 1f, -1f, 2f, -2f, 125f, 126f, 124f, 0.5f, 1.5f, -0.75f, 3.14159f, -123.456f, 16_777_216f,
    1e-10f, 1e30f, Float.NaN, Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffc00000),
    Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE,
    -Float.MAX_VALUE, Float.MIN_NORMAL,
  };

  static final double[] DOUBLES = {
    0d, -0d, 1d, -1d, 2d, -2d, 123d, 124d, 125d, 0.5, 1.5, -0.75, 0.1, -0.1, Math.PI, -Math.E,
    16_777_217d, 9_007_199_254_740_993d, 1_609_459_200_000d, 1e300, -1e-300, (double) Float.MAX_VALUE,
    Math.nextUp((double) Float.MAX_VALUE), (double) Float.MIN_VALUE, Double.NaN,
    Double.longBitsToDouble(0x7ff8000000000001L), Double.longBitsToDouble(0xfff8000000000000L),
    Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MIN_VALUE,
    Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_NORMAL,
  };

  static final String[] STRINGS = {
    "", "a", "plain ascii", "naïve café ß ½ €", "日本語のテキスト、中文字符，한국어 텍스트",
    "non-BMP: 😀🎉𝄞𠜎𠜱 🇯🇵 👩‍👩‍👧", "combining: e\u0301 a\u0308\u0323 Z\u0351\u036b\u0343\u0324",
    "RTL: עברית العربية", "json: \"quoted\" back\\slash tab\t nl\n cr\r", "nul:\u0000:ctl\u0001\u001f\u007f",
    "lone surrogate \uD800 becomes U+FFFD", "\uFEFFbom and \u2028 line sep", "x".repeat(1000),
  };

  static final byte[][] BYTES = {
    {}, {0}, {(byte) 0xFF}, {(byte) 0xFE, 0x12, 0x3F}, {(byte) 0xFD, 1, 2, 3}, "utf8 ü".getBytes(StandardCharsets.UTF_8),
    allBytes(), {(byte) 0x80, (byte) 0xC0, (byte) 0xFF, 0x7F, 0x00},
  };

  static byte[] allBytes() {
    byte[] b = new byte[256];
    for (int i = 0; i < 256; i++) b[i] = (byte) i;
    return b;
  }

  String word() {
    return WORDS[rnd.nextInt(WORDS.length)];
  }

  String sentence(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) sb.append(' ');
      sb.append(word());
    }
    return sb.toString();
  }

  String routing() {
    switch (rnd.nextInt(3)) {
      case 0: return "user-" + rnd.nextInt(100);
      case 1: return "ルーティング-" + rnd.nextInt(10);
      default: return Integer.toString(rnd.nextInt(5));
    }
  }

  byte[] normalSource() {
    StringBuilder sb = new StringBuilder();
    sb.append("{\"title\":");
    Dump.Json.str(sb, sentence(2 + rnd.nextInt(6)));
    sb.append(",\"n\":").append(rnd.nextInt(2_000_001) - 1_000_000);
    sb.append(",\"price\":").append(Math.round(rnd.nextDouble() * 100_000) / 100.0);
    sb.append(",\"ok\":").append(rnd.nextBoolean());
    sb.append(",\"tags\":[");
    int t = rnd.nextInt(4);
    for (int i = 0; i < t; i++) {
      if (i > 0) sb.append(',');
      Dump.Json.str(sb, word());
    }
    sb.append("],\"@timestamp\":\"20").append(10 + rnd.nextInt(15)).append("-0").append(1 + rnd.nextInt(9))
        .append("-1").append(rnd.nextInt(10)).append("T12:00:00Z\"");
    sb.append(",\"body\":");
    Dump.Json.str(sb, sentence(5 + rnd.nextInt(rnd.nextInt(10) == 0 ? 400 : 60)));
    sb.append('}');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A JSON object of about {@code bytes} bytes (half words, half hex noise so it stays big). */
  byte[] bigSource(String id, int bytes) {
    StringBuilder text = new StringBuilder();
    StringBuilder noise = new StringBuilder();
    while (text.length() < bytes / 2) text.append(word()).append(' ');
    while (noise.length() < bytes / 2) noise.append(Long.toHexString(rnd.nextLong()));
    StringBuilder sb = new StringBuilder(bytes + 100);
    sb.append("{\"big\":true,\"id\":");
    Dump.Json.str(sb, id);
    sb.append(",\"text\":");
    Dump.Json.str(sb, text.toString());
    sb.append(",\"noise\":\"").append(noise).append("\"}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

}
