#!/usr/bin/env bash
# Copy benchmark: `ferry copy` vs `rclone copy` between two local S3 servers.
#
#   bench/copy/run.sh [--json] [--prepare-only]
#
# Corpus (written once, then reused): make_corpus.py (this folder) writes a snapshot-repository-
# shaped tree of >= FERRY_BENCH_COPY_OBJECTS objects and >= FERRY_BENCH_COPY_BYTES bytes (defaults
# 5,000 and 2 GiB) straight into an s3s-fs root folder, bucket `repo`: the real repository
# samples/repo unchanged (root index-1, index.latest, snap-*/meta-*, 2 indices), plus generated
# indices/<id>/<shard>/ folders holding per-shard snap-*.dat / index-* and per-index meta-*.dat
# metadata blobs, and data blobs __<uuid> of mixed sizes (log-uniform: most 1-64 KiB, a few
# hundred 1-16 MiB, ~45 % of the bytes in a handful of 64-256 MiB blobs; random, incompressible
# contents). With the defaults (seed 1): 10 generated indices / 31 shards; 4,623 small blobs (71 MB),
# 195 medium (1.11 GB), 6 large (111-255 MB, 966 MB), 144 metadata blobs, + samples/repo's 32 files.
# It also writes s3s-fs's per-object ETag sidecar (.bucket-*.object-*.internal.json), as s3s-fs
# does for objects it receives itself: without it s3s-fs would MD5 the whole file on every GET and
# HEAD of a seeded object. ferry copy only needs the tree to look like a repository (a root
# index-N / index.latest); it lists the whole source and copies everything, in phase order.
# The corpus is reused when its COMPLETE.json marker (written last) names the same generator
# (hash of make_corpus.py + samples/repo), byte and object targets and seed.
#
# Servers (s3s-fs 0.14.1 and, optionally, moto; see ../shared/docs/test-infra.md): the SOURCE is
# `s3s-fs --host 127.0.0.1 --port P --access-key AK --secret-key SK <corpus root>` (plain files).
# The DESTINATION (FERRY_BENCH_COPY_DEST) is by default a second s3s-fs with a fresh, empty root
# folder in the work dir (written to disk; deleted after each tool's pass): s3s-fs is a compiled
# server that streams to files, so a 2 GiB copy measures the tools rather than the server. moto
# (FERRY_BENCH_COPY_DEST=moto: `python3 -m moto.server`, in memory, one fresh server per tool and
# pass) also works, but it is a Python server that MD5s and buffers every body under the GIL: it
# caps both tools at its own speed and holds the whole copy in RAM, so it is not the default.
# Both servers run with nodelay.c (this folder) preloaded (LD_PRELOAD), which sets TCP_NODELAY on
# every accepted connection: s3s-fs 0.14.1 does not, so on a kept-alive connection every GET
# response's body waited ~44 ms for the client's delayed ACK (Nagle), while a HEAD took 0.4 ms.
# That stall penalised every GET (ferry's re-run reads the last 16 bytes of each data blob with a
# ranged GET, rclone's re-run only HEADs) and is not how S3 front ends behave. FERRY_BENCH_COPY_
# NODELAY=0 runs the servers as they are.
# Each destination server is started fresh for each tool in each pass, with the bucket `copy-dst`
# already created, so every full copy goes into an empty bucket; its re-runs follow on the same
# server. Both tools use the same keys on both servers (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for
# ferry; the rclone config below), path-style addressing, region us-east-1.
#
# Measurement. Commands, with T = FERRY_BENCH_COPY_TRANSFERS (default 8):
#   ferry copy 's3://repo?endpoint=http://127.0.0.1:SRC&region=us-east-1&path_style=true' \
#              's3://copy-dst?endpoint=http://127.0.0.1:DST&region=us-east-1&path_style=true' \
#              --transfers T [--size-only | --checksum] -o json -q $FERRY_BENCH_FERRY_ARGS
#     (ferry's defaults: --part-size 16M, 4 parts in flight per object)
#   env -u AWS_CA_BUNDLE rclone --config CONF copy src:repo dst:copy-dst --transfers T --checkers T
#       [--size-only | --checksum] $FERRY_BENCH_RCLONE_ARGS --use-json-log -v --stats 1h
#     (default FERRY_BENCH_RCLONE_ARGS: --s3-upload-cutoff 16M --s3-chunk-size 16M
#      --s3-upload-concurrency 4 --s3-no-check-bucket, i.e. ferry's multipart scheme: multipart
#      above 16 MiB in 16 MiB parts, 4 in flight per object; rclone's own defaults are a 200 MiB
#      cutoff and 5 MiB chunks. CONF: remotes `src` and `dst`, type = s3, provider = Other, keys,
#      endpoint, region = us-east-1, force_path_style = true, and for a moto destination
#      no_head = true (= --s3-no-head). The two remotes have different names, so rclone streams
#      every object through itself (no server-side copy; the script checks its log for one.)
#      AWS_CA_BUNDLE is unset for rclone only: this rclone build rejects the image's value.)
# Rows, for each tool: "full" = full copy into the empty bucket, then the unchanged re-runs
# FERRY_BENCH_COPY_RERUNS (default "default size-only checksum"): "default" = each tool's default
# comparison (ferry: size + last 16 bytes of data blobs, whole contents of metadata blobs, i.e. a
# HEAD on the destination and a ranged GET on each side per data blob; rclone: size + modification
# time, which for S3 objects is the X-Amz-Meta-Mtime header rclone wrote (source objects have none:
# their Last-Modified), so a HEAD per object on each side), "size-only" (--size-only on both; ferry still
# compares index.latest and root index-N byte for byte), "checksum" (--checksum on both; NOT the
# same work: ferry reads both sides' whole contents, rclone compares MD5s/ETags from HEADs, as
# s3s-fs listings carry no ETag).
# Passes: if FERRY_BENCH_COPY_COUNT=1 (default), first one untimed COUNTED pass: both servers log
# every request (s3s-fs: RUST_LOG=s3s::ops=debug, one "resolved route, op: X" per request; moto:
# werkzeug's access log) and the requests of each row are counted per server and per S3 operation
# from the log lines written during that row; it also warms the page cache and checks the copy's
# contents (s3s-fs destination: `diff -rq` of the source and destination bucket folders). Then
# FERRY_BENCH_RUNS timed passes (default 3) with request logging off (RUST_LOG=error, werkzeug at
# WARNING): the tools alternate order from pass to pass; each row keeps its best wall time.
# Every command runs under /usr/bin/time -f '%e %M %U %S' (wall seconds, the tool's peak RSS, user
# + sys CPU); the servers' CPU (utime + stime from /proc/PID/stat) is read before and after each
# row, and the destination server's peak RSS (VmHWM) when it is stopped.
# A row counts only if: the tool exits 0; full copy: ferry's copied == objects == corpus objects
# and copied_bytes == corpus bytes / rclone's stats transfers == corpus objects, bytes == corpus
# bytes, no server-side copy, and the destination bucket then holds exactly the corpus's object
# count and bytes (s3s-fs: files on disk; moto: `rclone size --json`); re-run: 0 objects and 0
# bytes copied (ferry copied == 0, skipped == objects; rclone stats transfers == 0, bytes == 0;
# modification-time updates rclone makes without copying are counted and reported). Otherwise the
# script reports it and exits 1 at the end.
# Metrics: MB/s = corpus bytes (1e6) / wall time of the whole process (start-up and listings
# included); for re-runs, objects checked per second. "rclone/ferry" = rclone's best wall / ferry's
# best wall for the same row (> 1: ferry faster). Targets (issue): full copy at least rclone's
# throughput (ratio >= 1), unchanged re-run no slower than rclone's (ratio >= 1), 0 bytes moved.
# Output: a markdown table, the JSON lines (stdout holds only the JSON lines with --json), the
# exact commands. Nothing is written inside the repository except cargo's build output; the
# binaries (ferry, rclone, s3s-fs) are copied to the work dir first, so a concurrent rebuild
# cannot change them mid-run.
#
# Environment:
#   FERRY_BENCH_DIR            work dir (default ~/.cache/ferry-bench): bin/copy, copy/<corpus>/root
#                              (the source s3s-fs root, ~2 GiB), copy/tmp (destination roots; up to
#                              the corpus size + multipart parts while a copy runs), results/*.jsonl
#   FERRY_BENCH_COPY_BYTES     corpus bytes, at least (default 2G; K/M/G = KiB/MiB/GiB)
#   FERRY_BENCH_COPY_OBJECTS   corpus objects, at least (default 5000)
#   FERRY_BENCH_COPY_SEED      names and sizes (default 1)
#   FERRY_BENCH_RUNS           timed passes, best wall time kept per row (default 3)
#   FERRY_BENCH_COPY_COUNT     1 (default): one untimed request-counting pass first; 0: none (no
#                              request counts, no content check)
#   FERRY_BENCH_COPY_DEST      s3s-fs (default) or moto
#   FERRY_BENCH_COPY_NODELAY   1 (default): preload nodelay.so (built with cc into bin/copy) into
#                              the servers; 0: servers as they are (Nagle stalls on GETs)
#   FERRY_BENCH_COPY_TOOLS     tools measured (default "ferry rclone")
#   FERRY_BENCH_COPY_RERUNS    re-run rows (default "default size-only checksum"; "" = none)
#   FERRY_BENCH_COPY_TRANSFERS ferry --transfers, rclone --transfers and --checkers (default 8)
#   FERRY_BENCH_FERRY_ARGS     extra ferry copy arguments (default none), e.g. "--part-size 32M"
#   FERRY_BENCH_RCLONE_ARGS    extra rclone arguments (default above; "" = rclone's defaults)
#   FERRY_BIN                  use this ferry binary instead of building target/release/ferry
#   RCLONE_BIN                 rclone binary (default: rclone on PATH; apt-get install rclone if none)
#   S3S_FS_BIN                 s3s-fs binary (default: s3s-fs on PATH, else
#                              `cargo install s3s-fs@0.14.1 --features binary --locked` is run)
set -euo pipefail

