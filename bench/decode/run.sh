#!/usr/bin/env bash
# Stored-field decode benchmark: ferry export vs Java Lucene 8 reading the same index.
#
#   bench/decode/run.sh [--json]
#
# For each stored-fields mode (BEST_SPEED = LZ4, BEST_COMPRESSION = DEFLATE) it writes (once) a
# 1,000,000-document Elasticsearch-shaped Lucene 8.8 index with WriteCorpus.java (10 segments,
# 5 % hard-deleted, >= 1.0e9 bytes of live `_source`), then times whole processes with
# /usr/bin/time (wall seconds, peak RSS, user+sys CPU), on a warm page cache (files read once and
# one untimed run of each reader first; no cache is dropped):
#   java-merge     JavaRead DIR merge      best of $RUNS   (Lucene's sequential merge instance)
#   java-document  JavaRead DIR document N  once, first N live docs; extrapolated to the full scan
#   ferry          ferry export --lucene-dir DIR --jobs 1   best of $RUNS (NDJSON to a temp dir
#                  on the work-dir disk, deleted after each run)
# and prints a table, the JSON lines (stdout holds only the JSON lines with --json) and the exact
# commands. Nothing is written inside the repository except ferry's cargo build output; the
# binary is copied to the work dir first, so a concurrent rebuild cannot change it mid-run.
# A corpus is reused when its COMPLETE.json marker (written last) names the same generator
# (hash of WriteCorpus.java) and document count; otherwise it is rewritten.
#
# Environment:
#   FERRY_BENCH_DIR          work dir (default ~/.cache/ferry-bench): classes, corpus (~0.4 GB LZ4 +
#                            0.3 GB DEFLATE), results/*.jsonl; ferry's NDJSON (1.2 GB) goes to tmp/ briefly
#   FERRY_BENCH_MODES        default "BEST_SPEED BEST_COMPRESSION"
#   FERRY_BENCH_RUNS         timed runs of java-merge and ferry, best kept (default 3)
#   FERRY_BENCH_PERDOC_DOCS  documents read by the per-document path (default 100000)
#   FERRY_BENCH_DOCS         documents in the corpus (default 1000000; other values for trying out)
#   JAVA_OPTS                extra JVM options for JavaRead (default none: JDK 17 defaults, G1)
#   FERRY_BIN                use this ferry binary instead of building target/release/ferry
#   FERRY_BENCH_STDOUT_ROW   1 (default): also time `ferry export --out - >/dev/null` (best of
#                            $RUNS), i.e. ferry without writing files, the closest match to JavaRead
set -euo pipefail

JSON_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --json) JSON_ONLY=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${FERRY_BENCH_DIR:-$HOME/.cache/ferry-bench}
MODES=${FERRY_BENCH_MODES:-"BEST_SPEED BEST_COMPRESSION"}
RUNS=${FERRY_BENCH_RUNS:-3}
PERDOC_N=${FERRY_BENCH_PERDOC_DOCS:-100000}
DOCS=${FERRY_BENCH_DOCS:-1000000}
JAVA_OPTS=${JAVA_OPTS:-}
STDOUT_ROW=${FERRY_BENCH_STDOUT_ROW:-1}

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
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
compgen -G '/usr/share/java/lucene-core-8*.jar' >/dev/null || need+=(liblucene8-java)
[ -x /usr/bin/time ] || need+=(time)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >&2
fi
LUCENE_JAR=$(ls /usr/share/java/lucene-core-8*.jar | head -n 1)

mkdir -p "$WORK/classes" "$WORK/corpus" "$WORK/results" "$WORK/tmp"
javac --release 17 -nowarn -d "$WORK/classes" -cp "$LUCENE_JAR" "$HERE/WriteCorpus.java" "$HERE/JavaRead.java"
CP="$LUCENE_JAR:$WORK/classes"
GEN_HASH=$(cat "$HERE/WriteCorpus.java" | sha256sum | cut -c1-16)

