//! Version ids as snapshots and index settings carry them, and the restore compatibility rules
//! between personalities (snapshot-facts §2.4 `version_id`, §3.3, §5).
//!
//! Ids: Elasticsearch up to 8.9 uses `major·1 000 000 + minor·10 000 + revision·100 + build`
//! (build 99 = release); 8.15 / 9.1 carry IndexVersion ids (`8512000`, `9033000`, UNCONFIRMED
//! values, snapshot-facts §2.4); OpenSearch XORs the legacy form with 2^27. A node prints a
//! foreign id the way its own `Version.fromId` would — an Elasticsearch node reads OpenSearch
//! 2.17.1's `136387927` as `136.38.79-beta2`, which is why it reports OpenSearch snapshots as
//! newer than itself (snapshot-facts §5.2; exact text UNCONFIRMED).

use crate::errors::EsError;
use crate::personality::Personality;

const OPENSEARCH_MASK: u64 = 0x0800_0000;

/// A release, comparable within one product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Release {
    pub major: u64,
    pub minor: u64,
    pub rev: u64,
}

impl Release {
    const fn new(major: u64, minor: u64, rev: u64) -> Release {
        Release { major, minor, rev }
    }
}

/// IndexVersion ids the ES 8.15 / 9.1 personalities write, and their releases.
const INDEX_VERSIONS: &[(u64, Release, &str)] = &[(8_512_000, Release::new(8, 15, 0), "8.15.0"), (9_033_000, Release::new(9, 1, 0), "9.1.0")];

/// `Version.fromId` of a legacy id: release plus its `toString()` (with -alphaN/-betaN/-rcN).
fn legacy(id: u64) -> (Release, String) {
    let r = Release::new(id / 1_000_000, id / 10_000 % 100, id / 100 % 100);
    let build = id % 100;
    let suffix = match build {
        99 => String::new(),
        b if b < 25 => format!("-alpha{b}"),
        b if b < 50 => format!("-beta{}", b - 25),
        b => format!("-rc{}", b - 50),
    };
    (r, format!("{}.{}.{}{suffix}", r.major, r.minor, r.rev))
}

pub(crate) fn is_opensearch_id(id: u64) -> bool {
    id & OPENSEARCH_MASK != 0 && id >= OPENSEARCH_MASK
}

/// How `reader` sees a version id: (is it OpenSearch's, release, text).
pub(crate) fn view(reader: Personality, id: u64) -> (bool, Release, String) {
    if reader.is_opensearch() && is_opensearch_id(id) {
        let (r, t) = legacy(id ^ OPENSEARCH_MASK);
        return (true, r, t);
    }
    if reader.is_elasticsearch() {
        if let Some((_, r, t)) = INDEX_VERSIONS.iter().find(|(i, _, _)| *i == id) {
            if matches!(reader, Personality::Es8 | Personality::Es9) {
                return (false, *r, t.to_string());
            }
        }
    }
    let (r, t) = legacy(id);
    (false, r, t)
}

/// The text `reader` prints for a version id.
pub(crate) fn text(reader: Personality, id: u64) -> String {
    view(reader, id).2
}

/// The version id a personality writes into `version_id` and `index.version.created`.
pub(crate) fn own_id(p: Personality) -> u64 {
    p.version_created().parse().unwrap_or(0)
}

