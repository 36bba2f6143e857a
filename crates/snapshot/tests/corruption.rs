//! Every single-byte corruption and every truncation of every checksummed metadata blob of every
//! fixture repository is rejected, through the same `Repository` calls `ferry inspect` uses, with an
//! error naming that blob.

use snapshot::{IndexEntry, Repository, SnapshotEntry};

/// Which repository call reads a blob.
enum Kind {
    RootSnap,
    RootMeta,
    IndexMeta(String),
    ShardSnap(String, u32),
    ShardIndex(String, u32),
}

fn classify(repo: &Repository, path: &str) -> Option<Kind> {
    let parts: Vec<&str> = path.split('/').collect();
    let name_of = |id: &str| repo.data().indices.iter().find(|(_, e)| e.id == id).map(|(n, _)| n.clone());
    match parts.as_slice() {
        [f] if f.starts_with("snap-") => Some(Kind::RootSnap),
        [f] if f.starts_with("meta-") => Some(Kind::RootMeta),
        ["indices", id, f] if f.starts_with("meta-") => Some(Kind::IndexMeta(name_of(id)?)),
        ["indices", id, shard, f] if f.starts_with("snap-") => Some(Kind::ShardSnap(name_of(id)?, shard.parse().ok()?)),
        ["indices", id, shard, f] if f.starts_with("index-") => Some(Kind::ShardIndex(name_of(id)?, shard.parse().ok()?)),
        _ => None,
    }
}

async fn read(repo: &Repository, snap: &SnapshotEntry, kind: &Kind) -> Result<(), snapshot::Error> {
    let entry = |name: &str| -> &IndexEntry { &repo.data().indices[name] };
    match kind {
        Kind::RootSnap => repo.snapshot_info(snap).await.map(drop),
        Kind::RootMeta => repo.global_metadata(snap).await.map(drop),
        Kind::IndexMeta(name) => repo.index_metadata(snap, name).await.map(drop),
        Kind::ShardSnap(name, shard) => repo.shard_snapshot(snap, entry(name), *shard).await.map(drop),
        Kind::ShardIndex(name, shard) => repo.shard_index(entry(name), *shard).await.map(drop),
    }
}

#[tokio::test]
async fn every_flip_and_truncation_of_every_metadata_blob_is_named() {
    let mut total_flips = 0usize;
    let mut total_blobs = 0usize;
    for fixture in testkit::fixture_repos() {
        let (store, files) = testkit::memory_copy(&fixture).await;
        let repo = Repository::open(store.clone()).await.unwrap();
        let snap = repo.snapshots()[0].clone();
        let mut seen_kinds = [0usize; 5];
        for (path, original) in &files {
            let Some(kind) = classify(&repo, path) else { continue };
            seen_kinds[match kind {
                Kind::RootSnap => 0,
                Kind::RootMeta => 1,
                Kind::IndexMeta(_) => 2,
                Kind::ShardSnap(..) => 3,
                Kind::ShardIndex(..) => 4,
            }] += 1;
            // Only the current shard generation is read; stale ones (ES 6.8 keeps index-0 next to
            // index-1) are verified by reading them directly below.
            if let Kind::ShardIndex(name, shard) = &kind {
                let (current, _) = repo.shard_index(&repo.data().indices[name], *shard).await.unwrap();
                if &current != path {
                    continue;
                }
            }
            total_blobs += 1;
            read(&repo, &snap, &kind).await.unwrap_or_else(|e| panic!("{path} should read cleanly: {e}"));
            let location = store.location(path);
            let check = |bytes: Vec<u8>, what: String| {
                let store = store.clone();
                let location = location.clone();
                let (repo, snap, kind) = (&repo, &snap, &kind);
                async move {
                    store.operator().write(path, bytes).await.unwrap();
                    match read(repo, snap, kind).await {
                        Ok(()) => panic!("{what} of {location} went unnoticed"),
                        Err(e) => {
                            let msg = e.to_string();
                            assert!(msg.contains(&location), "{what}: error does not name {location}: {msg}");
                        }
                    }
                }
            };
            for offset in 0..original.len() {
                for mask in [0xFFu8, 0x01] {
                    let mut b = original.clone();
                    b[offset] ^= mask;
                    check(b, format!("flip {mask:#04x} at byte {offset}")).await;
                    total_flips += 1;
                }
            }
            for len in 0..original.len() {
                check(original[..len].to_vec(), format!("truncation to {len} bytes")).await;
            }
            store.operator().write(path, original.clone()).await.unwrap();
        }
        assert!(seen_kinds.iter().all(|&n| n > 0), "{}: some blob kind was never exercised: {seen_kinds:?}", fixture.display());
    }
    assert!(total_blobs >= 30, "only {total_blobs} blobs checked");
    eprintln!("checked {total_flips} single-byte flips over {total_blobs} metadata blobs");
}

#[tokio::test]
async fn stale_shard_generations_are_checksummed_too() {
    use snapshot::framing::{decode, Codec};
    for fixture in testkit::fixture_repos() {
        let (_, files) = testkit::memory_copy(&fixture).await;
        for (path, bytes) in files.iter().filter(|(p, _)| p.starts_with("indices/") && p.rsplit('/').next().unwrap().starts_with("index-")) {
            decode(bytes, Codec::ShardSnapshots).unwrap_or_else(|e| panic!("{path}: {e}"));
            let mut b = bytes.clone();
            b[bytes.len() / 2] ^= 0x10;
            assert!(decode(&b, Codec::ShardSnapshots).is_err(), "{path}");
        }
    }
}

/// `index-N` is plain JSON without a checksum (ES's format): truncations are caught by the JSON
/// parser, and the name/uuid cross-check against `snap-*.dat` catches edits to those.
#[tokio::test]
async fn truncated_or_inconsistent_repository_data_is_named() {
    for fixture in testkit::fixture_repos() {
        let (store, files) = testkit::memory_copy(&fixture).await;
        let gen = Repository::open(store.clone()).await.unwrap().generation();
        let path = format!("index-{gen}");
        let original = files.iter().find(|(p, _)| *p == path).unwrap().1.clone();
        let content_end = original.iter().rposition(|b| !b.is_ascii_whitespace()).unwrap() + 1;
        for len in 0..content_end {
            store.operator().write(&path, original[..len].to_vec()).await.unwrap();
            let e = Repository::open(store.clone()).await.expect_err(&format!("{path} truncated to {len} bytes"));
            assert!(e.to_string().contains(&store.location(&path)), "{e}");
        }
        // A renamed snapshot no longer matches its SnapshotInfo.
        let text = String::from_utf8(original.clone()).unwrap();
        store.operator().write(&path, text.replacen("\"name\":\"", "\"name\":\"x", 1).into_bytes()).await.unwrap();
        let repo = Repository::open(store.clone()).await.unwrap();
        let e = repo.snapshot_info(&repo.snapshots()[0]).await.unwrap_err().to_string();
        assert!(e.contains("snap-") && e.contains(&format!("but index-{gen} lists")), "{e}");
    }
}
