//! Which snapshots a cluster can restore, by Elastic's and OpenSearch's documented rules.
//!
//! Two things limit a restore: the version that *took* the snapshot (a cluster never restores a
//! snapshot from a newer version, and OpenSearch restores only Elasticsearch 6.x–7.10
//! snapshots) and the version that *created* each index (Lucene reads only the previous major's
//! segments, so an index survives at most one major upgrade):
//!
//! | index created in | restores into |
//! |---|---|
//! | ES 5.x | ES 6.x (8.3+ only as a read-only archive) |
//! | ES 6.0–6.7 | ES 6.8, 7.x |
//! | ES 6.8 | ES 6.8, 7.2+ (snapshots taken by 6.8 not into 7.0/7.1) |
//! | ES 7.x | ES 7.x, 8.x |
//! | ES 8.x | ES 8.x, 9.x |
//! | ES 6.x / 7.0–7.10 | OpenSearch 1.x; OpenSearch 2.x only 7.x-created |
//! | OpenSearch 1.x | OpenSearch 1.x, 2.x |
//! | OpenSearch 2.x | OpenSearch 2.x, 3.x |
//!
//! Snapshots taken by Elasticsearch 7.11+ do not restore into OpenSearch, and OpenSearch
//! snapshots do not restore into Elasticsearch. What cannot be restored can still be moved
//! document by document: `ferry backfill` reads the snapshot itself.

use std::fmt;

use cluster::{ClusterInfo, Product};

/// A product and version: who took a snapshot, who created an index, who will restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub product: Product,
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

/// OpenSearch sets this bit in its version ids so they never collide with Elasticsearch's.
const OPENSEARCH_MASK: u64 = 0x0800_0000;

impl Version {
    pub const fn es(major: u32, minor: u32, patch: u32) -> Version {
        Version { product: Product::Elasticsearch, major, minor, patch }
    }

    pub const fn os(major: u32, minor: u32, patch: u32) -> Version {
        Version { product: Product::OpenSearch, major, minor, patch }
    }

    /// A version id as snapshots and `index.version.created` record it: `major·10⁶ + minor·10⁴ +
    /// patch·10² + build` (build 99 = release), with OpenSearch's ids XOR-ed with bit 27.
    pub fn from_id(id: u64) -> Version {
        let (product, id) = if id & OPENSEARCH_MASK != 0 { (Product::OpenSearch, id ^ OPENSEARCH_MASK) } else { (Product::Elasticsearch, id) };
        Version { product, major: (id / 1_000_000) as u32, minor: (id / 10_000 % 100) as u32, patch: (id / 100 % 100) as u32 }
    }

    /// The release id of this version (build 99), as [`from_id`](Self::from_id) reads it.
    pub fn id(self) -> u64 {
        let id = u64::from(self.major) * 1_000_000 + u64::from(self.minor) * 10_000 + u64::from(self.patch) * 100 + 99;
        match self.product {
            Product::Elasticsearch => id,
            Product::OpenSearch => id ^ OPENSEARCH_MASK,
        }
    }

    pub fn of(info: &ClusterInfo) -> Version {
        Version { product: info.product, major: info.major, minor: info.minor, patch: info.patch }
    }

