// Lucene 8 side of the version shim used by ../Writer.java and ../Dump.java.
// Compiled together with them against lucene-core-8*.jar (Debian liblucene8-java).
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.lucene87.Lucene87Codec;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.StoredFieldVisitor;

final class Compat {
  private Compat() {}

  /** The default codec of this Lucene line with stored fields in BEST_SPEED or BEST_COMPRESSION. */
  static Codec codec(boolean bestCompression) {
    return new Lucene87Codec(
        bestCompression ? Lucene87Codec.Mode.BEST_COMPRESSION : Lucene87Codec.Mode.BEST_SPEED);
  }

  static void visitDocument(LeafReader reader, int doc, StoredFieldVisitor visitor) throws IOException {
    reader.document(doc, visitor);
  }

  /** Lucene 8 hands stored strings over as UTF-8 bytes; 9+ as a String. */
  abstract static class Visitor extends StoredFieldVisitor {
    abstract void onString(FieldInfo fieldInfo, String value);

    @Override
    public void stringField(FieldInfo fieldInfo, byte[] value) throws IOException {
      onString(fieldInfo, new String(value, StandardCharsets.UTF_8));
    }
  }
}
