#!/usr/bin/env bash
# Backfill benchmark: ferry backfill from a snapshot repository into the emulator's fastest mode.
#
#   bench/backfill/run.sh [--json] [--prepare-only]
#
# Corpus (written once, then reused): WriteBulkCorpus.java (this folder; it uses
# bench/decode/WriteCorpus.java's document generator) writes 1,000,000 Elasticsearch-shaped
# documents with Java Lucene 8 (LZ4 = BEST_SPEED, Elasticsearch's default stored-fields mode),
# ~2.4 KB of `_source` on average, routed to 2 shards as Elasticsearch 7 would (two Lucene dirs of
# ~500k documents, 5 segments each), 5 % hard-deleted. crates/snapshot/examples/pack_repo.rs then
# wraps the two dirs into an Elasticsearch 7.10-layout snapshot repository (snapshot `bench-1`,
# index `bench`, 2 shards, 0 replicas; blobs hard-linked to the Lucene files). A corpus is reused
# when its COMPLETE.json marker (written last) names the same generator (hash of both .java files),
# mode, document count, shard count and target size; the repository when its PACKED.json names the
# same corpus and packer (hash of pack_repo.rs), else it is repacked (seconds).
#
# Measurement, for each personality (default es-7.10), after warming the page cache (the repository
# files are read once, plus one untimed backfill): FERRY_BENCH_RUNS times (best wall time kept)
#   1. start `ferry-emulator --personality P --port 0 --store count-only` (only action lines are
#      parsed, sources skipped) and read its `listening on http://127.0.0.1:PORT` line;
#   2. /usr/bin/time -f '%e %M %U %S' ferry backfill REPO --target URL --ledger <fresh file>
#        --dead-letter <fresh file> --workers 2 --connections 4 --compress none -o json -q
#      (wall seconds, ferry's peak RSS, user + sys CPU; ferry's JSON summary gives docs_sent,
#      bytes_sent = bulk body bytes, elapsed_seconds; exit 0 = every count matches);
#   3. read GET /_emulator/stats (bulk_items, bulk_requests, bytes_received) and the emulator's
#      peak RSS (VmHWM in /proc/PID/status) and CPU (utime + stime in /proc/PID/stat), then kill it.
# A run counts only if ferry exits 0, docs_sent == the corpus's live docs and the emulator's
# bulk_items == live docs; otherwise the script reports it and exits 1 at the end.
# docs/s and MB/s are over ferry's whole-process wall time (start-up, index creation, refresh and
# _count included); "ratio" is docs/s over the Migration Assistant's published 9,800 docs/s per
# 2-vCPU worker. Targets (issue): >= 100k docs/s at ~2.4 KB per doc, ferry peak RSS <= 256 MiB.
# Ferry and the emulator share the machine's CPUs: on a machine with more than 2, set
# FERRY_BENCH_CPUS=0,1 to pin both to two cores (taskset).
# Output: a markdown table, the JSON lines (stdout holds only the JSON lines with --json), the exact
# commands. Nothing is written inside the repository except cargo's build output; the binaries are
# copied to the work dir first, so a concurrent rebuild cannot change them mid-run.
#
# Environment:
#   FERRY_BENCH_DIR            work dir (default ~/.cache/ferry-bench): classes, bin/backfill,
#                              backfill/<corpus>/{lucene,repo} (~1.2 GB for 1M docs), results/*.jsonl
#   FERRY_BENCH_DOCS           documents written (default 1000000; smaller values for trying out;
#                              each count has its own corpus folder)
#   FERRY_BENCH_SHARDS         shards (Lucene dirs) (default 2)
#   FERRY_BENCH_AVG_BYTES      target average `_source` bytes (default 2400)
#   FERRY_BENCH_MODE           BEST_SPEED (default, LZ4) or BEST_COMPRESSION (DEFLATE)
#   FERRY_BENCH_RUNS           timed runs per personality, best wall time kept (default 3)
#   FERRY_BENCH_WARMUP         1 (default): one untimed backfill per personality first; 0: none
#   FERRY_BENCH_PERSONALITIES  emulator personalities (default "es-7.10"; e.g. "es-7.10 os-2")
#   FERRY_BENCH_WORKERS        --workers (default 2)
#   FERRY_BENCH_CONNECTIONS    --connections (default 4)
#   FERRY_BENCH_BACKFILL_ARGS  extra ferry backfill arguments (default none), e.g. "--batch-docs 2000"
#   FERRY_BENCH_CPUS           taskset CPU list for ferry and the emulator (default: no pinning)
#   FERRY_BIN                  use this ferry binary instead of building target/release/ferry
#   FERRY_EMULATOR_BIN         use this emulator instead of building target/release/ferry-emulator
#   JAVA_OPTS                  extra JVM options for the corpus writer (default none)
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
DOCS=${FERRY_BENCH_DOCS:-1000000}
SHARDS=${FERRY_BENCH_SHARDS:-2}
AVG_BYTES=${FERRY_BENCH_AVG_BYTES:-2400}
MODE=${FERRY_BENCH_MODE:-BEST_SPEED}
RUNS=${FERRY_BENCH_RUNS:-3}
WARMUP=${FERRY_BENCH_WARMUP:-1}
PERSONALITIES=${FERRY_BENCH_PERSONALITIES:-es-7.10}
WORKERS=${FERRY_BENCH_WORKERS:-2}
CONNECTIONS=${FERRY_BENCH_CONNECTIONS:-4}
read -r -a EXTRA_ARGS <<<"${FERRY_BENCH_BACKFILL_ARGS:-}"
CPUS=${FERRY_BENCH_CPUS:-}
JAVA_OPTS=${JAVA_OPTS:-}
MA_DOCS_PER_SECOND=9800

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
# Java 17 + Lucene 8: crates/lucene/tests/java/install.sh's cache if present, else Debian's packages.
JAVA=; JAVAC=; LUCENE_JAR=
if [ -f "$HOME/.cache/ferry-lucene/env.sh" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cache/ferry-lucene/env.sh"
    if [ -n "${JAVA17:-}" ] && [ -x "$JAVA17" ] && [ -x "$(dirname "$JAVA17")/javac" ]; then
        JAVA=$JAVA17; JAVAC=$(dirname "$JAVA17")/javac
    fi
    IFS=: read -r -a cp_parts <<<"${LUCENE8_CP:-}"
    for p in "${cp_parts[@]}"; do
        case "$(basename "$p")" in lucene-core-8*.jar) [ -f "$p" ] && LUCENE_JAR=$p && break ;; esac
    done
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
need=()
[ -n "$JAVAC" ] || command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
[ -n "$LUCENE_JAR" ] || compgen -G '/usr/share/java/lucene-core-8*.jar' >/dev/null || need+=(liblucene8-java)
[ -x /usr/bin/time ] || need+=(time)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ -n "$CPUS" ]; then command -v taskset >/dev/null 2>&1 || need+=(util-linux); fi
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >&2
fi
[ -n "$JAVA" ] || { JAVA=$(command -v java); JAVAC=$(command -v javac); }
[ -n "$LUCENE_JAR" ] || LUCENE_JAR=$(ls /usr/share/java/lucene-core-8*.jar | head -n 1)
PIN=()
[ -z "$CPUS" ] || PIN=(taskset -c "$CPUS")

