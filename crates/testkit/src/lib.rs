//! Test support shared by ferry's crates (dev-dependency only): the shared fixture repositories,
//! in-memory copies of them, and a real S3 server (s3s-fs, which verifies SigV4) on 127.0.0.1.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use blobstore::BlobStore;

pub mod http;

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
        .expect("fixtures/snapshots is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    assert!(v.len() >= 6, "expected at least 6 fixture repositories, found {}", v.len());
    v
}

/// The facts file the fixtures README describes for one repository.
pub fn facts_path(repo: &Path) -> PathBuf {
    let name = repo.file_name().expect("fixture has a name").to_string_lossy().into_owned();
    shared_dir().join(format!("fixtures/expected/{name}.facts.json"))
}

/// Every file under `root`, as (relative path with `/`, bytes), sorted by path.
pub fn files_under(root: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).expect("readable directory") {
            let p = e.expect("directory entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read(&p).expect("readable file")));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Write `files` (as from [`files_under`]) below `root`, creating folders.
pub fn write_files(root: &Path, files: &[(String, Vec<u8>)]) {
    for (rel, bytes) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("has a parent")).expect("create folder");
        std::fs::write(&p, bytes).expect("write file");
    }
}

/// A `memory://` store holding a copy of a fixture repository, and the files copied.
pub async fn memory_copy(repo: &Path) -> (BlobStore, Vec<(String, Vec<u8>)>) {
    let store = BlobStore::open("memory://", &Default::default()).expect("memory store");
    let files = files_under(repo);
    for (path, bytes) in &files {
        store.operator().write(path, bytes.clone()).await.expect("memory write");
    }
    (store, files)
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port").local_addr().expect("local addr").port()
}

/// Wait until a server accepts TCP connections on 127.0.0.1:`port`. A TCP probe, not an HTTP
/// request: readiness must not depend on authentication (and moto counts, and may refuse,
/// unauthenticated requests).
fn wait_for_port(port: u16, server: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{server} did not start listening on port {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An s3s-fs server on 127.0.0.1 serving `root` (buckets are its sub-folders). Stopped on drop.
pub struct S3Server {
    child: Child,
    pub port: u16,
    pub access_key: &'static str,
    pub secret_key: &'static str,
}

impl S3Server {
    pub fn start(root: &Path) -> S3Server {
        let bin = s3s_fs_binary();
        let port = free_port();
        let (access_key, secret_key) = ("FERRYTESTAK", "ferry-test-secret-key");
        let child = Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--access-key", access_key, "--secret-key", secret_key])
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let server = S3Server { child, port, access_key, secret_key };
        wait_for_port(port, "s3s-fs", Duration::from_secs(20));
        server
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A moto S3 server (≥ 5.2.5, which `.ci/run` installs with pip) on 127.0.0.1: a second,
/// independent S3 implementation (in memory, multipart ETags `"md5-N"`, any credentials).
/// Stopped on drop.
pub struct MotoServer {
    child: Child,
    pub port: u16,
}

impl MotoServer {
    pub fn start() -> MotoServer {
        let port = free_port();
        // `python3 -m moto.server` works wherever pip put moto, even before a shim or PATH
        // entry for the `moto_server` script exists.
        let mut cmd = match std::env::var_os("MOTO_SERVER_BIN") {
            Some(bin) => Command::new(bin),
            None => {
                let mut c = Command::new("python3");
                c.args(["-m", "moto.server"]);
                c
            }
        };
        let child = cmd
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start moto ({e}); install it with pip install 'moto[server]>=5.2.5' (as .ci/run does)"));
        let server = MotoServer { child, port };
        wait_for_port(port, "moto", Duration::from_secs(30));
        server
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Create a bucket (moto starts empty; ferry never creates buckets).
    pub fn create_bucket(&self, name: &str) {
        use std::io::{Read, Write};
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        write!(s, "PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", self.port).expect("send");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("read");
        assert!(resp.starts_with("HTTP/1.1 200"), "moto refused to create bucket {name}: {resp}");
    }
}

impl MotoServer {
    /// Start a multipart upload in `bucket` for each `key:parts` spec, uploading that many
    /// 1 KiB parts, with an independent client (boto3, which comes with moto). Returns the
    /// `(key, upload id)` pairs, sorted.
    pub fn start_uploads(&self, bucket: &str, specs: &[&str]) -> Vec<(String, String)> {
        const CREATE: &str = r#"
for arg in sys.argv[3:]:
    key, parts = arg.rsplit(':', 1)
    uid = s3.create_multipart_upload(Bucket=sys.argv[2], Key=key)['UploadId']
    for n in range(1, int(parts) + 1):
        s3.upload_part(Bucket=sys.argv[2], Key=key, UploadId=uid, PartNumber=n, Body=b'x' * 1024)
    print(key + '\t' + uid)
"#;
        let mut args = vec![bucket];
        args.extend_from_slice(specs);
        self.boto(CREATE, &args)
    }

    /// Every multipart upload in `bucket` as boto3 lists it: `(key, upload id)`, sorted.
    pub fn uploads(&self, bucket: &str) -> Vec<(String, String)> {
        const LIST: &str = r#"
r = s3.list_multipart_uploads(Bucket=sys.argv[2])
assert not r.get('IsTruncated')
for u in r.get('Uploads', []):
    print(u['Key'] + '\t' + u['UploadId'])
"#;
        self.boto(LIST, &[bucket])
    }

    /// Run a boto3 script (path-style, fixed test keys; `s3` is the client, `sys.argv[2..]` the
    /// arguments) that prints one `key<TAB>upload id` line per upload.
    fn boto(&self, script: &str, args: &[&str]) -> Vec<(String, String)> {
        let prelude = "import sys, boto3\nfrom botocore.config import Config\n\
            s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='AKIDBOTO', \
            aws_secret_access_key='boto-secret', config=Config(s3={'addressing_style': 'path'}))";
        let out = Command::new("python3")
            .arg("-c")
            .arg(format!("{prelude}{script}"))
            .arg(self.endpoint())
            .args(args)
            .env_remove("AWS_CA_BUNDLE")
            .output()
            .expect("python3 runs (boto3 comes with moto, which .ci/run installs)");
        assert!(out.status.success(), "boto3 failed: {}", String::from_utf8_lossy(&out.stderr));
        let mut lines: Vec<(String, String)> = String::from_utf8(out.stdout)
            .expect("utf-8")
            .lines()
            .map(|l| {
                let (k, id) = l.split_once('\t').expect("key<TAB>upload id");
                (k.to_owned(), id.to_owned())
            })
            .collect();
        lines.sort();
        lines
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `S3S_FS_BIN`, else `s3s-fs` on PATH, else cargo's bin folder. `.ci/run` installs it.
fn s3s_fs_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("S3S_FS_BIN") {
        return PathBuf::from(p);
    }
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("s3s-fs")).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME").or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo").into())) {
        candidates.push(Path::new(&home).join("bin/s3s-fs"));
    }
    candidates.into_iter().find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("s3s-fs not found: install it with `cargo install s3s-fs@0.14.1 --features binary --locked` (as .ci/run does) or set S3S_FS_BIN")
    })
}