    fn triple(self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch)
    }

    fn is_es(self) -> bool {
        self.product == Product::Elasticsearch
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.is_es() { "Elasticsearch" } else { "OpenSearch" };
        write!(f, "{name} {}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Why a snapshot taken by `snapshot` cannot be restored into `target`, or `None` if it can
/// (as far as the snapshot's own version goes; see [`index_refusal`] for each index).
pub fn snapshot_refusal(snapshot: Version, target: Version) -> Option<String> {
    match (snapshot.product, target.product) {
        (Product::OpenSearch, Product::Elasticsearch) => Some(format!("{target} cannot restore snapshots taken by OpenSearch ({snapshot})")),
        (Product::Elasticsearch, Product::OpenSearch) => {
            if snapshot.major < 6 || snapshot.triple() >= (7, 11, 0) {
                Some(format!("OpenSearch restores snapshots taken by Elasticsearch 6.0–7.10 only; this one was taken by {snapshot}"))
            } else {
                None
            }
        }
        _ if snapshot.triple() > target.triple() => Some(format!("{target} is older than {snapshot}, which took the snapshot; a cluster never restores a newer version's snapshot")),
        _ if snapshot.is_es() && (snapshot.major, snapshot.minor) == (6, 8) && (target.major, target.minor) < (7, 2) && target.major == 7 => {
            Some(format!("snapshots taken by {snapshot} restore into 7.2 and later, not {target}"))
        }
        _ => None,
    }
}

/// Why an index created by `created` cannot be restored into `target`, or `None` if it can.
pub fn index_refusal(created: Version, target: Version) -> Option<String> {
    let too_new = |limit: &str| Some(format!("an index created in {created} restores into {limit}, not {target}"));
    match (created.product, target.product) {
        (Product::OpenSearch, Product::Elasticsearch) => Some(format!("{target} cannot read indices created by OpenSearch")),
        (Product::Elasticsearch, Product::Elasticsearch) => match created.major {
            5 if target.major == 6 => None,
            5 if target.triple() >= (8, 3, 0) => Some(format!(
                "an index created in {created} can be restored into {target} only as a read-only archive (an Enterprise feature), not as a normal index"
            )),
            5 => too_new("Elasticsearch 6.x"),
            m if target.major <= m + 1 => None,
            m => too_new(&format!("Elasticsearch {m}.x and {}.x", m + 1)),
        },
        (Product::Elasticsearch, Product::OpenSearch) => match (created.major, target.major) {
            (6, 1) | (7, 1) | (7, 2) => None,
            (6, _) => too_new("OpenSearch 1.x"),
            (7, _) => too_new("OpenSearch 1.x and 2.x"),
            _ => too_new("Elasticsearch only"),
        },
        (Product::OpenSearch, Product::OpenSearch) if target.major <= created.major + 1 => None,
        (Product::OpenSearch, Product::OpenSearch) => too_new(&format!("OpenSearch {}.x and {}.x", created.major, created.major + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_round_trip_and_know_opensearch() {
        assert_eq!(Version::from_id(7_10_02_99), Version::es(7, 10, 2));
        assert_eq!(Version::from_id(6_08_00_99), Version::es(6, 8, 0));
        assert_eq!(Version::from_id(5_06_16_99), Version::es(5, 6, 16));
        // OpenSearch 1.0.0 (1000099 ^ 0x08000000) and 2.11.0.
        assert_eq!(Version::from_id(135_217_827), Version::os(1, 0, 0));
        for v in [Version::es(8, 15, 0), Version::os(2, 17, 1), Version::os(3, 1, 0)] {
            assert_eq!(Version::from_id(v.id()), v);
        }
    }

    #[test]
    fn snapshots_restore_forward_within_a_product() {
        let ok = [
            (Version::es(7, 10, 2), Version::es(7, 10, 2)),
            (Version::es(7, 10, 2), Version::es(8, 15, 0)),
            (Version::es(6, 8, 23), Version::es(7, 2, 0)),
            (Version::es(6, 7, 0), Version::es(7, 0, 0)),
            (Version::es(6, 8, 0), Version::os(1, 3, 0)),
            (Version::es(7, 10, 2), Version::os(2, 17, 0)),
            (Version::os(1, 3, 0), Version::os(2, 17, 0)),
        ];
        for (s, t) in ok {
            assert_eq!(snapshot_refusal(s, t), None, "{s} → {t}");
        }
        let refused = [
            (Version::es(7, 17, 0), Version::es(7, 10, 2), "older than"),
            (Version::es(7, 10, 2), Version::es(7, 10, 1), "older than"),
            (Version::es(6, 8, 0), Version::es(7, 1, 0), "7.2 and later"),
            (Version::es(7, 11, 0), Version::os(2, 17, 0), "6.0–7.10 only"),
            (Version::es(5, 6, 16), Version::os(1, 3, 0), "6.0–7.10 only"),
            (Version::os(2, 17, 0), Version::es(8, 15, 0), "taken by OpenSearch"),
            (Version::os(3, 1, 0), Version::os(2, 17, 0), "older than"),
        ];
        for (s, t, why) in refused {
            let r = snapshot_refusal(s, t).unwrap_or_else(|| panic!("{s} → {t} should be refused"));
            assert!(r.contains(why), "{s} → {t}: {r}");
        }
    }

    #[test]
    fn indices_survive_one_major_upgrade() {
        let ok = [
            (Version::es(5, 6, 16), Version::es(6, 8, 0)),
            (Version::es(6, 2, 0), Version::es(7, 17, 0)),
            (Version::es(7, 10, 2), Version::es(8, 15, 0)),
            (Version::es(8, 15, 0), Version::es(9, 1, 0)),
            (Version::es(6, 8, 0), Version::os(1, 3, 0)),
            (Version::es(7, 10, 2), Version::os(2, 17, 0)),
            (Version::os(1, 3, 0), Version::os(2, 17, 0)),
            (Version::os(2, 17, 0), Version::os(3, 1, 0)),
        ];
        for (c, t) in ok {
            assert_eq!(index_refusal(c, t), None, "{c} → {t}");
        }
        let refused = [
            (Version::es(5, 6, 16), Version::es(7, 10, 2), "Elasticsearch 6.x"),
            (Version::es(5, 6, 16), Version::es(8, 15, 0), "read-only archive"),
            (Version::es(6, 8, 0), Version::es(8, 15, 0), "Elasticsearch 6.x and 7.x"),
            (Version::es(7, 10, 2), Version::es(9, 1, 0), "Elasticsearch 7.x and 8.x"),
            (Version::es(6, 8, 0), Version::os(2, 17, 0), "OpenSearch 1.x"),
            (Version::es(7, 10, 2), Version::os(3, 1, 0), "OpenSearch 1.x and 2.x"),
            (Version::os(1, 3, 0), Version::os(3, 1, 0), "OpenSearch 1.x and 2.x"),
            (Version::os(2, 17, 0), Version::es(8, 15, 0), "created by OpenSearch"),
        ];
        for (c, t, why) in refused {
            let r = index_refusal(c, t).unwrap_or_else(|| panic!("{c} → {t} should be refused"));
            assert!(r.contains(why), "{c} → {t}: {r}");
        }
    }
}