mkdir -p "$WORK/classes/backfill" "$WORK/backfill" "$WORK/results" "$WORK/tmp" "$WORK/bin/backfill"
"$JAVAC" --release 17 -nowarn -d "$WORK/classes/backfill" -cp "$LUCENE_JAR" "$REPO/bench/decode/WriteCorpus.java" "$HERE/WriteBulkCorpus.java"
CP="$LUCENE_JAR:$WORK/classes/backfill"
GEN_HASH=$(cat "$REPO/bench/decode/WriteCorpus.java" "$HERE/WriteBulkCorpus.java" | sha256sum | cut -c1-16)
PACK_HASH=$(sha256sum <"$REPO/crates/snapshot/examples/pack_repo.rs" | cut -c1-16)

FERRY_REV=$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(cd "$REPO" && git status --porcelain --untracked-files=no 2>/dev/null)" ]; then FERRY_REV="$FERRY_REV+dirty"; fi
# Private copies of the binaries: a concurrent cargo build must not swap them between runs.
install_bin() { # source name
    cp -f "$1" "$WORK/bin/backfill/$2.tmp" && mv -f "$WORK/bin/backfill/$2.tmp" "$WORK/bin/backfill/$2"
}
if [ "$PREPARE_ONLY" -eq 0 ]; then
    if [ -n "${FERRY_BIN:-}" ]; then
        FERRY=$FERRY_BIN
    else
        log "building ferry (cargo build --release -p ferry-cli)"
        (cd "$REPO" && cargo build --release -p ferry-cli >&2)
        FERRY="$REPO/target/release/ferry"
    fi
    if [ -n "${FERRY_EMULATOR_BIN:-}" ]; then
        EMU=$FERRY_EMULATOR_BIN
    else
        log "building the emulator (cargo build --release -p emulator --bin ferry-emulator)"
        (cd "$REPO" && cargo build --release -p emulator --bin ferry-emulator >&2)
        EMU="$REPO/target/release/ferry-emulator"
    fi
    [ -x "$FERRY" ] || { log "no ferry binary at $FERRY"; exit 1; }
    [ -x "$EMU" ] || { log "no emulator binary at $EMU"; exit 1; }
    install_bin "$FERRY" ferry
    install_bin "$EMU" ferry-emulator
    FERRY="$WORK/bin/backfill/ferry"
    EMU="$WORK/bin/backfill/ferry-emulator"
    [ -z "${FERRY_BIN:-}" ] || FERRY_REV="$FERRY_REV FERRY_BIN=$FERRY_BIN"
    [ -z "${FERRY_EMULATOR_BIN:-}" ] || FERRY_REV="$FERRY_REV FERRY_EMULATOR_BIN=$FERRY_EMULATOR_BIN"
    log "ferry and emulator: $FERRY_REV, measured as $FERRY and $EMU"
