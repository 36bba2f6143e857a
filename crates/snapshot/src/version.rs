//! Elasticsearch and OpenSearch version ids (`version_id` 7100299 = 7.10.2).
//!
//! Release ids are `major·1,000,000 + minor·10,000 + revision·100 + build`, build 99 for a GA
//! release. OpenSearch sets bit 0x0800_0000 (`id ^ MASK`) so its ids never collide with
//! Elasticsearch's. From ES 8.11 on, snapshots record an *index version* id that no longer
//! encodes a release; those are shown as such.

use serde::Serialize;

const OPENSEARCH_MASK: i64 = 0x0800_0000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    Elasticsearch,
    OpenSearch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub id: i64,
    pub distribution: Distribution,
    pub major: u32,
    pub minor: u32,
    pub revision: u32,
    pub build: u32,
}

impl Version {
    pub fn from_id(id: i64) -> Self {
        let (distribution, raw) = if id & OPENSEARCH_MASK != 0 {
            (Distribution::OpenSearch, id ^ OPENSEARCH_MASK)
        } else {
            (Distribution::Elasticsearch, id)
        };
        let raw = raw.max(0);
        Version {
            id,
            distribution,
            major: (raw / 1_000_000) as u32,
            minor: ((raw / 10_000) % 100) as u32,
            revision: ((raw / 100) % 100) as u32,
            build: (raw % 100) as u32,
        }
    }

    /// An ES ≥ 8.11 index-version id rather than a release id.
    pub fn is_index_version(&self) -> bool {
        self.distribution == Distribution::Elasticsearch && self.id >= 8_500_000 && self.build != 99
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_index_version() {
            return write!(f, "index-version {}", self.id);
        }
        write!(f, "{}.{}.{}", self.major, self.minor, self.revision)?;
        match self.build {
            99 => Ok(()),
            b if b < 25 => write!(f, "-alpha{}", b + 1),
            b if b < 50 => write!(f, "-beta{}", b - 24),
            b => write!(f, "-rc{}", b - 49),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_ids() {
        assert_eq!(Version::from_id(7100299).to_string(), "7.10.2");
        assert_eq!(Version::from_id(5061699).to_string(), "5.6.16");
        assert_eq!(Version::from_id(6082499).to_string(), "6.8.24");
        assert_eq!(Version::from_id(7100299).distribution, Distribution::Elasticsearch);
    }

    #[test]
    fn opensearch_ids() {
        // OpenSearch 2.11.0 = 2110099 ^ 0x08000000.
        let v = Version::from_id(2110099 ^ OPENSEARCH_MASK);
        assert_eq!(v.distribution, Distribution::OpenSearch);
        assert_eq!(v.to_string(), "2.11.0");
    }

    #[test]
    fn index_version_ids() {
        assert_eq!(Version::from_id(8500003).to_string(), "index-version 8500003");
        assert_eq!(Version::from_id(8_090_099).to_string(), "8.9.0");
    }
}
