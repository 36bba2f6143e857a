//! Print every live document of one snapshotted shard, field by field (debugging aid).
//! Usage: dump_shard REPO SNAPSHOT INDEX SHARD

use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [repo, snap, index, shard] = <[String; 4]>::try_from(args).map_err(|_| "usage: dump_shard REPO SNAPSHOT INDEX SHARD")?;
    let shard: u32 = shard.parse()?;
    let rt = tokio::runtime::Runtime::new()?;
    let dir = rt.block_on(async {
        let store = blobstore::BlobStore::open(&repo, &Default::default())?;
        let repo = snapshot::Repository::open(store.clone()).await?;
        let s = repo.snapshot(&snap)?.clone();
        let ie = repo.index_of(&s, &index)?.clone();
        let ss = repo.shard_snapshot(&s, &ie, shard).await?;
        let path = repo.shard_path(&ie, shard)?;
        Ok::<_, Box<dyn std::error::Error>>(snapshot::ShardDirectory::new(store, path, &ss, rt.handle().clone())?)
    })?;
    let index = lucene::Index::open(Arc::new(dir))?;
    println!("commit {} format {} lucene {}", index.commit().file, index.commit().format, index.commit().lucene_version);
    for i in 0..index.segments().len() {
        let seg = index.open_segment(i)?;
        println!(
            "segment {} codec {} version {} maxDoc {} live {} compression {:?}",
            seg.info.name,
            seg.commit.codec,
            seg.info.version,
            seg.max_doc(),
            seg.num_live(),
            seg.stored_fields().compression()
        );
        let stats = seg.scan(0, |doc, d| {
            let mut parts = Vec::new();
            for f in d.fields() {
                let f = f?;
                let name = seg.fields.by_number(f.number).map(|x| x.name.as_str()).unwrap_or("?");
                let v = match f.value {
                    lucene::Value::Bytes(b) => format!("{:?}", String::from_utf8_lossy(b)),
                    v => format!("{v:?}"),
                };
                parts.push(format!("{name}={v}"));
            }
            println!("  doc {doc}: {}", parts.join(" "));
            Ok(())
        })?;
        println!("  {stats:?}");
    }
    Ok(())
}