if [ -n "${FERRY_BIN:-}" ]; then
    FERRY=$FERRY_BIN
else
    log "building ferry (cargo build --release -p ferry-cli)"
    (cd "$REPO" && cargo build --release -p ferry-cli >&2)
    FERRY="$REPO/target/release/ferry"
fi
[ -x "$FERRY" ] || { log "no ferry binary at $FERRY"; exit 1; }
# Measure a private copy: a concurrent cargo build must not swap the binary between runs.
mkdir -p "$WORK/bin"
cp -f "$FERRY" "$WORK/bin/ferry.tmp" && mv -f "$WORK/bin/ferry.tmp" "$WORK/bin/ferry"
FERRY="$WORK/bin/ferry"
FERRY_REV=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(cd "$REPO" && git status --porcelain --untracked-files=no 2>/dev/null)" ]; then FERRY_REV="$FERRY_REV+dirty"; fi
[ -z "${FERRY_BIN:-}" ] || FERRY_REV="FERRY_BIN=$FERRY_BIN"
log "ferry: $FERRY_REV, measured as $FERRY"

TIMEF=$(mktemp "$WORK/tmp/time.XXXXXX")
OUTF=$(mktemp "$WORK/tmp/out.XXXXXX")
RESULTS="$WORK/results/$(date -u +%Y%m%dT%H%M%SZ).jsonl"
cleanup() { rm -f "$TIMEF" "$OUTF"; }
trap cleanup EXIT

# Runs "$@" under /usr/bin/time; sets WALL, RSS_KB, CPU (user + sys seconds) and leaves the
# command's stdout in $OUTF.
timed() {
    /usr/bin/time -f '%e %M %U %S' -o "$TIMEF" "$@" >"$OUTF"
    local user sys
    read -r WALL RSS_KB user sys <"$TIMEF"
    CPU=$(python3 -c "print(round($user + $sys, 2))")
}
# JSON field of the text in $OUTF (a JSON document).
jfield() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$OUTF" "$1"; }

record() { # mode reader docs source_bytes wall rss_kb inner_seconds runs extra-json (+ $CPU, $FERRY_REV)
    local line
    line=$(python3 - "$@" "$CPU" "$FERRY_REV" <<'EOF'
import json, sys
mode, reader, docs, src, wall, rss, inner, runs, extra, cpu, rev = sys.argv[1:12]
d = {"mode": mode, "reader": reader, "docs": int(docs), "source_bytes": int(src),
     "wall_seconds": float(wall), "peak_rss_kb": None if rss == "-" else int(rss),
     "inner_seconds": None if inner == "-" else float(inner), "runs": int(runs),
     "cpu_seconds": None if cpu == "-" else float(cpu)}
if reader == "ferry":
    d["ferry_revision"] = rev
d.update(json.loads(extra or "{}"))
w = d["wall_seconds"]
d["docs_per_second"] = round(d["docs"] / w, 1) if w > 0 else None
d["source_mb_per_second"] = round(d["source_bytes"] / 1e6 / w, 2) if w > 0 else None
print(json.dumps(d))
EOF
)
    echo "$line" >>"$RESULTS"
}

# ---------------------------------------------------------------- corpus
corpus() { # mode -> index dir; writes it unless its marker says it is complete and current
    local mode=$1 base="$WORK/corpus/$1"
    local marker="$base/COMPLETE.json"
    if [ -f "$marker" ] && python3 - "$marker" "$GEN_HASH" "$DOCS" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if m.get("generator") == sys.argv[2] and m.get("docs_written") == int(sys.argv[3]) else 1)