fn node_release(p: Personality) -> Release {
    let mut parts = p.version_number().split('.').map(|s| s.parse::<u64>().unwrap_or(0));
    Release::new(parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

fn product(p: Personality) -> &'static str {
    if p.is_opensearch() {
        "OpenSearch"
    } else {
        "Elasticsearch"
    }
}

/// Snapshot-facts §3.3: a snapshot taken by a newer release than the node.
pub(crate) fn snapshot_newer(node: Personality, snapshot_id: u64) -> Option<String> {
    let (os, r, t) = view(node, snapshot_id);
    let newer = if node.is_opensearch() { os && r > node_release(node) } else { r > node_release(node) };
    newer.then(|| {
        format!(
            "the snapshot was created with {} version [{t}] which is higher than the version of this node [{}]",
            product(node),
            node.version_number()
        )
    })
}

/// `minimum_index_compatibility_version` as printed, and as a release (snapshot-facts cheat
/// sheet, §5.1).
fn min_index_compat(p: Personality) -> (&'static str, Release) {
    match p {
        Personality::Es5_6 => ("2.0.0", Release::new(2, 0, 0)),
        Personality::Es6_8 => ("5.0.0", Release::new(5, 0, 0)),
        Personality::Es7_10 | Personality::Es7_17 | Personality::Os1_3 => ("6.0.0-beta1", Release::new(6, 0, 0)),
        Personality::Es8 | Personality::Os2 => ("7.0.0", Release::new(7, 0, 0)),
        Personality::Es9 => ("8.0.0", Release::new(8, 0, 0)),
        Personality::Os3 => ("2.0.0", Release::new(2, 0, 0)),
    }
}

/// ES 7.16+ refuses a whole snapshot older than its minimum index compatibility version
/// (snapshot-facts §3.3; not in OpenSearch). 8.3+ could mount such indices as archives with an
/// enterprise licence, which this emulator does not have (UNCONFIRMED wording for that case).
pub(crate) fn snapshot_too_old(node: Personality, snapshot_id: u64) -> Option<String> {
    if !matches!(node, Personality::Es7_17 | Personality::Es8 | Personality::Es9) {
        return None;
    }
    let (_, r, t) = view(node, snapshot_id);
    let (min_text, min) = min_index_compat(node);
    (r < min).then(|| {
        format!("the snapshot was created with Elasticsearch version [{t}] which is below the current versions minimum index compatibility version [{min_text}]")
    })
}

/// Whether `node` can open an index created by `created` (snapshot-facts §5.1, §5.2).
pub(crate) fn index_compatible(node: Personality, created: u64) -> bool {
    let (os, r, _) = view(node, created);
    match node {
        Personality::Os1_3 => (os && r.major >= 1) || (!os && r.major >= 6),
        Personality::Os2 => (os && r.major >= 1) || (!os && r.major >= 7),
        Personality::Os3 => os && r.major >= 2,
        _ => !is_opensearch_id(created) && r >= min_index_compat(node).1,
    }
}

/// The `illegal_state_exception` of the index-metadata verifier (snapshot-facts §3.3).
pub(crate) fn upgrade_failure(node: Personality, index: &str, index_uuid: &str, created: u64) -> EsError {
    let created_text = text(node, created);
    let current = node.version_number();
    let (min_text, min) = min_index_compat(node);
    let reason = match node {
        Personality::Es8 | Personality::Es9 => format!(
            "The index [{index}/{index_uuid}] has current compatibility version [{created_text}] but the minimum compatible version is [{min_text}]. It should be re-indexed in Elasticsearch {}.x before upgrading to {current}.",
            min.major
        ),
        Personality::Os2 => format!(
            "The index [[{index}/{index_uuid}]] was created with version [{created_text}] but the minimum compatible version is OpenSearch 1.0.0 (or Elasticsearch 7.0.0). It should be re-indexed in OpenSearch 1.x (or Elasticsearch 7.x) before upgrading to {current}."
        ),
        Personality::Os3 => format!(
            "The index [[{index}/{index_uuid}]] was created with version [{created_text}] but the minimum compatible version is [{min_text}]. It should be re-indexed in OpenSearch {}.x before upgrading to {current}.",
            min.major
        ),
        // ES ≤ 7 and OpenSearch 1.x (whose wording for this case is UNCONFIRMED, the ES 7 form
        // is assumed).
        _ => format!(
            "The index [[{index}/{index_uuid}]] was created with version [{created_text}] but the minimum compatible version is [{min_text}]. It should be re-indexed in Elasticsearch {}.x before upgrading to {current}.",
            min.major
        ),
    };
    EsError::new(500, "illegal_state_exception", reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_as_nodes_read_them() {
        assert_eq!(text(Personality::Es7_10, 6_082_399), "6.8.23");
        assert_eq!(text(Personality::Os2, 136_387_927), "2.17.1");
        assert_eq!(text(Personality::Es7_17, 136_387_927), "136.38.79-beta2");
        assert_eq!(text(Personality::Es8, 8_512_000), "8.15.0");
        assert_eq!(text(Personality::Os1_3, 7_100_299), "7.10.2");
        assert!(snapshot_newer(Personality::Es7_10, 7_170_099).is_some());
        assert!(snapshot_newer(Personality::Es7_17, 7_100_299).is_none());
        assert!(snapshot_newer(Personality::Es9, 136_387_927).is_some());
        assert!(snapshot_newer(Personality::Os2, 7_170_099).is_none());
        assert!(snapshot_newer(Personality::Os1_3, 136_387_927).is_some());
        assert_eq!(
            snapshot_too_old(Personality::Es8, 6_082_399).unwrap(),
            "the snapshot was created with Elasticsearch version [6.8.23] which is below the current versions minimum index compatibility version [7.0.0]"
        );
    }

    #[test]
    fn index_compatibility_matrix() {
        let es56 = 5_061_699;
        let es68 = 6_082_399;
        let es710 = 7_100_299;
        let os13 = 135_249_827;
        let os217 = 136_387_927;
        assert!(index_compatible(Personality::Es6_8, es56));
        assert!(!index_compatible(Personality::Es7_10, es56));
        assert!(index_compatible(Personality::Es7_10, es68));
        assert!(!index_compatible(Personality::Es8, es68));
        assert!(index_compatible(Personality::Es8, es710));
        assert!(!index_compatible(Personality::Es9, es710));
        assert!(index_compatible(Personality::Os1_3, es68));
        assert!(!index_compatible(Personality::Os2, es68));
        assert!(index_compatible(Personality::Os2, es710));
        assert!(index_compatible(Personality::Os2, os13));
        assert!(!index_compatible(Personality::Os3, os13));
        assert!(!index_compatible(Personality::Os3, es710));
        assert!(index_compatible(Personality::Os3, os217));
        assert!(!index_compatible(Personality::Es7_17, os217));
    }
}
