// Writes small Elasticsearch-shaped Lucene 8 shards for ferry's sample repository.
// Usage: java -cp lucene-core.jar:. WriteShards OUT_DIR
// For each index/shard it writes two commits (copied to commit1/ and commit2/): the second adds
// documents, updates one and deletes one, so a second snapshot of it is incremental.
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.store.*;
import org.apache.lucene.util.BytesRef;

public class WriteShards {
    // ES Uid.encodeId for ids that are neither numeric nor URL-safe base64: 0xFF + UTF-8.
    static BytesRef encodeId(String id) {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[utf8.length + 1];
        out[0] = (byte) 0xFF;
        System.arraycopy(utf8, 0, out, 1, utf8.length);
        return new BytesRef(out);
    }

    static Document doc(String index, int shard, int n, int version) {
        String id = index + "." + shard + "." + n;
        String source = "{\"title\":\"Document " + n + " of " + index + "\",\"shard\":" + shard
            + ",\"n\":" + n + ",\"version\":" + version + ",\"tags\":[\"sample\",\"t" + (n % 3) + "\"]}";
        Document d = new Document();
        d.add(new StringField("_id", encodeId(id), Field.Store.YES));
        d.add(new StoredField("_source", new BytesRef(source.getBytes(StandardCharsets.UTF_8))));
        if (n % 4 == 0) d.add(new StringField("_routing", "user" + (n % 2), Field.Store.YES));
        return d;
    }

    static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
            for (Path f : files) {
                if (f.getFileName().toString().equals("write.lock")) continue;
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args[0]);
        String[][] indices = {{"articles", "2"}, {"logs-2024.03.22", "1"}};
        for (String[] spec : indices) {
            String index = spec[0];
            int shards = Integer.parseInt(spec[1]);
            for (int shard = 0; shard < shards; shard++) {
                Path work = out.resolve("work").resolve(index).resolve(Integer.toString(shard));
                try (Directory dir = FSDirectory.open(work)) {
                    IndexWriterConfig cfg = new IndexWriterConfig().setUseCompoundFile(true);
                    try (IndexWriter w = new IndexWriter(dir, cfg)) {
                        for (int n = 0; n < 5; n++) w.addDocument(doc(index, shard, n, 1));
                        w.commit();
                        copy(work, out.resolve(index).resolve(Integer.toString(shard)).resolve("commit1"));
                        for (int n = 5; n < 8; n++) w.addDocument(doc(index, shard, n, 1));
                        w.updateDocument(new Term("_id", encodeId(index + "." + shard + ".1")), doc(index, shard, 1, 2));
                        w.deleteDocuments(new Term("_id", encodeId(index + "." + shard + ".2")));
                        w.commit();
                        copy(work, out.resolve(index).resolve(Integer.toString(shard)).resolve("commit2"));
                    }
                }
            }
        }
    }
}
