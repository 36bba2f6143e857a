//! Test helpers: where the shared fixtures are, and in-memory copies of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use blobstore::BlobStore;

/// `../shared` beside the checkout (override with FERRY_SHARED).
pub fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("FERRY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    assert!(dir.join("fixtures/snapshots").is_dir(), "shared fixtures not found at {}; set FERRY_SHARED", dir.display());
    dir
}

/// Every fixture repository, sorted by name.
pub fn fixture_repos() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(shared_dir().join("fixtures/snapshots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    assert!(v.len() >= 6, "expected at least 6 fixture repositories, found {}", v.len());
    v
}

/// Every file under `root`, as (relative path with `/`, bytes), sorted.
pub fn files_under(root: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// A `memory://` store holding a copy of a fixture repository, and the files copied.
pub async fn memory_copy(repo: &Path) -> (BlobStore, Vec<(String, Vec<u8>)>) {
    let store = BlobStore::open("memory://", &Default::default()).unwrap();
    let files = files_under(repo);
    for (path, bytes) in &files {
        store.operator().write(path, bytes.clone()).await.unwrap();
    }
    (store, files)
}
