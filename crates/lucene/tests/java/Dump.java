// Dump every LIVE document of a Lucene index as NDJSON, plus a summary JSON.
//
//   Dump IN_DIR OUT_NDJSON [OUT_SUMMARY_JSON]
//
// One line per live document, in segment order then doc-id order:
//   {"fields":[[name,type,value],...]}      fields in stored order
// type: string | bytes | int | long | float | double; value: string -> JSON string,
// bytes -> standard base64 (with padding), int -> JSON number, long -> JSON string of the decimal,
// float -> 8 lowercase hex digits of Float.floatToRawIntBits, double -> 16 lowercase hex digits of
// Double.doubleToRawLongBits.
// Soft deletes are honoured: when a segment's field infos mark a soft-deletes field, the reader is
// wrapped in SoftDeletesDirectoryReaderWrapper(field).
//
// Shared by the Lucene 8 and Lucene 9/10 builds; version differences live in Compat.java.
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FilterCodecReader;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.SegmentReader;
import org.apache.lucene.index.SoftDeletesDirectoryReaderWrapper;
import org.apache.lucene.index.StoredFieldVisitor;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.NIOFSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.Version;

public final class Dump {
  private Dump() {}

  private static java.util.logging.Logger luceneLogger;

  /** Lucene 10 on a JDK without jdk.incubator.vector logs a WARNING at startup: keep stderr clean. */
  static void quietLogging() {
    luceneLogger = java.util.logging.Logger.getLogger("org.apache.lucene");
    luceneLogger.setLevel(java.util.logging.Level.SEVERE);
  }