JSON_ONLY=0
PREPARE_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --json) JSON_ONLY=1 ;;
        --prepare-only) PREPARE_ONLY=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${FERRY_BENCH_DIR:-$HOME/.cache/ferry-bench}
RUNS=${FERRY_BENCH_RUNS:-3}
COUNT=${FERRY_BENCH_COPY_COUNT:-1}
DEST=${FERRY_BENCH_COPY_DEST:-s3s-fs}
NODELAY=${FERRY_BENCH_COPY_NODELAY:-1}
TOOLS=${FERRY_BENCH_COPY_TOOLS:-ferry rclone}
RERUNS=${FERRY_BENCH_COPY_RERUNS-default size-only checksum}
TRANSFERS=${FERRY_BENCH_COPY_TRANSFERS:-8}
SEED=${FERRY_BENCH_COPY_SEED:-1}
OBJECTS=${FERRY_BENCH_COPY_OBJECTS:-5000}
read -r -a FERRY_EXTRA <<<"${FERRY_BENCH_FERRY_ARGS:-}"
read -r -a RCLONE_EXTRA <<<"${FERRY_BENCH_RCLONE_ARGS---s3-upload-cutoff 16M --s3-chunk-size 16M --s3-upload-concurrency 4 --s3-no-check-bucket}"
BYTES=$(python3 - "${FERRY_BENCH_COPY_BYTES:-2G}" <<'EOF'
import re, sys
m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)i?B?", sys.argv[1].strip(), re.I)
if not m:
    sys.exit("FERRY_BENCH_COPY_BYTES: expected a number with an optional K/M/G suffix, got %r" % sys.argv[1])
print(int(float(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2).upper()]))
EOF
)
case "$DEST" in s3s-fs|moto) ;; *) echo "FERRY_BENCH_COPY_DEST must be s3s-fs or moto" >&2; exit 2 ;; esac
for t in $TOOLS; do case "$t" in ferry|rclone) ;; *) echo "unknown tool in FERRY_BENCH_COPY_TOOLS: $t" >&2; exit 2 ;; esac; done
for r in $RERUNS; do case "$r" in default|size-only|checksum) ;; *) echo "unknown re-run mode: $r" >&2; exit 2 ;; esac; done

