#!/usr/bin/env bash
# Regenerate samples/repo: real Lucene 8 shards written by Java Lucene (samples/src/WriteShards.java),
# packed into an Elasticsearch 7.10-layout snapshot repository by ferry's own packer; and
# samples/repo-step1, the same repository after its first snapshot only.
# Needs: apt-get install -y default-jdk-headless liblucene8-java
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar=$(ls /usr/share/java/lucene-core-8*.jar 2>/dev/null | head -n 1)
[ -n "$jar" ] || { echo "make.sh: lucene-core-8 jar not found; apt-get install -y default-jdk-headless liblucene8-java" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
javac -d "$work/classes" -cp "$jar" "$here/src/WriteShards.java"
java -cp "$jar:$work/classes" WriteShards "$work/lucene"
cargo run --quiet -p snapshot --example make_sample_repo -- "$work/lucene" "$here/repo"
# The same repository as it was after its first snapshot, for copying it in two steps.
cargo run --quiet -p snapshot --example make_sample_repo -- "$work/lucene" "$here/repo-step1" 1
