#!/usr/bin/env python3
"""Writes the copy benchmark's source repository straight into an s3s-fs root folder.

    make_corpus.py ROOT BUCKET SAMPLE_REPO BYTES OBJECTS SEED

ROOT/BUCKET/<key> receives a snapshot-repository-shaped tree of at least OBJECTS objects and at
least BYTES bytes:
  * every file of SAMPLE_REPO (a real repository: root index-N, index.latest, snap-*/meta-*, its
    indices/...), unchanged, so the tree is a repository ferry copy accepts;
  * generated indices indices/<id>/ (22-character base64url ids, like Elasticsearch's), each with
    1 to 5 shards; per index 2 `meta-<uuid>.dat` (0.5-8 KB), per shard one `snap-<uuid>.dat` per
    snapshot (3 snapshots, 0.4-3 KB) and one `index-<uuid>` (1-20 KB);
  * data blobs indices/<id>/<shard>/__<uuid> spread over the shards at random, sizes drawn
    log-uniformly from three classes: small 1-64 KiB (most objects), medium 1-16 MiB, large
    64-256 MiB (a few; for small BYTES the large class shrinks to 30 % of BYTES at most, but never
    below 17-32 MiB, so it stays above the medium class and the 16 MiB multipart threshold). The large and medium counts are
    chosen so that ~45 % of BYTES is in large blobs and the rest mostly in medium ones; the
    medium sizes are then scaled (and the largest blob grown if needed) so the total reaches
    BYTES. Contents are random (os.urandom: incompressible); names and sizes come from SEED.
For every object it also writes the sidecar s3s-fs 0.14 keeps for objects it received itself,
ROOT/.bucket-<b64(bucket)>.object-<b64(key)>.internal.json = {"e_tag": "<md5 hex>"}: without
it s3s-fs computes the MD5 of the whole file on every GET and HEAD of a seeded file (to answer
with an ETag), which would make the source server, not the tools, the bottleneck.
Prints one JSON line: objects, bytes, per-class counts and bytes, seconds.
"""
import base64
import hashlib
import json
import math
import os
import random
import sys
import time

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30


def b64(s):
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


def main():
    root, bucket, sample, total_bytes, total_objects, seed = sys.argv[1:7]
    total_bytes, total_objects, seed = int(total_bytes), int(total_objects), int(seed)
    rng = random.Random(seed)
    started = time.monotonic()

    def uid():
        return base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "little")).decode().rstrip("=")

    def log_uniform(lo, hi):
        return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))

    def mean_log_uniform(lo, hi):
        return (hi - lo) / math.log(hi / lo)

    objects = []  # (key, size or None for sample files, class, sample source path)
    for d, _, files in os.walk(sample):
        for f in sorted(files):
            p = os.path.join(d, f)
            objects.append((os.path.relpath(p, sample), os.path.getsize(p), "sample", p))

    snaps = [uid() for _ in range(3)]
    shards = []
    n_indices = max(2, round(total_objects / 500))
    for _ in range(n_indices):
        idx = uid()
        for _ in range(2):
            objects.append(("indices/%s/meta-%s.dat" % (idx, uid()), rng.randint(512, 8 * KIB), "metadata", None))
        for s in range(rng.randint(1, 5)):
            shards.append("indices/%s/%d" % (idx, s))
            for u in snaps:
                objects.append(("%s/%d/snap-%s.dat" % ("indices/" + idx, s, u), rng.randint(400, 3 * KIB), "metadata", None))
            objects.append(("%s/%d/index-%s" % ("indices/" + idx, s, uid()), rng.randint(KIB, 20 * KIB), "metadata", None))

    fixed = sum(o[1] for o in objects)
    n_data = max(1, total_objects - len(objects))
    large_hi = min(256 * MIB, max(32 * MIB, int(total_bytes * 0.3)))
    large_lo = max(min(64 * MIB, large_hi // 2), 17 * MIB)
    small_mean = mean_log_uniform(KIB, 64 * KIB)
    med_mean = mean_log_uniform(MIB, 16 * MIB)
    n_large = min(max(1, int(total_bytes * 0.45 / mean_log_uniform(large_lo, large_hi))), max(1, n_data // 10))
    large = [log_uniform(large_lo, large_hi) for _ in range(n_large)]
    f = total_bytes * 0.45 / sum(large)
    large = [min(max(int(x * f), large_lo), large_hi) for x in large]
    rest = total_bytes - fixed - sum(large)
    n_med = int(round((rest - (n_data - n_large) * small_mean) / (med_mean - small_mean)))
    n_med = min(max(n_med, 0), n_data - n_large - 1)
    n_small = n_data - n_large - n_med
    small = [log_uniform(KIB, 64 * KIB) for _ in range(n_small)]
    med = [log_uniform(MIB, 16 * MIB) for _ in range(n_med)]
    if med:
        want = total_bytes - fixed - sum(large) - sum(small)
        f = want / sum(med)
        med = [min(max(int(m * f), MIB), 16 * MIB) for m in med]
    short = total_bytes - fixed - sum(large) - sum(small) - sum(med)
    if short > 0:
        large.sort()
        large[-1] += short
    for cls, sizes in (("small", small), ("medium", med), ("large", large)):
        for size in sizes:
            objects.append(("%s/__%s" % (rng.choice(shards), uid()), size, cls, None))

    bdir = os.path.join(root, bucket)
    os.makedirs(bdir, exist_ok=True)
    stats = {}
    chunk = 8 * MIB
    for key, size, cls, src in objects:
        path = os.path.join(bdir, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        h = hashlib.md5()
        with open(path, "wb") as out:
            if src is not None:
                data = open(src, "rb").read()
                h.update(data)
                out.write(data)
            else:
                left = size
                while left > 0:
                    b = os.urandom(min(chunk, left))
                    h.update(b)
                    out.write(b)
                    left -= len(b)
        with open(os.path.join(root, ".bucket-%s.object-%s.internal.json" % (b64(bucket), b64(key))), "w") as out:
            json.dump({"e_tag": h.hexdigest()}, out)
        c = stats.setdefault(cls, {"objects": 0, "bytes": 0, "min": size, "max": size})
        c["objects"] += 1
        c["bytes"] += size
        c["min"] = min(c["min"], size)
        c["max"] = max(c["max"], size)
    print(json.dumps({
        "objects": len(objects),
        "bytes": sum(o[1] for o in objects),
        "indices": n_indices + len({k.split("/")[1] for k, _, c, _ in objects if c == "sample" and k.startswith("indices/")}),
        "shards": len(shards),
        "classes": stats,
        "write_seconds": round(time.monotonic() - started, 2),
    }))


if __name__ == "__main__":
    main()