case "$WORK/" in
    "$REPO"/*) echo "FERRY_BENCH_DIR must be outside the repository ($REPO)" >&2; exit 2 ;;
esac

log() { printf '%s\n' "$*" >&2; }
COMMANDS=()
# Logs a command (quoted so it can be pasted) and remembers it for the summary.
show() {
    local q
    q=$(printf '%q ' "$@")
    q="${q% }${SHOW_SUFFIX:-}"
    log "+ $q"
    COMMANDS+=("$q")
}

# ---------------------------------------------------------------- tools
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
need=()
[ -x /usr/bin/time ] || need+=(time)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v diff >/dev/null 2>&1 || need+=(diffutils)
if [ "$NODELAY" = 1 ]; then command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev); fi
if [ "$PREPARE_ONLY" -eq 0 ] && [ -z "${RCLONE_BIN:-}" ] && ! command -v rclone >/dev/null 2>&1; then need+=(rclone); fi
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >&2
fi
if [ -z "${S3S_FS_BIN:-}" ] && ! command -v s3s-fs >/dev/null 2>&1; then
    log "installing s3s-fs (cargo install s3s-fs@0.14.1 --features binary --locked; a few minutes)"
    cargo install s3s-fs@0.14.1 --features binary --locked >&2
fi
S3S=${S3S_FS_BIN:-$(command -v s3s-fs || echo "$HOME/.cargo/bin/s3s-fs")}
if [ "$DEST" = moto ]; then
    python3 - <<'EOF' || { log "moto >= 5.2.5 with its server is needed: pip install 'moto[server]>=5.2.5'"; exit 1; }
import moto, moto.server
v = tuple(int(x) for x in moto.__version__.split(".")[:3] if x.isdigit())
raise SystemExit(0 if v >= (5, 2, 5) else 1)
EOF
fi

mkdir -p "$WORK/copy" "$WORK/copy/tmp" "$WORK/results" "$WORK/bin/copy"
FERRY_REV=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(cd "$REPO" && git status --porcelain --untracked-files=no 2>/dev/null)" ]; then FERRY_REV="$FERRY_REV+dirty"; fi
# Private copies of the binaries: a concurrent build or upgrade must not swap them between runs.
install_bin() { # source name
    cp -f "$1" "$WORK/bin/copy/$2.tmp" && mv -f "$WORK/bin/copy/$2.tmp" "$WORK/bin/copy/$2"
}
[ -x "$S3S" ] || { log "no s3s-fs binary at $S3S"; exit 1; }
install_bin "$S3S" s3s-fs
S3S="$WORK/bin/copy/s3s-fs"
PRELOAD=()
if [ "$NODELAY" = 1 ]; then
    cc -O2 -Wall -shared -fPIC -o "$WORK/bin/copy/nodelay.so.tmp" "$HERE/nodelay.c" -ldl
    mv -f "$WORK/bin/copy/nodelay.so.tmp" "$WORK/bin/copy/nodelay.so"
    PRELOAD=("LD_PRELOAD=$WORK/bin/copy/nodelay.so")
fi
if [ "$PREPARE_ONLY" -eq 0 ]; then
    if [ -n "${FERRY_BIN:-}" ]; then
        FERRY=$FERRY_BIN
    else
        log "building ferry (cargo build --release -p ferry-cli)"
        (cd "$REPO" && cargo build --release -p ferry-cli >&2)
        FERRY="$REPO/target/release/ferry"
    fi
    RCLONE=${RCLONE_BIN:-$(command -v rclone)}
    [ -x "$FERRY" ] || { log "no ferry binary at $FERRY"; exit 1; }
    [ -x "$RCLONE" ] || { log "no rclone binary at $RCLONE"; exit 1; }
    install_bin "$FERRY" ferry
    install_bin "$RCLONE" rclone
    FERRY="$WORK/bin/copy/ferry"
    RCLONE="$WORK/bin/copy/rclone"
    [ -z "${FERRY_BIN:-}" ] || FERRY_REV="$FERRY_REV FERRY_BIN=$FERRY_BIN"
    RCLONE_VERSION=$(env -u AWS_CA_BUNDLE "$RCLONE" version 2>/dev/null | head -n 1)
    log "ferry $FERRY_REV, $RCLONE_VERSION, s3s-fs $("$S3S" --version 2>/dev/null | awk '{print $2}'); measured as $FERRY and $RCLONE"
fi

# ---------------------------------------------------------------- corpus
GEN_HASH=$( (cat "$HERE/make_corpus.py"; cd "$REPO/samples/repo" && find . -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16)
CORPUS="$WORK/copy/corpus-${BYTES}B-${OBJECTS}obj-seed$SEED"
SRC_ROOT="$CORPUS/root"
SRC_BUCKET=repo
DST_BUCKET=copy-dst
MARKER="$CORPUS/COMPLETE.json"
GEN_CMD=(python3 "$HERE/make_corpus.py" "$SRC_ROOT" "$SRC_BUCKET" "$REPO/samples/repo" "$BYTES" "$OBJECTS" "$SEED")
if [ -f "$MARKER" ] && python3 - "$MARKER" "$GEN_HASH" "$BYTES" "$OBJECTS" "$SEED" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
ok = (m.get("generator") == sys.argv[2] and m.get("bytes_target") == int(sys.argv[3])
      and m.get("objects_target") == int(sys.argv[4]) and m.get("seed") == int(sys.argv[5]))
sys.exit(0 if ok else 1)
EOF
then
    log "corpus: reusing $SRC_ROOT ($(du -sh "$SRC_ROOT" | cut -f1))"
    COMMANDS+=("$(printf '%q ' "${GEN_CMD[@]}")  # reused: $MARKER")
else
    rm -rf "$CORPUS"
    mkdir -p "$CORPUS"
    log "corpus: writing >= $OBJECTS objects, >= $BYTES bytes to $SRC_ROOT"
    show "${GEN_CMD[@]}"
    "${GEN_CMD[@]}" >"$CORPUS/generated.json"
    python3 - "$CORPUS/generated.json" "$MARKER" "$GEN_HASH" "$BYTES" "$OBJECTS" "$SEED" "$SRC_ROOT" <<'EOF'
import json, os, sys
out, marker, gen, nbytes, nobj, seed, root = sys.argv[1:8]
m = json.loads(open(out).read().strip().splitlines()[-1])
m.update(generator=gen, bytes_target=int(nbytes), objects_target=int(nobj), seed=int(seed), root=root)
json.dump(m, open(marker + ".tmp", "w"))
os.replace(marker + ".tmp", marker)
EOF
fi
read -r CORPUS_OBJECTS CORPUS_BYTES < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["objects"], m["bytes"])' "$MARKER")
# What is on disk must still be what the marker says (a stray file would break every count check).
read -r DISK_OBJECTS DISK_BYTES < <(find "$SRC_ROOT/$SRC_BUCKET" -type f -printf '%s\n' | awk '{n++; b+=$1} END {printf "%d %.0f\n", n, b}')
if [ "$DISK_OBJECTS" != "$CORPUS_OBJECTS" ] || [ "$DISK_BYTES" != "$CORPUS_BYTES" ]; then
    log "corpus $SRC_ROOT holds $DISK_OBJECTS objects / $DISK_BYTES bytes, its marker says $CORPUS_OBJECTS / $CORPUS_BYTES: delete $CORPUS and rerun"
    exit 1
fi
log "corpus: $CORPUS_OBJECTS objects, $CORPUS_BYTES bytes ($(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(", ".join("%s %d (%.1f MB)" % (k, v["objects"], v["bytes"] / 1e6) for k, v in m["classes"].items()))' "$MARKER"))"
if [ "$PREPARE_ONLY" -eq 1 ]; then
    cat "$MARKER" >&2; echo >&2
    exit 0
fi

# ---------------------------------------------------------------- servers
TMPD=$(mktemp -d "$WORK/copy/tmp/run.XXXXXX")
TIMEF="$TMPD/time"
OUTF="$TMPD/out"
ERRF="$TMPD/err"
RESULTS="$WORK/results/copy-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
CLK_TCK=$(getconf CLK_TCK)
export AWS_ACCESS_KEY_ID=ferrybench AWS_SECRET_ACCESS_KEY=ferrybench-secret-key AWS_EC2_METADATA_DISABLED=true
SRC_PID=; SRC_PORT=; SRC_LOG="$TMPD/src.log"; SRC_LOGGING=
DST_PID=; DST_PORT=; DST_LOG=; DST_ROOT=
cleanup() {
    local p
    for p in "$SRC_PID" "$DST_PID"; do
        if [ -n "$p" ]; then kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
    done
    rm -rf "$TMPD"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits until PORT accepts TCP connections (no HTTP request: moto counts unauthenticated ones).
wait_port() { # port pid log
    local i
    for ((i = 0; i < 300; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        kill -0 "$2" 2>/dev/null || break
        sleep 0.05
    done
    log "the server on port $1 did not start:"; tail -n 20 "$3" >&2
    exit 1
}
# Starts an s3s-fs on ROOT; prints "PID PORT". COUNTING=1: one debug line per request in LOG.
start_s3s() { # root log counting
    local port pid filter=error
    port=$(free_port)
    [ "$3" != 1 ] || filter=s3s::ops=debug
    env "${PRELOAD[@]}" RUST_LOG=$filter "$S3S" --host 127.0.0.1 --port "$port" --access-key "$AWS_ACCESS_KEY_ID" \
        --secret-key "$AWS_SECRET_ACCESS_KEY" "$1" >>"$2" 2>&1 &
    pid=$!
    wait_port "$port" "$pid" "$2"
    SHOW_SUFFIX=" >>LOG 2>&1 &" show env "${PRELOAD[@]}" RUST_LOG=$filter "$S3S" --host 127.0.0.1 --port "$port" \
        --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" "$1"
    STARTED="$pid $port"
}
# Starts moto (in memory); COUNTING=1: werkzeug logs one line per request.
MOTO_PY='import logging, sys
logging.getLogger("werkzeug").setLevel(logging.INFO if sys.argv[1] == "1" else logging.WARNING)
from moto.server import main
main(sys.argv[2:])'
start_moto() { # log counting
    local port pid
    port=$(free_port)
    env "${PRELOAD[@]}" python3 -c "$MOTO_PY" "$2" -H 127.0.0.1 -p "$port" >>"$1" 2>&1 &
    pid=$!
    wait_port "$port" "$pid" "$1"
    SHOW_SUFFIX=" >>LOG 2>&1 &" show env "${PRELOAD[@]}" python3 -c "$MOTO_PY" "$2" -H 127.0.0.1 -p "$port"
    STARTED="$pid $port"
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
proc_ticks() { # pid -> utime + stime in clock ticks
    local s f
    s=$(cat "/proc/$1/stat")
    s=${s##*) }
    read -r -a f <<<"$s"
    echo $((f[11] + f[12]))
}
proc_hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
file_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

ensure_source() { # logging: (re)starts the source server when its logging setting differs
    if [ -n "$SRC_PID" ] && [ "$SRC_LOGGING" = "$1" ]; then return; fi
    [ -z "$SRC_PID" ] || stop_pid "$SRC_PID"
    start_s3s "$SRC_ROOT" "$SRC_LOG" "$1"
    read -r SRC_PID SRC_PORT <<<"$STARTED"
    SRC_LOGGING=$1
}
start_destination() { # logging tool pass
    DST_LOG="$TMPD/dst-$2-$3.log"
    : >"$DST_LOG"
    if [ "$DEST" = s3s-fs ]; then
        DST_ROOT="$TMPD/dst-root"
        rm -rf "$DST_ROOT"
        mkdir -p "$DST_ROOT/$DST_BUCKET"
        start_s3s "$DST_ROOT" "$DST_LOG" "$1"
    else
        DST_ROOT=
        start_moto "$DST_LOG" "$1"
    fi
    read -r DST_PID DST_PORT <<<"$STARTED"
    if [ "$DEST" = moto ]; then
        python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="PUT"), timeout=30).read()' \
            "http://127.0.0.1:$DST_PORT/$DST_BUCKET"
    fi
    cat >"$TMPD/rclone.conf" <<EOF
[src]
type = s3
provider = Other
access_key_id = $AWS_ACCESS_KEY_ID
secret_access_key = $AWS_SECRET_ACCESS_KEY
endpoint = http://127.0.0.1:$SRC_PORT
region = us-east-1
force_path_style = true

[dst]
type = s3
provider = Other
access_key_id = $AWS_ACCESS_KEY_ID
secret_access_key = $AWS_SECRET_ACCESS_KEY
endpoint = http://127.0.0.1:$DST_PORT
region = us-east-1
force_path_style = true
EOF
    [ "$DEST" != moto ] || echo "no_head = true" >>"$TMPD/rclone.conf"
}
stop_destination() { # -> DST_HWM_KB
    DST_HWM_KB=$(proc_hwm_kb "$DST_PID")
    stop_pid "$DST_PID"
    DST_PID=
    [ -z "$DST_ROOT" ] || rm -rf "$DST_ROOT"
    sync
}

# Runs "$@" under /usr/bin/time; sets WALL, RSS_KB, CPU (user + sys seconds), RC; the command's
# stdout is in $OUTF, its stderr in $ERRF.
timed() {
    RC=0
    /usr/bin/time -f '%e %M %U %S' -o "$TIMEF" "$@" >"$OUTF" 2>"$ERRF" || RC=$?
    local user sys
    read -r WALL RSS_KB user sys < <(tail -n 1 "$TIMEF")
    CPU=$(python3 -c "print(round($user + $sys, 2))")
}

tool_cmd() { # tool scenario -> CMD
    local mode=()
    case "$2" in size-only) mode=(--size-only) ;; checksum) mode=(--checksum) ;; esac
    if [ "$1" = ferry ]; then
        CMD=("$FERRY" copy "s3://$SRC_BUCKET?endpoint=http://127.0.0.1:$SRC_PORT&region=us-east-1&path_style=true"
            "s3://$DST_BUCKET?endpoint=http://127.0.0.1:$DST_PORT&region=us-east-1&path_style=true"
            --transfers "$TRANSFERS" "${mode[@]}" -o json -q "${FERRY_EXTRA[@]}")
    else
        CMD=(env -u AWS_CA_BUNDLE "$RCLONE" --config "$TMPD/rclone.conf" copy "src:$SRC_BUCKET" "dst:$DST_BUCKET"
            --transfers "$TRANSFERS" --checkers "$TRANSFERS" "${mode[@]}" "${RCLONE_EXTRA[@]}" --use-json-log -v --stats 1h)
    fi
}

# What the destination bucket holds: "objects bytes" (files on disk for s3s-fs, a listing for moto).
dest_contents() {
    if [ "$DEST" = s3s-fs ]; then
        find "$DST_ROOT/$DST_BUCKET" -type f -printf '%s\n' | awk '{n++; b+=$1} END {printf "%d %.0f\n", n, b}'
    else
        env -u AWS_CA_BUNDLE "$RCLONE" --config "$TMPD/rclone.conf" size "dst:$DST_BUCKET" --json 2>/dev/null |
            python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["count"], d["bytes"])'
    fi
}

# One row: runs the tool, checks it, appends a JSON line to $RESULTS; FAILED=1 when it does not count.
FAILED=0
run_row() { # pass tool scenario counted
    local pass=$1 tool=$2 scen=$3 counted=$4 s0 d0 s1 d1 so0 do0 so1 do1 dc=- diffok=-
    tool_cmd "$tool" "$scen"
    s0=$(proc_ticks "$SRC_PID"); d0=$(proc_ticks "$DST_PID")
    so0=$(file_size "$SRC_LOG"); do0=$(file_size "$DST_LOG")
    show /usr/bin/time -f '%e %M %U %S' "${CMD[@]}"
    timed "${CMD[@]}"
    s1=$(proc_ticks "$SRC_PID"); d1=$(proc_ticks "$DST_PID")
    so1=$(file_size "$SRC_LOG"); do1=$(file_size "$DST_LOG")
    if [ "$scen" = full ]; then
        dc=$(dest_contents || echo "? ?")
        if [ "$counted" = 1 ] && [ "$DEST" = s3s-fs ]; then
            if diff -rq "$SRC_ROOT/$SRC_BUCKET" "$DST_ROOT/$DST_BUCKET" >"$TMPD/diff" 2>&1; then diffok=true; else diffok=false; fi
        fi
    fi
    local line
    line=$(ROW_PASS=$pass ROW_TOOL=$tool ROW_SCEN=$scen ROW_COUNTED=$counted ROW_RC=$RC ROW_WALL=$WALL ROW_RSS=$RSS_KB \
        ROW_CPU=$CPU ROW_OUT=$OUTF ROW_ERR=$ERRF ROW_SRC_TICKS=$((s1 - s0)) ROW_DST_TICKS=$((d1 - d0)) \
        ROW_SRC_LOG=$SRC_LOG ROW_DST_LOG=$DST_LOG ROW_LOG_RANGE="$so0 $so1 $do0 $do1" ROW_DEST_CONTENTS="$dc" \
        ROW_DIFF=$diffok ROW_DIFF_FILE="$TMPD/diff" CLK_TCK=$CLK_TCK CORPUS_OBJECTS=$CORPUS_OBJECTS \
        CORPUS_BYTES=$CORPUS_BYTES FERRY_REV=$FERRY_REV RCLONE_VERSION="$RCLONE_VERSION" DEST=$DEST TRANSFERS=$TRANSFERS NODELAY=$NODELAY \
        python3 - <<'EOF'
import json, os, re
E = os.environ
tool, scen, counted = E["ROW_TOOL"], E["ROW_SCEN"], E["ROW_COUNTED"] == "1"
rc, wall, objs, nbytes = int(E["ROW_RC"]), float(E["ROW_WALL"]), int(E["CORPUS_OBJECTS"]), int(E["CORPUS_BYTES"])
out, err = open(E["ROW_OUT"], errors="replace").read(), open(E["ROW_ERR"], errors="replace").read()
problems, d = [], {"bench": "copy", "row": "run", "pass": int(E["ROW_PASS"]), "counted": counted, "tool": tool,
                   "scenario": scen, "dest": E["DEST"], "server_tcp_nodelay": E["NODELAY"] == "1",
                   "transfers": int(E["TRANSFERS"]), "exit_code": rc,
                   "corpus_objects": objs, "corpus_bytes": nbytes, "wall_seconds": wall,
                   "peak_rss_kb": int(E["ROW_RSS"]), "cpu_seconds": float(E["ROW_CPU"]),
                   "src_server_cpu_seconds": round(int(E["ROW_SRC_TICKS"]) / int(E["CLK_TCK"]), 2),
                   "dst_server_cpu_seconds": round(int(E["ROW_DST_TICKS"]) / int(E["CLK_TCK"]), 2)}
if rc != 0:
    problems.append("%s exited %d" % (tool, rc))
if tool == "ferry":
    d["version"] = E["FERRY_REV"]
    try:
        s = json.loads(out)
    except ValueError:
        s = {}
        d["tool_output"] = (out + err)[-3000:]
    copied, moved = s.get("copied"), s.get("copied_bytes")
    d.update(objects=s.get("objects"), copied=copied, bytes_moved=moved, skipped=s.get("skipped"),
             tool_elapsed_seconds=s.get("elapsed_seconds"), phases=s.get("phases"))
    if rc != 0 and err.strip():
        d["tool_stderr"] = err[-3000:]
    if s.get("objects") != objs:
        problems.append("ferry listed %s objects, the corpus has %d" % (s.get("objects"), objs))
    if scen == "full" and (copied != objs or moved != nbytes):
        problems.append("ferry copied %s objects / %s bytes, expected %d / %d" % (copied, moved, objs, nbytes))
    if scen != "full" and (copied != 0 or moved != 0 or s.get("skipped") != objs):
        problems.append("unchanged re-run: ferry copied %s objects / %s bytes, skipped %s" % (copied, moved, s.get("skipped")))
else:
    d["version"] = E["RCLONE_VERSION"]
    stats, msgs = None, {}
    for l in err.splitlines():
        try:
            j = json.loads(l)
        except ValueError:
            continue
        if isinstance(j.get("stats"), dict):
            stats = j["stats"]
        m = j.get("msg", "")
        if j.get("object") is not None and not m.startswith("\n"):
            msgs[m] = msgs.get(m, 0) + 1
    stats = stats or {}
    copied, moved = stats.get("transfers"), stats.get("bytes")
    d.update(copied=copied, bytes_moved=moved, checks=stats.get("checks"), errors=stats.get("errors"),
             tool_elapsed_seconds=stats.get("elapsedTime"), rclone_messages=msgs)
    d["modtime_updates"] = sum(n for m, n in msgs.items() if "modification time" in m.lower())
    if rc != 0 or not stats:
        d["tool_stderr"] = "\n".join(l for l in err.splitlines() if '"level":"error"' in l or not l.startswith("{"))[-3000:]
    if any("server-side" in m for m in msgs):
        problems.append("rclone used server-side copy")
    if scen == "full" and (copied != objs or moved != nbytes):
        problems.append("rclone transferred %s objects / %s bytes, expected %d / %d" % (copied, moved, objs, nbytes))
    if scen != "full" and (copied != 0 or moved != 0):
        problems.append("unchanged re-run: rclone transferred %s objects / %s bytes" % (copied, moved))
if scen == "full":
    dc = E["ROW_DEST_CONTENTS"].split()
    d["dest_objects"], d["dest_bytes"] = [int(x) if x.isdigit() else None for x in dc]
    if d["dest_objects"] != objs or d["dest_bytes"] != nbytes:
        problems.append("the destination holds %s objects / %s bytes, expected %d / %d" % (d["dest_objects"], d["dest_bytes"], objs, nbytes))
    if E["ROW_DIFF"] != "-":
        d["contents_equal"] = E["ROW_DIFF"] == "true"
        if not d["contents_equal"]:
            problems.append("diff -rq source destination: " + open(E["ROW_DIFF_FILE"]).read()[:1000])
d["bytes_per_second"] = round((d.get("bytes_moved") or 0) / wall) if wall > 0 else None
d["mb_per_second"] = round((d.get("bytes_moved") or 0) / 1e6 / wall, 2) if wall > 0 else None
d["objects_per_second"] = round(objs / wall, 1) if wall > 0 else None

def count(path, a, b, kind):
    with open(path, "rb") as f:
        f.seek(a)
        text = f.read(b - a).decode("utf-8", "replace")
    ops = {}
    if kind == "s3s-fs":
        for m in re.finditer(r"resolved route, op: (\w+)", text):
            ops[m.group(1)] = ops.get(m.group(1), 0) + 1
        total = max(text.count("parsing path-style request"), sum(ops.values()))
    else:  # werkzeug (moto): "METHOD /path?query HTTP/1.1" status
        total = 0
        for m in re.finditer(r'"(GET|HEAD|PUT|POST|DELETE) (\S+) HTTP/[\d.]+" (\d+)', text):
            meth, target = m.group(1), m.group(2)
            path, _, q = target.partition("?")
            obj = len([p for p in path.split("/") if p]) > 1
            if meth == "HEAD":
                op = "HeadObject" if obj else "HeadBucket"
            elif meth == "GET":
                op = "GetObject" if obj else "ListObjects"
            elif meth == "PUT":
                op = ("UploadPart" if "partNumber" in q else "PutObject") if obj else "CreateBucket"
            elif meth == "POST":
                op = "CreateMultipartUpload" if "uploads" in q else ("CompleteMultipartUpload" if "uploadId" in q else "Post")
            else:
                op = "AbortMultipartUpload" if "uploadId" in q else "DeleteObject"
            ops[op] = ops.get(op, 0) + 1
            total += 1
    return total, dict(sorted(ops.items()))

if counted:
    a, b, c, e = (int(x) for x in E["ROW_LOG_RANGE"].split())
    d["src_requests"], d["src_ops"] = count(E["ROW_SRC_LOG"], a, b, "s3s-fs")
    d["dst_requests"], d["dst_ops"] = count(E["ROW_DST_LOG"], c, e, E["DEST"])
    d["requests"] = d["src_requests"] + d["dst_requests"]
d["ok"], d["problems"] = not problems, problems
print(json.dumps(d))
EOF
)
    echo "$line" >>"$RESULTS"
    log "   $(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
r = " requests=%s+%s" % (d["src_requests"], d["dst_requests"]) if "requests" in d else ""
print("%s %s: wall=%ss moved=%s objects / %s bytes (%s MB/s) rss=%sKB cpu=%ss servers=%s+%ss%s %s" % (d["tool"], d["scenario"],
      d["wall_seconds"], d.get("copied"), d.get("bytes_moved"), d["mb_per_second"], d["peak_rss_kb"], d["cpu_seconds"],
      d["src_server_cpu_seconds"], d["dst_server_cpu_seconds"], r, "ok" if d["ok"] else "FAILED: " + "; ".join(d["problems"])))' "$line")"
    LAST_OK=$(python3 -c 'import json,sys; print(1 if json.loads(sys.argv[1])["ok"] else 0)' "$line")
    if [ "$LAST_OK" != 1 ]; then
        FAILED=1
        log "   $tool stdout (last 40 lines):"; tail -n 40 "$OUTF" | sed 's/^/     /' >&2
        log "   $tool stderr (last 40 lines):"; tail -n 40 "$ERRF" | cut -c1-400 | sed 's/^/     /' >&2
    fi
}

# One pass: for each tool, a fresh destination, the full copy, then the re-runs.
run_pass() { # pass counted
    local pass=$1 counted=$2 tools=($TOOLS) tool scen
    if [ $((pass % 2)) -eq 0 ] && [ ${#tools[@]} -gt 1 ]; then tools=("${tools[1]}" "${tools[0]}"); fi
    ensure_source "$counted"
    for tool in "${tools[@]}"; do
        log "== pass $pass$([ "$counted" = 1 ] && echo " (untimed: counting requests)"): $tool"
        start_destination "$counted" "$tool" "$pass"
        run_row "$pass" "$tool" full "$counted"
        if [ "$LAST_OK" = 1 ]; then
            for scen in $RERUNS; do run_row "$pass" "$tool" "$scen" "$counted"; done
        else
            log "   the full copy failed: no re-runs in this pass"
        fi
        stop_destination
        echo "{\"bench\": \"copy\", \"row\": \"dst-server\", \"pass\": $pass, \"tool\": \"$tool\", \"dest\": \"$DEST\", \"peak_rss_kb\": $DST_HWM_KB}" >>"$RESULTS"
        if [ "$counted" != 1 ]; then rm -f "$DST_LOG"; fi
    done
}

# ---------------------------------------------------------------- measurements
python3 - "$MARKER" <<'EOF' >>"$RESULTS"
import json, sys
print(json.dumps({"bench": "copy", "row": "corpus", **json.load(open(sys.argv[1]))}))
EOF
log "== warming the page cache: cat the source files >/dev/null"
find "$SRC_ROOT" -type f -exec cat {} + >/dev/null
sync
if [ "$COUNT" = 1 ]; then run_pass 0 1; fi
for ((p = 1; p <= RUNS; p++)); do run_pass "$p" 0; done
python3 - "$RESULTS" "$RUNS" <<'EOF' >"$RESULTS.best"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
runs = [r for r in rows if r["row"] == "run"]
keys = list(dict.fromkeys((r["tool"], r["scenario"]) for r in runs))
for tool, scen in keys:
    timed = [r for r in runs if (r["tool"], r["scenario"]) == (tool, scen) and not r["counted"]]
    good = [r for r in timed if r["ok"]]
    counted = next((r for r in runs if (r["tool"], r["scenario"]) == (tool, scen) and r["counted"]), None)
    if not good:
        continue
    b = dict(min(good, key=lambda r: r["wall_seconds"]))
    b.update(row="best", runs=len(timed), ok_runs=len(good))
    for k in ("pass", "counted", "problems", "ok"):
        b.pop(k, None)
    if counted is not None:
        for k in ("requests", "src_requests", "dst_requests", "src_ops", "dst_ops"):
            if k in counted:
                b[k] = counted[k]
        if "contents_equal" in counted:
            b["contents_equal"] = counted["contents_equal"]
    print(json.dumps(b))
EOF
# Ratios (rclone best wall / ferry best wall) per row.
python3 - "$RESULTS.best" <<'EOF' >"$RESULTS.best.ratio"
import json, sys
best = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["tool"], r["scenario"]): r for r in best}
for scen in dict.fromkeys(r["scenario"] for r in best):
    f, r = by.get(("ferry", scen)), by.get(("rclone", scen))
    if f and r:
        print(json.dumps({"bench": "copy", "row": "ratio", "scenario": scen,
                          "rclone_over_ferry_wall": round(r["wall_seconds"] / f["wall_seconds"], 3),
                          "ferry_wall_seconds": f["wall_seconds"], "rclone_wall_seconds": r["wall_seconds"]}))
EOF
cat "$RESULTS.best" "$RESULTS.best.ratio" >>"$RESULTS"
rm -f "$RESULTS.best" "$RESULTS.best.ratio"

# ---------------------------------------------------------------- report
if [ "$JSON_ONLY" -eq 1 ]; then
    cat "$RESULTS"
else
    python3 - "$RESULTS" <<'EOF'
import json, os, platform, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print()
print("Machine: %s, %d CPUs, Linux %s, %.1f GB RAM" % (open("/proc/cpuinfo").read().split("model name")[1].split(":")[1].split("\n")[0].strip(),
      os.cpu_count(), platform.release(), os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30))
for r in rows:
    if r["row"] == "corpus":
        print("Corpus: %d objects, %.1f MB (%s); %d indices, %d generated shards; source: s3s-fs on %s" % (
            r["objects"], r["bytes"] / 1e6, ", ".join("%s %d objects %.1f MB (%s-%s B)" % (k, v["objects"], v["bytes"] / 1e6, v["min"], v["max"])
                                                       for k, v in r["classes"].items()),
            r["indices"], r["shards"], r["root"]))
best = [r for r in rows if r["row"] == "best"]
ratio = {r["scenario"]: r for r in rows if r["row"] == "ratio"}
if best:
    b0 = best[0]
    print("Destination: %s (fresh per tool and pass); servers %s; --transfers %d (rclone: --transfers %d --checkers %d)" % (
        b0["dest"], "with TCP_NODELAY (nodelay.so)" if b0["server_tcp_nodelay"] else "as they are (no TCP_NODELAY)",
        b0["transfers"], b0["transfers"], b0["transfers"]))
    print("Versions: ferry %s; %s" % (next((r["version"] for r in best if r["tool"] == "ferry"), "-"),
                                     next((r["version"] for r in best if r["tool"] == "rclone"), "-")))
print()
names = {"full": "full copy", "default": "unchanged re-run", "size-only": "unchanged re-run --size-only", "checksum": "unchanged re-run --checksum"}
print("| row | tool | wall s | MB/s | objects/s | moved (objects / MB) | peak RSS | CPU s | server CPU s (src + dst) | requests (src + dst) | rclone/ferry wall |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in best:
    q = "%d (%d + %d)" % (r["requests"], r["src_requests"], r["dst_requests"]) if "requests" in r else "-"
    rt = ratio.get(r["scenario"])
    print("| %s | %s (best of %d) | %.2f | %s | %.0f | %s / %.1f | %.0f MiB | %.2f | %.2f + %.2f | %s | %s |" % (
        names.get(r["scenario"], r["scenario"]), r["tool"], r["runs"], r["wall_seconds"],
        "%.1f" % r["mb_per_second"] if r["scenario"] == "full" else "-", r["objects_per_second"],
        r.get("copied"), (r.get("bytes_moved") or 0) / 1e6, r["peak_rss_kb"] / 1024, r["cpu_seconds"],
        r["src_server_cpu_seconds"], r["dst_server_cpu_seconds"], q,
        "%.2f×" % rt["rclone_over_ferry_wall"] if rt and r["tool"] == "ferry" else ""))
print()
for scen, rt in ratio.items():
    f = next(r for r in best if r["tool"] == "ferry" and r["scenario"] == scen)
    if scen == "full":
        print("Target full copy >= rclone's throughput: %s (ferry %.1f MB/s, rclone %.1f MB/s, %.2f×)" % (
            "met" if rt["rclone_over_ferry_wall"] >= 1 else "MISSED", f["mb_per_second"],
            f["mb_per_second"] / rt["rclone_over_ferry_wall"], rt["rclone_over_ferry_wall"]))
    else:
        print("Target unchanged re-run (%s) no slower than rclone, 0 bytes moved: %s (ferry %.2f s, rclone %.2f s, %.2f×; ferry moved %s bytes)" % (
            scen, "met" if rt["rclone_over_ferry_wall"] >= 1 and f.get("bytes_moved") == 0 else "MISSED",
            rt["ferry_wall_seconds"], rt["rclone_wall_seconds"], rt["rclone_over_ferry_wall"], f.get("bytes_moved")))
for r in best:
    if r["tool"] == "rclone" and r.get("modtime_updates"):
        print("Note: rclone %s re-run updated the modification time of %d objects (no bytes moved)" % (r["scenario"], r["modtime_updates"]))
    if r["scenario"] == "full" and "contents_equal" in r:
        print("%s full copy: destination contents %s the source's (diff -rq, counted pass)" % (r["tool"], "equal" if r["contents_equal"] else "DIFFER FROM"))
srv = {}
for r in rows:
    if r["row"] == "dst-server" and r["pass"] > 0:
        srv[r["tool"]] = max(srv.get(r["tool"], 0), r["peak_rss_kb"])
if srv:
    print("Destination server peak RSS (largest over timed passes): " + ", ".join("%s pass %.0f MiB" % (t, kb / 1024) for t, kb in srv.items()))
for r in rows:
    if r["row"] == "run" and not r["ok"]:
        print("FAILED %s %s pass %d: %s" % (r["tool"], r["scenario"], r["pass"], "; ".join(r["problems"])))
for r in best:
    if "src_ops" in r:
        print("requests %-6s %-10s src %s  dst %s" % (r["tool"], r["scenario"], json.dumps(r["src_ops"]), json.dumps(r["dst_ops"])))
print("wall s, peak RSS, CPU s: the whole tool process (/usr/bin/time %e, %M, %U + %S); MB/s = bytes moved / wall (1 MB = 1e6 B); "
      "objects/s = corpus objects / wall; server CPU: utime + stime of the s3s-fs/moto processes during the row; requests: "
      "counted from the servers' request logs in the untimed counting pass (same commands); rclone/ferry wall > 1: ferry faster.")
print()
print("JSON lines (--json prints only these):")
for r in rows:
    print(json.dumps(r))
EOF
    echo
    echo "Commands (results in $RESULTS; LOG = the server's request log; the rclone config is written per destination):"
    printf '  %s\n' "${COMMANDS[@]}" | sed -E 's#/copy/tmp/run\.[A-Za-z0-9]+/#/copy/tmp/run.XXXXXX/#g; s#127\.0\.0\.1:[0-9]+#127.0.0.1:PORT#g; s#--port [0-9]+#--port PORT#g; s#-p [0-9]+#-p PORT#g' | awk '!seen[$0]++'
    echo "  rclone.conf:"
    sed -E 's#127\.0\.0\.1:[0-9]+#127.0.0.1:PORT#g; s/^/    /' "$TMPD/rclone.conf"
fi
exit "$FAILED"
