// Lucene 9.9 / 10.x side of the version shim used by ../Writer.java and ../Dump.java.
// Compiled with `javac --release 17` against the Lucene 9.9.1 core classes; the same class files
// run on Lucene 10.5.1 (Java 25): only APIs present in both are used, and the default codec
// (Lucene99Codec in 9.9, Lucene104Codec in 10.5) is chosen by reflection.
import java.io.IOException;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.StoredFieldVisitor;

final class Compat {
  private Compat() {}

  /** The default codec of this Lucene line, built through its (Mode) constructor. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Codec codec(boolean bestCompression) {
    Class<? extends Codec> cls = Codec.getDefault().getClass();
    try {
      Class mode = Class.forName(cls.getName() + "$Mode", true, cls.getClassLoader());
      Object m = Enum.valueOf(mode, bestCompression ? "BEST_COMPRESSION" : "BEST_SPEED");
      return cls.getConstructor(mode).newInstance(m);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + cls.getName() + "(Mode)", e);
    }
  }

  static void visitDocument(LeafReader reader, int doc, StoredFieldVisitor visitor) throws IOException {
    reader.storedFields().document(doc, visitor);
  }

  abstract static class Visitor extends StoredFieldVisitor {
    abstract void onString(FieldInfo fieldInfo, String value);

    @Override
    public void stringField(FieldInfo fieldInfo, String value) throws IOException {
      onString(fieldInfo, value);
    }
  }
}