fi

TMPD=$(mktemp -d "$WORK/tmp/backfill.XXXXXX")
TIMEF="$TMPD/time"
OUTF="$TMPD/out.json"
RESULTS="$WORK/results/backfill-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
EMU_PID=
cleanup() {
    if [ -n "$EMU_PID" ]; then kill "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; fi
    rm -rf "$TMPD"
}
trap cleanup EXIT

# Runs "$@" under /usr/bin/time; sets WALL, RSS_KB, CPU (user + sys seconds), RC, and leaves the
# command's stdout in $OUTF.
timed() {
    RC=0
    /usr/bin/time -f '%e %M %U %S' -o "$TIMEF" "$@" >"$OUTF" || RC=$?
    local user sys
    read -r WALL RSS_KB user sys < <(tail -n 1 "$TIMEF")
    CPU=$(python3 -c "print(round($user + $sys, 2))")
}

# ---------------------------------------------------------------- corpus
CORPUS="$WORK/backfill/$MODE-${DOCS}docs-${SHARDS}shards-${AVG_BYTES}B"
LUCENE="$CORPUS/lucene"
BENCH_REPO="$CORPUS/repo"
MARKER="$CORPUS/COMPLETE.json"
PACKED="$CORPUS/PACKED.json"
GEN_CMD=("$JAVA" $JAVA_OPTS -cp "$CP" WriteBulkCorpus "$LUCENE" "$MODE" "$DOCS" "$SHARDS" "$AVG_BYTES")
if [ -f "$MARKER" ] && python3 - "$MARKER" "$GEN_HASH" "$DOCS" "$SHARDS" "$AVG_BYTES" "$MODE" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
ok = (m.get("generator") == sys.argv[2] and m.get("docs_written") == int(sys.argv[3]) and m.get("shards") == int(sys.argv[4])
      and m.get("avg_source_target") == float(sys.argv[5]) and m.get("mode") == sys.argv[6])