EOF
    then
        log "corpus $mode: reusing $base/index ($(du -sh "$base/index" | cut -f1))"
        COMMANDS+=("$(printf '%q ' java -cp "$CP" WriteCorpus "$base/index" "$mode" "$DOCS")  # reused: $marker")
        return
    fi
    rm -rf "$base"
    mkdir -p "$base"
    log "corpus $mode: writing $DOCS documents to $base/index"
    show java -cp "$CP" WriteCorpus "$base/index" "$mode" "$DOCS"
    timed java -cp "$CP" WriteCorpus "$base/index" "$mode" "$DOCS"
    cat "$OUTF" >&2
    python3 - "$OUTF" "$marker" "$GEN_HASH" "$WALL" "$RSS_KB" "$base/index" <<'EOF'
import json, os, sys
out, marker, gen, wall, rss, idx = sys.argv[1:7]
m = json.loads(open(out).read().strip().splitlines()[-1])
m.update(generator=gen, write_wall_seconds=float(wall), write_peak_rss_kb=int(rss),
         index_bytes=sum(os.path.getsize(os.path.join(idx, f)) for f in os.listdir(idx)))
json.dump(m, open(marker + ".tmp", "w"))
os.replace(marker + ".tmp", marker)
EOF
}

# ---------------------------------------------------------------- measurements
for mode in $MODES; do
    corpus "$mode"
    IDX="$WORK/corpus/$mode/index"
    python3 - "$WORK/corpus/$mode/COMPLETE.json" "$mode" >>"$RESULTS" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
