//! `BlobStore::pending_uploads` / `abort_upload` against real S3 servers. The uploads are made,
//! and checked afterwards, by an independent client (boto3, which comes with moto): moto lists
//! exactly the uploads under the repository's prefix (not a sibling prefix's, not the bucket
//! root's) and they are aborted; s3s-fs, which does not implement ListMultipartUploads but
//! verifies every signature, says so — and refuses a wrong secret with an error that names the
//! host and not the secret.

use std::time::{Duration, SystemTime};

use blobstore::{BlobStore, Error, Options, PendingUpload, PendingUploads};

fn keys(access: &str, secret: &str) -> Options {
    Options { access_key_id: Some(access.into()), secret_access_key: Some(secret.into()), ..Default::default() }
}

fn listed(p: PendingUploads) -> Vec<PendingUpload> {
    match p {
        PendingUploads::Listed(v) => v,
        PendingUploads::Unsupported(why) => panic!("expected a listing, got Unsupported({why})"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_lists_exactly_the_repository_uploads_page_by_page_and_aborts_them() {
    let moto = testkit::MotoServer::start();
    moto.create_bucket("dest");
    let inside = moto.start_uploads("dest", &["repo/index-3:0", "repo/indices/x/0/__abc:1", "repo/indices/x/0/__abc:0", "repo/indices/y/1/__def:2", "repo/snap-1.dat:0"]);
    let outside = moto.start_uploads("dest", &["repo2/indices/x/0/__abc:1", "repo2/index-0:0", "repository:0", "repo:0", "root-blob:0"]);
    assert_eq!(inside.len(), 5);
    assert_eq!(outside.len(), 5);

    let store = BlobStore::open(&format!("s3://dest/repo?endpoint={}&region=us-east-1", moto.endpoint()), &keys("AKIDFERRY", "ferry-secret")).unwrap();
    // moto ignores max-uploads (it answers everything in one page); the page size still goes out
    // on the wire, and pagination itself is proven against blobstore's own fake server.
    let found = listed(store.pending_uploads_paged(2).await.unwrap());
    // moto reports one fixed initiation time for every upload.
    let initiated = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_289_422_113));
    let mut expected: Vec<PendingUpload> = inside
        .iter()
        .map(|(k, id)| PendingUpload { path: k.strip_prefix("repo/").unwrap().to_owned(), upload_id: Some(id.clone()), initiated })
        .collect();
    expected.sort_by(|a, b| (&a.path, &a.upload_id).cmp(&(&b.path, &b.upload_id)));
    assert_eq!(found, expected);
    assert_eq!(found.iter().filter(|u| u.path == "indices/x/0/__abc").count(), 2);

    // The whole bucket, as a store without a prefix: every upload, keys as paths.
    let bucket = BlobStore::open(&format!("s3://dest?endpoint={}&region=us-east-1", moto.endpoint()), &keys("AKIDFERRY", "ferry-secret")).unwrap();
    let all: Vec<(String, String)> = listed(bucket.pending_uploads().await.unwrap()).into_iter().map(|u| (u.path, u.upload_id.unwrap())).collect();
    let mut both: Vec<(String, String)> = inside.iter().chain(&outside).cloned().collect();
    both.sort();
    assert_eq!(all, both);

    for u in &found {
        store.abort_upload(u).await.unwrap();
    }
    // Already gone (NoSuchUpload): not an error.
    store.abort_upload(&found[0]).await.unwrap();
    assert_eq!(moto.uploads("dest"), outside);
    assert_eq!(store.pending_uploads().await.unwrap(), PendingUploads::Listed(vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3s_fs_does_not_list_uploads_and_a_wrong_secret_names_the_host_not_the_secret() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("dest/repo")).unwrap();
    let server = testkit::S3Server::start(root.path());
    let url = format!("s3://dest/repo?endpoint={}&region=us-east-1", server.endpoint());

    let store = BlobStore::open(&url, &keys(server.access_key, server.secret_key)).unwrap();
    assert_eq!(store.pending_uploads().await.unwrap(), PendingUploads::Unsupported("the server does not implement ListMultipartUploads".into()));

    let wrong = BlobStore::open(&url, &keys(server.access_key, "not-the-secret-key")).unwrap();
    let e = wrong.pending_uploads().await.unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, Error::PermissionDenied { .. }), "{text}");
    let host = format!("127.0.0.1:{}", server.port);
    assert!(text.starts_with(&format!("s3://dest/repo: access denied (ListMultipartUploads at {host} → 403 SignatureDoesNotMatch")), "{text}");
    assert!(!text.contains("not-the-secret-key") && !text.contains(server.secret_key), "{text}");
}