sys.exit(0 if ok else 1)
EOF
then
    log "corpus: reusing $LUCENE ($(du -sh "$LUCENE" | cut -f1))"
    COMMANDS+=("$(printf '%q ' "${GEN_CMD[@]}")  # reused: $MARKER")
else
    rm -rf "$CORPUS"
    mkdir -p "$CORPUS"
    log "corpus: writing $DOCS documents in $SHARDS shards to $LUCENE"
    show "${GEN_CMD[@]}"
    timed "${GEN_CMD[@]}"
    [ "$RC" -eq 0 ] || { log "WriteBulkCorpus failed (exit $RC)"; exit 1; }
    cat "$OUTF" >&2
    python3 - "$OUTF" "$MARKER" "$GEN_HASH" "$WALL" "$RSS_KB" "$LUCENE" "$AVG_BYTES" <<'EOF'
import json, os, sys
out, marker, gen, wall, rss, lucene, avg = sys.argv[1:8]
m = json.loads(open(out).read().strip().splitlines()[-1])
sizes = []
for s in range(m["shards"]):
    d = os.path.join(lucene, str(s))
    sizes.append(sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)))
for s, b in zip(m["per_shard"], sizes):
    s["index_bytes"] = b
m.update(generator=gen, avg_source_target=float(avg), write_wall_seconds=float(wall), write_peak_rss_kb=int(rss),
         index_bytes=sum(sizes))
json.dump(m, open(marker + ".tmp", "w"))
os.replace(marker + ".tmp", marker)
EOF
fi
CORPUS_ID=$(sha256sum <"$MARKER" | cut -c1-16)
SHARD_DIRS=$(for ((s = 0; s < SHARDS; s++)); do printf '%s%s' "$([ "$s" -eq 0 ] || echo ,)" "$LUCENE/$s"; done)
log "building the packer (cargo build --release -p snapshot --example pack_repo)"
(cd "$REPO" && cargo build --release -p snapshot --example pack_repo >&2)
PACK_CMD=("$REPO/target/release/examples/pack_repo" "$BENCH_REPO" "bench=$SHARD_DIRS")
if [ -f "$PACKED" ] && python3 - "$PACKED" "$CORPUS_ID" "$PACK_HASH" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if m.get("corpus") == sys.argv[2] and m.get("packer") == sys.argv[3] else 1)
EOF
then
    log "repository: reusing $BENCH_REPO"
    COMMANDS+=("$(printf '%q ' "${PACK_CMD[@]}")  # reused: $PACKED")
else
    rm -f "$PACKED"
    show "${PACK_CMD[@]}"
    "${PACK_CMD[@]}" >&2
    python3 - "$PACKED" "$CORPUS_ID" "$PACK_HASH" "$BENCH_REPO" <<'EOF'
import json, os, sys
marker, corpus, packer, repo = sys.argv[1:5]
size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(repo) for f in fs)
json.dump({"corpus": corpus, "packer": packer, "repo": repo, "repo_bytes": size}, open(marker + ".tmp", "w"))
os.replace(marker + ".tmp", marker)
EOF
fi
read -r LIVE_DOCS LIVE_SRC < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["live_docs"], m["live_source_bytes"])' "$MARKER")
python3 - "$MARKER" "$PACKED" >>"$RESULTS" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2]))
print(json.dumps({"bench": "backfill", "row": "corpus", **m, "repo": p["repo"], "repo_bytes": p["repo_bytes"]}))
EOF
if [ "$PREPARE_ONLY" -eq 1 ]; then
    log "corpus and repository ready: $BENCH_REPO ($LIVE_DOCS live docs, $LIVE_SRC bytes of live _source)"
    cat "$MARKER" >&2; echo >&2
    exit 0