  public static void main(String[] args) throws Exception {
    quietLogging();
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: Dump IN_DIR OUT_NDJSON [OUT_SUMMARY_JSON]");
      System.exit(2);
    }
    Path summary = args.length == 3 ? Paths.get(args[2]) : null;
    run(Paths.get(args[0]), Paths.get(args[1]), summary, null, null);
  }

  /** Collects one document's stored fields as pre-rendered JSON triples. */
  static final class JsonVisitor extends Compat.Visitor {
    final StringBuilder sb = new StringBuilder();
    int count;
    boolean hasId;

    void reset() {
      sb.setLength(0);
      count = 0;
      hasId = false;
    }

    private void open(FieldInfo fi, String type) {
      if (count++ > 0) sb.append(',');
      sb.append('[');
      Json.str(sb, fi.name);
      sb.append(",\"").append(type).append("\",");
      if (fi.name.equals("_id")) hasId = true;
    }

    @Override
    public Status needsField(FieldInfo fieldInfo) {
      return Status.YES;
    }

    @Override
    void onString(FieldInfo fi, String value) {
      open(fi, "string");
      Json.str(sb, value);
      sb.append(']');
    }

    @Override
    public void binaryField(FieldInfo fi, byte[] value) {
      open(fi, "bytes");
      sb.append('"').append(Base64.getEncoder().encodeToString(value)).append("\"]");
    }

    @Override
    public void intField(FieldInfo fi, int value) {
      open(fi, "int");
      sb.append(value).append(']');
    }

    @Override
    public void longField(FieldInfo fi, long value) {
      open(fi, "long");
      sb.append('"').append(value).append("\"]");
    }

    @Override
    public void floatField(FieldInfo fi, float value) {
      open(fi, "float");
      sb.append('"').append(hex(Float.floatToRawIntBits(value) & 0xffffffffL, 8)).append("\"]");
    }

    @Override
    public void doubleField(FieldInfo fi, double value) {
      open(fi, "double");
      sb.append('"').append(hex(Double.doubleToRawLongBits(value), 16)).append("\"]");
    }

    private static String hex(long v, int digits) {
      String h = Long.toHexString(v);
      StringBuilder s = new StringBuilder(digits);
      for (int i = h.length(); i < digits; i++) s.append('0');
      return s.append(h).toString();
    }
  }

  static String softDeletesField(DirectoryReader reader) {
    for (LeafReaderContext ctx : reader.leaves()) {
      for (FieldInfo fi : ctx.reader().getFieldInfos()) {
        if (fi.isSoftDeletesField()) return fi.name;
      }
    }
    return null;
  }

  /**
   * Writes the NDJSON dump (and the summary when {@code summary != null}). Returns the number of
   * live documents written.
   */
  static long run(Path indexDir, Path ndjson, Path summary, String scenario, Map<String, Object> extra)
      throws IOException {
    // NIOFSDirectory, not MMapDirectory: Lucene 10's mmap path calls restricted java.lang.foreign
    // methods, which Java 22+ warns about on stderr unless --enable-native-access is given.
    try (Directory dir = new NIOFSDirectory(indexDir)) {
      SegmentInfos sis = SegmentInfos.readLatestCommit(dir);
      DirectoryReader reader = DirectoryReader.open(dir);
      String soft = softDeletesField(reader);
      if (soft != null) reader = new SoftDeletesDirectoryReaderWrapper(reader, soft);
      try {
        Map<String, int[]> perSegment = new HashMap<>(); // name -> {live, liveWithId}
        long live = 0, liveWithId = 0, docsWithoutStoredFields = 0;
        JsonVisitor v = new JsonVisitor();
        try (Writer out = new BufferedWriter(Files.newBufferedWriter(ndjson, StandardCharsets.UTF_8), 1 << 16)) {
          for (LeafReaderContext ctx : reader.leaves()) {
            LeafReader leaf = ctx.reader();
            String segName = segmentName(leaf);
            int[] counts = perSegment.computeIfAbsent(segName, k -> new int[2]);
            Bits liveDocs = leaf.getLiveDocs();
            for (int doc = 0; doc < leaf.maxDoc(); doc++) {
              if (liveDocs != null && !liveDocs.get(doc)) continue;
              v.reset();
              Compat.visitDocument(leaf, doc, v);
              out.write("{\"fields\":[");
              out.append(v.sb);
              out.write("]}\n");
              live++;
              counts[0]++;
              if (v.hasId) {
                liveWithId++;
                counts[1]++;
              }
              if (v.count == 0) docsWithoutStoredFields++;
            }
          }
        }
        if (live != reader.numDocs()) {
          throw new IllegalStateException("dumped " + live + " docs but numDocs=" + reader.numDocs());
        }
        if (summary != null) {
          writeSummary(dir, sis, perSegment, live, liveWithId, docsWithoutStoredFields, soft, scenario, extra, summary);
        }
        return live;
      } finally {
        reader.close();
      }
    }
  }

  static String segmentName(LeafReader leaf) {
    LeafReader r = leaf;
    while (true) {
      if (r instanceof SegmentReader) return ((SegmentReader) r).getSegmentName();
      if (r instanceof FilterLeafReader) r = FilterLeafReader.unwrap(r);
      else if (r instanceof FilterCodecReader) r = FilterCodecReader.unwrap((FilterCodecReader) r);
      else throw new IllegalStateException("not a segment reader: " + r.getClass());
    }
  }

  private static void writeSummary(Directory dir, SegmentInfos sis, Map<String, int[]> perSegment,
      long live, long liveWithId, long docsWithoutStoredFields, String soft, String scenario,
      Map<String, Object> extra, Path out) throws IOException {
    Map<String, Object> top = new java.util.LinkedHashMap<>();
    top.put("lucene_version", Version.LATEST.toString());
    if (scenario != null) top.put("scenario", scenario);
    if (extra != null) top.putAll(extra);
    String codec = sis.size() > 0 ? sis.info(0).info.getCodec().getName() : null;
    top.put("codec", codec);
    top.put("segments_file", sis.getSegmentsFileName());
    top.put("segment_count", sis.size());
    long maxDoc = 0, hard = 0, softDel = 0;
    List<Object> segs = new ArrayList<>();
    for (SegmentCommitInfo sci : sis) {
      Map<String, Object> s = new java.util.LinkedHashMap<>();
      int[] counts = perSegment.getOrDefault(sci.info.name, new int[2]);
      s.put("name", sci.info.name);
      s.put("max_doc", sci.info.maxDoc());
      s.put("del_count", sci.getDelCount());
      s.put("soft_del_count", sci.getSoftDelCount());
      s.put("live_docs", counts[0]);
      s.put("live_docs_with_id", counts[1]);
      s.put("del_gen", sci.getDelGen());
      s.put("field_infos_gen", sci.getFieldInfosGen());
      s.put("doc_values_gen", sci.getDocValuesGen());
      s.put("compound", sci.info.getUseCompoundFile());
      s.put("codec", sci.info.getCodec().getName());
      s.put("version", String.valueOf(sci.info.getVersion()));
      s.put("attributes", new TreeMap<>(sci.info.getAttributes()));
      List<String> files = new ArrayList<>(sci.files());
      java.util.Collections.sort(files);
      s.put("files", files);
      segs.add(s);
      maxDoc += sci.info.maxDoc();
      hard += sci.getDelCount();
      softDel += sci.getSoftDelCount();
      if (codec != null && !codec.equals(sci.info.getCodec().getName())) top.put("codec", "mixed");
    }
    top.put("max_doc", maxDoc);
    top.put("num_deleted_docs", maxDoc - live);
    top.put("hard_deleted_docs", hard);
    top.put("soft_deleted_docs", softDel);
    top.put("live_docs", live);
    top.put("live_docs_with_id", liveWithId);
    top.put("live_docs_without_stored_fields", docsWithoutStoredFields);
    top.put("soft_deletes_field", soft);
    top.put("segments", segs);
    String[] all = dir.listAll();
    Arrays.sort(all);
    top.put("files", Arrays.asList(all));
    StringBuilder sb = new StringBuilder();
    Json.value(sb, top, "");
    sb.append('\n');
    Files.write(out, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Minimal JSON rendering (no dependency). */
  static final class Json {
    static void str(StringBuilder sb, String s) {
      sb.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"': sb.append("\\\""); break;
          case '\\': sb.append("\\\\"); break;
          case '\n': sb.append("\\n"); break;
          case '\r': sb.append("\\r"); break;
          case '\t': sb.append("\\t"); break;
          case '\b': sb.append("\\b"); break;
          case '\f': sb.append("\\f"); break;
          default:
            if (c < 0x20 || Character.isSurrogate(c) && !validSurrogate(s, i)) {
              sb.append(String.format("\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
        }
      }
      sb.append('"');
    }

    private static boolean validSurrogate(String s, int i) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
      return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    @SuppressWarnings("unchecked")
    static void value(StringBuilder sb, Object o, String indent) {
      if (o == null) {
        sb.append("null");
      } else if (o instanceof String) {
        str(sb, (String) o);
      } else if (o instanceof Number || o instanceof Boolean) {
        sb.append(o);
      } else if (o instanceof Map) {
        Map<String, Object> m = (Map<String, Object>) o;
        if (m.isEmpty()) {
          sb.append("{}");
          return;
        }
        sb.append("{\n");
        int i = 0;
        for (Map.Entry<String, Object> e : m.entrySet()) {
          sb.append(indent).append("  ");
          str(sb, e.getKey());
          sb.append(": ");
          value(sb, e.getValue(), indent + "  ");
          sb.append(++i < m.size() ? ",\n" : "\n");
        }
        sb.append(indent).append('}');
      } else if (o instanceof List) {
        List<Object> l = (List<Object>) o;
        boolean flat = l.stream().allMatch(x -> !(x instanceof Map) && !(x instanceof List));
        if (flat) {
          sb.append('[');
          for (int i = 0; i < l.size(); i++) {
            if (i > 0) sb.append(", ");
            value(sb, l.get(i), indent);
          }
          sb.append(']');
        } else {
          sb.append("[\n");
          for (int i = 0; i < l.size(); i++) {
            sb.append(indent).append("  ");
            value(sb, l.get(i), indent + "  ");
            sb.append(i + 1 < l.size() ? ",\n" : "\n");
          }
          sb.append(indent).append(']');
        }
      } else {
        str(sb, o.toString());
      }
    }
  }
}
