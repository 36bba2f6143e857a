// Reads every live document's stored fields of a Lucene 8 index, the two ways Java can.
//
// Usage: java -cp lucene-core-8*.jar:. JavaRead DIR merge|document [N]
//   merge     single thread; for each leaf, ((CodecReader) leaf).getFieldsReader().getMergeInstance():
//             Lucene's sequential fast path (what segment merging uses), which decompresses each
//             chunk once and serves the following documents of the chunk from it.
//   document  the per-document path: leaf.document(doc, visitor) on the normal reader, the way
//             per-document readers (search hits, scroll-like readers) fetch stored fields; every
//             document decompresses its chunk (or the sub-blocks holding it) again.
//   N         optional: stop after N live documents (the per-document path is 30-50x slower).
// Both paths use the same visitor: it accepts every stored field (Lucene copies each value out),
// counts documents and sums the byte length of `_source`.
// Prints one JSON line {"path","docs","source_bytes","seconds"}; `seconds` covers only the read
// loop (opening the index and JVM start-up are outside it; measure the whole process outside).

import java.io.IOException;
import java.nio.file.Paths;
import java.util.Locale;
import org.apache.lucene.codecs.StoredFieldsReader;
import org.apache.lucene.index.*;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;

public class JavaRead {
    static final class Counter extends StoredFieldVisitor {
        long docs, sourceBytes, otherBytes;

        @Override public Status needsField(FieldInfo fieldInfo) { return Status.YES; }
        @Override public void binaryField(FieldInfo fi, byte[] value) {
            if (fi.name.equals("_source")) sourceBytes += value.length; else otherBytes += value.length;
        }
        @Override public void stringField(FieldInfo fi, byte[] value) { otherBytes += value.length; }
        @Override public void intField(FieldInfo fi, int value) { otherBytes += 4; }
        @Override public void longField(FieldInfo fi, long value) { otherBytes += 8; }
        @Override public void floatField(FieldInfo fi, float value) { otherBytes += 4; }
        @Override public void doubleField(FieldInfo fi, double value) { otherBytes += 8; }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || !(args[1].equals("merge") || args[1].equals("document"))) {
            System.err.println("usage: JavaRead DIR merge|document [N]");
            System.exit(2);
        }
        String path = args[1];
        long limit = args.length > 2 ? Long.parseLong(args[2]) : Long.MAX_VALUE;
        Counter v = new Counter();
        double seconds;
        try (Directory dir = FSDirectory.open(Paths.get(args[0])); DirectoryReader reader = DirectoryReader.open(dir)) {
            long t0 = System.nanoTime();
            outer:
            for (LeafReaderContext ctx : reader.leaves()) {
                LeafReader leaf = ctx.reader();
                Bits live = leaf.getLiveDocs();
                int maxDoc = leaf.maxDoc();
                if (path.equals("merge")) {
                    StoredFieldsReader fields = ((CodecReader) leaf).getFieldsReader().getMergeInstance();
                    for (int doc = 0; doc < maxDoc; doc++) {
                        if (live != null && !live.get(doc)) continue;
                        if (v.docs >= limit) break outer;
                        fields.visitDocument(doc, v);
                        v.docs++;
                    }
                } else {
                    for (int doc = 0; doc < maxDoc; doc++) {
                        if (live != null && !live.get(doc)) continue;
                        if (v.docs >= limit) break outer;
                        leaf.document(doc, v);
                        v.docs++;
                    }
                }
            }
            seconds = (System.nanoTime() - t0) / 1e9;
        }
        System.out.printf(Locale.ROOT, "{\"path\":\"%s\",\"docs\":%d,\"source_bytes\":%d,\"seconds\":%.3f}%n",
            path, v.docs, v.sourceBytes, seconds);
    }
}