print(json.dumps({"mode": sys.argv[2], "reader": "corpus", **m}))
EOF

    log "== $mode: warming the page cache"
    log "+ cat $IDX/* >/dev/null; one untimed JavaRead merge and one untimed ferry export"
    cat "$IDX"/* >/dev/null
    java $JAVA_OPTS -cp "$CP" JavaRead "$IDX" merge >/dev/null
    tmp=$(mktemp -d "$WORK/tmp/ferry-out.XXXXXX")
    "$FERRY" export --lucene-dir "$IDX" --index-name bench --jobs 1 --out "$tmp" -q -o json >/dev/null
    rm -rf "$tmp"
    sync

    # (a) Java, sequential merge instance: best of RUNS
    best=
    for ((i = 1; i <= RUNS; i++)); do
        show /usr/bin/time -f '%e %M %U %S' java $JAVA_OPTS -cp "$CP" JavaRead "$IDX" merge
        timed java $JAVA_OPTS -cp "$CP" JavaRead "$IDX" merge
        log "   $(cat "$OUTF") wall=${WALL}s rss=${RSS_KB}KB"
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $WALL < $best else 1)"; then
            best=$WALL; best_rss=$RSS_KB; best_cpu=$CPU
            j_docs=$(jfield docs); j_src=$(jfield source_bytes); j_inner=$(jfield seconds)
        fi
    done
    CPU=$best_cpu
    record "$mode" java-merge "$j_docs" "$j_src" "$best" "$best_rss" "$j_inner" "$RUNS" ""
    live_docs=$j_docs; live_src=$j_src

    # (b) Java, per-document reads of the first PERDOC_N live docs, once; extrapolated to all
    show /usr/bin/time -f '%e %M %U %S' java $JAVA_OPTS -cp "$CP" JavaRead "$IDX" document "$PERDOC_N"
    timed java $JAVA_OPTS -cp "$CP" JavaRead "$IDX" document "$PERDOC_N"
    log "   $(cat "$OUTF") wall=${WALL}s rss=${RSS_KB}KB"
    d_docs=$(jfield docs); d_src=$(jfield source_bytes); d_inner=$(jfield seconds)
    record "$mode" "java-document-first-$d_docs" "$d_docs" "$d_src" "$WALL" "$RSS_KB" "$d_inner" 1 \
        "{\"loop_docs_per_second\": $(python3 -c "print(round($d_docs / $d_inner, 1))")}"
    # Full scan = the measured start-up/teardown overhead + the loop time scaled to every live doc.
    CPU=-
    ext_wall=$(python3 -c "print(round(($WALL - $d_inner) + $d_inner * $live_docs / $d_docs, 2))")
    record "$mode" java-document-extrapolated "$live_docs" "$live_src" "$ext_wall" - \
        "$(python3 -c "print(round($d_inner * $live_docs / $d_docs, 3))")" 0 \
        "{\"extrapolated_from_docs\": $d_docs}"

    # (c) ferry export, one job: best of RUNS
    best=
    for ((i = 1; i <= RUNS; i++)); do
        tmp=$(mktemp -d "$WORK/tmp/ferry-out.XXXXXX")
        show /usr/bin/time -f '%e %M %U %S' "$FERRY" export --lucene-dir "$IDX" --index-name bench --jobs 1 --out "$tmp" -q -o json
        timed "$FERRY" export --lucene-dir "$IDX" --index-name bench --jobs 1 --out "$tmp" -q -o json
        out_bytes=$(du -sb "$tmp" | cut -f1)
        rm -rf "$tmp"
        sync
        log "   docs=$(jfield docs) source_bytes=$(jfield source_bytes) elapsed=$(jfield elapsed_seconds)s wall=${WALL}s rss=${RSS_KB}KB"
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $WALL < $best else 1)"; then
            best=$WALL; best_rss=$RSS_KB; best_cpu=$CPU
            f_docs=$(jfield docs); f_src=$(jfield source_bytes); f_inner=$(jfield elapsed_seconds); f_out=$out_bytes
        fi
    done
    CPU=$best_cpu
    record "$mode" ferry "$f_docs" "$f_src" "$best" "$best_rss" "$f_inner" "$RUNS" "{\"ndjson_bytes\": $f_out}"
    # (d) extra: the same export with the NDJSON sent to /dev/null (--out -; the summary then goes
    #     to stderr), i.e. decoding and conversion without the file system; skipped if unsupported.
    if [ "$STDOUT_ROW" = 1 ] && "$FERRY" export --lucene-dir "$IDX" --index-name bench --jobs 1 --out - -q -o json >/dev/null 2>"$OUTF"; then
        best=
        for ((i = 1; i <= RUNS; i++)); do
            SHOW_SUFFIX=' >/dev/null' show /usr/bin/time -f '%e %M %U %S' "$FERRY" export --lucene-dir "$IDX" --index-name bench --jobs 1 --out - -q -o json
            /usr/bin/time -f '%e %M %U %S' -o "$TIMEF" "$FERRY" export --lucene-dir "$IDX" --index-name bench --jobs 1 --out - -q -o json >/dev/null 2>"$OUTF"
            read -r WALL RSS_KB user sys <"$TIMEF"
            CPU=$(python3 -c "print(round($user + $sys, 2))")
            log "   docs=$(jfield docs) elapsed=$(jfield elapsed_seconds)s wall=${WALL}s rss=${RSS_KB}KB cpu=${CPU}s"
            if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $WALL < $best else 1)"; then
                best=$WALL; best_rss=$RSS_KB; best_cpu=$CPU
                s_docs=$(jfield docs); s_src=$(jfield source_bytes); s_inner=$(jfield elapsed_seconds)
            fi
        done
        CPU=$best_cpu
        record "$mode" ferry-stdout-devnull "$s_docs" "$s_src" "$best" "$best_rss" "$s_inner" "$RUNS" ""
    elif [ "$STDOUT_ROW" = 1 ]; then
        log "   ferry export --out - is not supported by this binary; skipping the /dev/null row"
    fi

    if [ "$f_docs" != "$live_docs" ] || [ "$f_src" != "$live_src" ]; then
        log "MISMATCH in $mode: ferry read $f_docs docs / $f_src source bytes, Java $live_docs / $live_src"
        echo "{\"mode\":\"$mode\",\"reader\":\"check\",\"ok\":false}" >>"$RESULTS"
    else
        echo "{\"mode\":\"$mode\",\"reader\":\"check\",\"ok\":true}" >>"$RESULTS"
    fi
done

# ---------------------------------------------------------------- report
if [ "$JSON_ONLY" -eq 1 ]; then
    cat "$RESULTS"
else
    python3 - "$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print()
import os, platform
print("Machine: %s, %d CPUs, Linux %s, %.1f GB RAM" % (open("/proc/cpuinfo").read().split("model name")[1].split(":")[1].split("\n")[0].strip(),
      os.cpu_count(), platform.release(), os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30))
for r in rows:
    if r["reader"] == "corpus":
        print("Corpus %-16s %d docs written, %d live in %d segments, live _source %.1f MB, index %.1f MB on disk "
              "(ratio %.2f), written in %.0f s" % (r["mode"], r["docs_written"], r["live_docs"], r["segments"],
              r["live_source_bytes"] / 1e6, r["index_bytes"] / 1e6, r["all_source_bytes"] / r["index_bytes"],
              r["write_wall_seconds"]))
print()
hdr = ("mode", "reader", "docs", "source MB", "wall s", "docs/s", "MB/s", "peak RSS MB", "inner s", "cpu s")
fmt = "%-16s %-28s %9s %10s %8s %10s %8s %11s %8s %7s"
print(fmt % hdr)
print("-" * 126)
by = {}
for r in rows:
    if r["reader"] in ("corpus", "check"):
        continue
    by[(r["mode"], r["reader"].split("-first-")[0])] = r
    print(fmt % (r["mode"], r["reader"], r["docs"], "%.1f" % (r["source_bytes"] / 1e6), "%.2f" % r["wall_seconds"],
                 "%.0f" % r["docs_per_second"], "%.1f" % r["source_mb_per_second"],
                 "-" if r["peak_rss_kb"] is None else "%.0f" % (r["peak_rss_kb"] / 1024),
                 "-" if r["inner_seconds"] is None else "%.2f" % r["inner_seconds"],
                 "-" if r["cpu_seconds"] is None else "%.2f" % r["cpu_seconds"]))
print()
print("Throughput ratios (whole process, wall time; > 1 means ferry is faster):")
for mode in dict.fromkeys(m for m, _ in by):
    f = by.get((mode, "ferry"))
    jm = by.get((mode, "java-merge"))
    jd = by.get((mode, "java-document-extrapolated"))
    if f and jm and jd:
        print("  %-16s ferry/Java-merge %.2fx   ferry/Java-per-doc %.1fx   (in-process loops: %.2fx / %.1fx)" % (
            mode, jm["wall_seconds"] / f["wall_seconds"], jd["wall_seconds"] / f["wall_seconds"],
            jm["inner_seconds"] / f["inner_seconds"], jd["inner_seconds"] / f["inner_seconds"]))
    n = by.get((mode, "ferry-stdout-devnull"))
    if n and jm and jd:
        print("  %-16s ferry --out - >/dev/null: /Java-merge %.2fx   /Java-per-doc %.1fx" % (
            mode, jm["wall_seconds"] / n["wall_seconds"], jd["wall_seconds"] / n["wall_seconds"]))
checks = [r for r in rows if r["reader"] == "check"]
print("wall s, peak RSS: the whole process (/usr/bin/time %e, %M); inner s: the program's own read-loop time "
      "(JavaRead \"seconds\", ferry \"elapsed_seconds\"); cpu s: user + sys of the whole process.")
revs = sorted({r["ferry_revision"] for r in rows if r.get("ferry_revision")})
print("ferry revision: " + ", ".join(revs))
print("Docs and _source bytes, ferry vs Java merge: " + ", ".join("%s %s" % (c["mode"], "equal" if c["ok"] else "MISMATCH") for c in checks))
print()
print("JSON lines (--json prints only these):")
for r in rows:
    print(json.dumps(r))
EOF
    echo
    echo "Commands (JavaRead/WriteCorpus classes in $WORK/classes, results in $RESULTS):"
    printf '  %s\n' "${COMMANDS[@]}" | sed -E 's/ferry-out\.[A-Za-z0-9]+/ferry-out.XXXXXX/' | awk '!seen[$0]++'
fi
if grep -q '"ok": *false' "$RESULTS"; then exit 1; fi
