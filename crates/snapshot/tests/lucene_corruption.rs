//! Damaged Lucene files: every single-byte flip and every truncation of every Lucene file of every
//! fixture shard and of the shipped sample either fails with an error naming that file, or — where
//! the byte lies in data a full scan never uses (postings inside a compound file) — leaves the
//! documents read exactly as before. Never a panic, never different documents.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;

use lucene::{Directory, Index, MemoryDirectory, Value};

/// Every shard of every index of the newest snapshot, as (label, files).
async fn shards(repo: &Path) -> Vec<(String, Vec<(String, Vec<u8>)>)> {
    let store = blobstore::BlobStore::open(repo.to_str().unwrap(), &Default::default()).unwrap();
    let r = snapshot::Repository::open(store.clone()).await.unwrap();
    let snap = r.snapshots().last().unwrap().clone();
    let mut out = Vec::new();
    let indices: Vec<(String, snapshot::IndexEntry)> = r.indices_of(&snap).map(|(n, e)| (n.to_owned(), e.clone())).collect();
    for (name, entry) in indices {
        let meta = r.index_metadata(&snap, &name).await.unwrap();
        for shard in 0..meta.number_of_shards {
            let files = r.shard_snapshot(&snap, &entry, shard).await.unwrap();
            let dir = r.shard_path(&entry, shard).unwrap();
            let mut contents = Vec::new();
            for f in &files.files {
                let bytes = if f.is_virtual() { f.meta_hash.clone().unwrap() } else { store.read(&format!("{dir}{}", f.name)).await.unwrap().to_vec() };
                contents.push((f.physical_name.clone(), bytes));
            }
            out.push((format!("{}/{name}[{shard}]", repo.file_name().unwrap().to_string_lossy()), contents));
        }
    }
    out
}

/// Every live document's stored fields, as text.
fn dump(files: &[(String, Vec<u8>)]) -> lucene::Result<Vec<String>> {
    let mut dir = MemoryDirectory::new("mem");
    for (n, b) in files {
        dir.insert(n.clone(), b.clone());
    }
    let dir: Arc<dyn Directory> = Arc::new(dir);
    let index = Index::open(dir)?;
    let mut docs = Vec::new();
    for i in 0..index.segments().len() {
        let seg = index.open_segment(i)?;
        seg.scan(0, |doc, d| {
            let mut line = format!("{}:{doc}", seg.info.name);
            for f in d.fields() {
                let f = f?;
                let v = match f.value {
                    Value::Bytes(b) => format!("{b:?}"),
                    v => format!("{v:?}"),
                };
                line.push_str(&format!(" {}={v}", f.number));
            }
            docs.push(line);
            Ok(())
        })?;
    }
    Ok(docs)
}

fn check(label: &str, files: &[(String, Vec<u8>)], baseline: &[String], damaged_file: &str, what: &str) -> bool {
    match catch_unwind(AssertUnwindSafe(|| dump(files))) {
        Err(_) => panic!("{label}: {damaged_file} {what}: panic"),
        Ok(Ok(docs)) => {
            assert_eq!(docs, baseline, "{label}: {damaged_file} {what}: read different documents without an error");
            false
        }
        Ok(Err(e)) => {
            let msg = e.to_string();
            assert!(msg.contains(damaged_file), "{label}: {damaged_file} {what}: error does not name the file: {msg}");
            true
        }
    }
}

#[tokio::test]
async fn every_flip_and_truncation_of_every_lucene_file() {
    let mut repos = testkit::fixture_repos();
    repos.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/repo"));
    let (mut trials, mut detected, mut files_seen) = (0usize, 0usize, 0usize);
    for repo in repos {
        for (label, files) in shards(&repo).await {
            let baseline = dump(&files).unwrap_or_else(|e| panic!("{label}: {e}"));
            for i in 0..files.len() {
                let (name, original) = &files[i];
                files_seen += 1;
                let mut damaged = files.clone();
                for at in 0..original.len() {
                    damaged[i].1[at] ^= 0x01;
                    detected += usize::from(check(&label, &damaged, &baseline, name, &format!("flipped at {at}")));
                    damaged[i].1[at] ^= 0x01;
                    trials += 1;
                }
                for len in 0..original.len() {
                    damaged[i].1.truncate(len);
                    // Truncation always changes the footer position, so it must always be caught.
                    assert!(check(&label, &damaged, &baseline, name, &format!("truncated to {len}")), "{label}: {name} truncated to {len} was not detected");
                    damaged[i].1 = original.clone();
                    trials += 1;
                }
            }
        }
    }
    eprintln!("{trials} damaged variants of {files_seen} Lucene files, {detected} flips detected");
    assert!(files_seen > 60 && trials > 100_000, "{files_seen} files, {trials} trials");
}