fi

# ---------------------------------------------------------------- measurements
# Starts the emulator; sets EMU_PID and URL.
start_emulator() { # personality
    local out="$TMPD/emulator.out" i
    : >"$out"
    SHOW_SUFFIX=' &' show "${PIN[@]}" "$EMU" --personality "$1" --port 0 --store count-only
    "${PIN[@]}" "$EMU" --personality "$1" --port 0 --store count-only >"$out" 2>"$TMPD/emulator.err" &
    EMU_PID=$!
    URL=
    for ((i = 0; i < 100; i++)); do
        URL=$(sed -n 's/^listening on //p' "$out")
        [ -z "$URL" ] || break
        kill -0 "$EMU_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$URL" ]; then
        log "the emulator did not start:"; cat "$TMPD/emulator.err" >&2
        exit 1
    fi
}
# Reads the emulator's stats, peak RSS and CPU, then stops it; sets EMU_STATS (JSON), EMU_RSS_KB, EMU_CPU.
stop_emulator() {
    EMU_STATS=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "/_emulator/stats", timeout=30).read().decode())' "$URL")
    EMU_RSS_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$EMU_PID/status")
    EMU_CPU=$(python3 - "$EMU_PID" <<'EOF'
import os, sys
f = open("/proc/%s/stat" % sys.argv[1]).read().rsplit(")", 1)[1].split()
print(round((int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"), 2))
EOF
)
    kill "$EMU_PID"
    wait "$EMU_PID" 2>/dev/null || true
    EMU_PID=
}

backfill_cmd() { # url ledger dead-letter
    BF=("${PIN[@]}" "$FERRY" backfill "$BENCH_REPO" --target "$1" --ledger "$2" --dead-letter "$3"
        --workers "$WORKERS" --connections "$CONNECTIONS" --compress none -o json -q "${EXTRA_ARGS[@]}")
}

log "== warming the page cache: cat $BENCH_REPO/indices/*/*/* >/dev/null"
find "$BENCH_REPO" -type f -exec cat {} + >/dev/null
FAILED=0
for P in $PERSONALITIES; do
    if [ "$WARMUP" = 1 ]; then
        log "== $P: one untimed backfill"
        start_emulator "$P"
        backfill_cmd "$URL" "$TMPD/warmup.sqlite" "$TMPD/warmup-dead-letter.ndjson"
        log "+ $(printf '%q ' "${BF[@]}")>/dev/null"
        "${BF[@]}" >/dev/null || log "   (warm-up backfill exited $?)"
        stop_emulator
        rm -f "$TMPD"/warmup*
    fi
    best=
    for ((i = 1; i <= RUNS; i++)); do
        start_emulator "$P"
        run="$TMPD/run-$P-$i"
        mkdir -p "$run"
        backfill_cmd "$URL" "$run/ledger.sqlite" "$run/dead-letter.ndjson"
        show /usr/bin/time -f '%e %M %U %S' "${BF[@]}"
        timed "${BF[@]}"
        stop_emulator
        line=$(python3 - "$OUTF" "$EMU_STATS" "$P" "$i" "$RC" "$WALL" "$RSS_KB" "$CPU" "$EMU_RSS_KB" "$EMU_CPU" \
            "$LIVE_DOCS" "$LIVE_SRC" "$MA_DOCS_PER_SECOND" "$FERRY_REV" "$WORKERS" "$CONNECTIONS" "${CPUS:-all}" "$URL" <<'EOF'
import json, sys
(out, stats, pers, run, rc, wall, rss, cpu, emu_rss, emu_cpu, live, src, ma, rev, workers, conns, cpus, url) = sys.argv[1:19]
try:
    s = json.load(open(out))
except Exception as e:
    s = {"unparsed_output": open(out).read()[-2000:]}
e = json.loads(stats)
live, src, wall = int(live), int(src), float(wall)
problems = []
if int(rc) != 0:
    problems.append("ferry exited %s" % rc)
if s.get("docs_sent") != live:
    problems.append("docs_sent %s != live docs %d" % (s.get("docs_sent"), live))
if e.get("bulk_items") != live:
    problems.append("emulator bulk_items %s != live docs %d" % (e.get("bulk_items"), live))
d = {"bench": "backfill", "row": "run", "personality": pers, "run": int(run), "ok": not problems, "problems": problems,
     "exit_code": int(rc), "docs": live, "source_bytes": src, "avg_source_bytes": round(src / live, 1) if live else None,
     "docs_sent": s.get("docs_sent"), "bulk_bytes": s.get("bytes_sent"),
     "request_retries": s.get("request_retries"), "item_retries": s.get("item_retries"),
     "wall_seconds": wall, "ferry_elapsed_seconds": s.get("elapsed_seconds"), "ferry_docs_per_second": s.get("docs_per_second"),
     "docs_per_second": round(live / wall, 1) if wall > 0 else None,
     "source_mb_per_second": round(src / 1e6 / wall, 2) if wall > 0 else None,
     "bulk_mb_per_second": round((s.get("bytes_sent") or 0) / 1e6 / wall, 2) if wall > 0 else None,
     "ferry_peak_rss_kb": int(rss), "ferry_cpu_seconds": float(cpu),
     "emulator_peak_rss_kb": int(emu_rss), "emulator_cpu_seconds": float(emu_cpu),
     "emulator_bulk_items": e.get("bulk_items"), "emulator_bulk_requests": e.get("bulk_requests"),
     "emulator_bytes_received": e.get("bytes_received"),
     "ratio_to_migration_assistant": round(live / wall / int(ma), 2) if wall > 0 else None,
     "workers": int(workers), "connections": int(conns), "cpus": cpus, "ferry_revision": rev}
if "unparsed_output" in s:
    d["ferry_output"] = s["unparsed_output"]
print(json.dumps(d))
EOF
)
        echo "$line" >>"$RESULTS"
        ok=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(1 if d["ok"] else 0)' "$line")
        log "   $(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("wall=%ss docs/s=%s ferry_rss=%sKB emulator_rss=%sKB cpu=%s+%ss bulk_items=%s requests=%s %s" % (d["wall_seconds"], d["docs_per_second"], d["ferry_peak_rss_kb"], d["emulator_peak_rss_kb"], d["ferry_cpu_seconds"], d["emulator_cpu_seconds"], d["emulator_bulk_items"], d["emulator_bulk_requests"], "ok" if d["ok"] else "FAILED: " + "; ".join(d["problems"])))' "$line")"
        if [ "$ok" != 1 ]; then
            FAILED=1
            log "   ferry's stdout:"; sed 's/^/     /' "$OUTF" >&2
            [ ! -s "$run/dead-letter.ndjson" ] || { log "   dead letters (first 3):"; head -n 3 "$run/dead-letter.ndjson" | cut -c1-600 >&2; }
            log "   emulator stderr:"; sed 's/^/     /' "$TMPD/emulator.err" >&2
        elif [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $WALL < $best else 1)"; then
            best=$WALL; best_line=$line
        fi
        rm -rf "$run"
    done
    if [ -n "$best" ]; then
        python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d.update(row="best", runs=int(sys.argv[2])); d.pop("run"); print(json.dumps(d))' "$best_line" "$RUNS" >>"$RESULTS"
    fi
done

# ---------------------------------------------------------------- report
if [ "$JSON_ONLY" -eq 1 ]; then
    cat "$RESULTS"
else
    python3 - "$RESULTS" "$MA_DOCS_PER_SECOND" <<'EOF'
import json, os, platform, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ma = int(sys.argv[2])
print()
print("Machine: %s, %d CPUs, Linux %s, %.1f GB RAM" % (open("/proc/cpuinfo").read().split("model name")[1].split(":")[1].split("\n")[0].strip(),
      os.cpu_count(), platform.release(), os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30))
for r in rows:
    if r["row"] == "corpus":
        print("Corpus: %d docs written, %d live (%d deleted) in %d shards / %d segments (%s, %s); live _source %.1f MB, "
              "avg %.0f B (min %d, max %d); Lucene files %.1f MB; written in %.0f s" % (
              r["docs_written"], r["live_docs"], r["deleted"], r["shards"], r["segments"], r["mode"],
              ", ".join("shard %d: %d live" % (s["shard"], s["live_docs"]) for s in r["per_shard"]),
              r["live_source_bytes"] / 1e6, r["avg_live_source_bytes"], r["min_source_bytes"], r["max_source_bytes"],
              r["index_bytes"] / 1e6, r["write_wall_seconds"]))
        print("Repository: %s" % r["repo"])
print()
print("| target | docs | avg doc | wall s | docs/s | _source MB/s | bulk MB/s | ferry peak RSS | emulator peak RSS | ferry CPU s | emulator CPU s | vs 9.8k docs/s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if r["row"] != "best":
        continue
    print("| %s (best of %d) | %d | %.0f B | %.2f | %.0f | %.1f | %.1f | %.0f MiB | %.0f MiB | %.2f | %.2f | %.1f× |" % (
        r["personality"], r["runs"], r["docs"], r["avg_source_bytes"], r["wall_seconds"], r["docs_per_second"],
        r["source_mb_per_second"], r["bulk_mb_per_second"], r["ferry_peak_rss_kb"] / 1024, r["emulator_peak_rss_kb"] / 1024,
        r["ferry_cpu_seconds"], r["emulator_cpu_seconds"], r["ratio_to_migration_assistant"]))
print()
for r in rows:
    if r["row"] == "best":
        print("%s: docs/s %s the 100k target; ferry peak RSS %s 256 MiB; %d bulk requests, %.0f bytes of bulk body per doc; "
              "ferry's own elapsed %.2f s (%.0f docs/s)" % (r["personality"],
              "meets" if r["docs_per_second"] >= 100000 else "MISSES", "<=" if r["ferry_peak_rss_kb"] <= 256 * 1024 else ">",
              r["emulator_bulk_requests"], r["bulk_bytes"] / r["docs"], r["ferry_elapsed_seconds"], r["ferry_docs_per_second"]))
bad = [r for r in rows if r["row"] == "run" and not r["ok"]]
for r in bad:
    print("FAILED run %s #%d: %s" % (r["personality"], r["run"], "; ".join(r["problems"])))
print("wall s, ferry peak RSS, ferry CPU: the whole ferry process (/usr/bin/time %e, %M, %U + %S); docs/s and MB/s over that "
      "wall time; emulator: VmHWM and utime + stime from /proc before it is stopped; bulk MB: ferry's bytes_sent "
      "(uncompressed bulk bodies); vs 9.8k: docs/s / 9,800 (Migration Assistant, per 2-vCPU worker).")
revs = sorted({r["ferry_revision"] for r in rows if r.get("ferry_revision")})
print("ferry revision: " + ", ".join(revs))
print()
print("JSON lines (--json prints only these):")
for r in rows:
    print(json.dumps(r))
EOF
    echo
    echo "Commands (classes in $WORK/classes/backfill, results in $RESULTS; ledger and dead-letter files are fresh per run):"
    printf '  %s\n' "${COMMANDS[@]}" | sed -E 's#/tmp/backfill\.[A-Za-z0-9]+/run-[^/]+/#/tmp/backfill.XXXXXX/run-P-N/#g; s#127\.0\.0\.1:[0-9]+#127.0.0.1:PORT#g' | awk '!seen[$0]++'
fi
exit "$FAILED"
