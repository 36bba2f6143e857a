//! Per-version facts: which Elasticsearch / OpenSearch release the emulator pretends to be and
//! every response detail that differs between releases.
//!
//! All values come from `docs/emulator-facts.md`; the section is cited next to each group. Where
//! that file marks a fact UNCONFIRMED the best guess it gives is used and the comment says so.
//!
//! | personality | family | `_type` on writes | seq_no | bulk top order | 429 type |
//! |---|---|---|---|---|---|
//! | es-5.6 | ES 5 | required, real type | no (created/found) | took,errors | es_rejected_… |
//! | es-6.8 | ES 6 | required, one type | yes | took,errors | es_rejected_… |
//! | es-7.10, es-7.17 | ES 7 | optional, `_doc` | yes | took,errors | es_rejected_… |
//! | es-8, es-9 | ES 8/9 | rejected | yes | errors,took | es_rejected_… |
//! | os-1.3 | OS 1 | optional, `_doc` | yes | took,errors | rejected_… |
//! | os-2, os-3 | OS 2/3 | rejected | yes | took,errors | rejected_… |

use std::fmt;
use std::str::FromStr;

/// The release the emulator answers as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Personality {
    Es5_6,
    Es6_8,
    Es7_10,
    Es7_17,
    Es8,
    Es9,
    Os1_3,
    Os2,
    Os3,
}

/// How a personality treats mapping types in document and bulk APIs (facts §2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TypeRule {
    /// ES 5.6 / 6.8: every write names a type; a missing one fails validation.
    Required,
    /// ES 7.x / OS 1.3: a type may be given (deprecated), `_doc` otherwise.
    Optional,
    /// ES 8+/OS 2+: `_type` is an unknown parameter.
    Rejected,
}

/// `GET /` build facts (facts §1.2).
pub(crate) struct BuildInfo {
    pub number: &'static str,
    pub build_flavor: Option<&'static str>,
    pub build_type: &'static str,
    pub build_hash: &'static str,
    pub build_date: &'static str,
    pub lucene_version: &'static str,
    pub min_wire: Option<&'static str>,
    pub min_index: Option<&'static str>,
}

impl Personality {
    pub const ALL: [Personality; 9] = [
        Personality::Es5_6,
        Personality::Es6_8,
        Personality::Es7_10,
        Personality::Es7_17,
        Personality::Es8,
        Personality::Es9,
        Personality::Os1_3,
        Personality::Os2,
        Personality::Os3,
    ];

    /// The command-line / display name, e.g. `es-7.10`.
    pub fn name(&self) -> &'static str {
        match self {
            Personality::Es5_6 => "es-5.6",
            Personality::Es6_8 => "es-6.8",
            Personality::Es7_10 => "es-7.10",
            Personality::Es7_17 => "es-7.17",
            Personality::Es8 => "es-8",
            Personality::Es9 => "es-9",
            Personality::Os1_3 => "os-1.3",
            Personality::Os2 => "os-2",
            Personality::Os3 => "os-3",
        }
    }

    /// `version.number` reported by `GET /`.
    pub fn version_number(&self) -> &'static str {
        self.build().number
    }

    pub fn is_opensearch(&self) -> bool {
        matches!(self, Personality::Os1_3 | Personality::Os2 | Personality::Os3)
    }

    pub fn is_elasticsearch(&self) -> bool {
        !self.is_opensearch()
    }

    /// Facts §1.2. Hashes/dates are real outputs where the facts file has one for that exact
    /// release; otherwise (5.6.16, 9.1.0, OS 2.17.1 date) a value from a neighbouring release of
    /// the same line is used — clients only ever check the number.
    pub(crate) fn build(&self) -> BuildInfo {
        match self {
            // 5.6.16 hash/date UNCONFIRMED (facts only show 5.6.12 / 5.6.3 outputs).
            Personality::Es5_6 => BuildInfo {
                number: "5.6.16",
                build_flavor: None,
                build_type: "tar",
                build_hash: "3a740d1",
                build_date: "2019-03-13T15:33:36.565Z",
                lucene_version: "6.6.1",
                min_wire: None,
                min_index: None,
            },
            Personality::Es6_8 => BuildInfo {
                number: "6.8.23",
                build_flavor: Some("default"),
                build_type: "tar",
                build_hash: "4f67856",
                build_date: "2022-01-06T21:30:50.087716Z",
                lucene_version: "7.7.3",
                min_wire: Some("5.6.0"),
                min_index: Some("5.0.0"),
            },
            Personality::Es7_10 => BuildInfo {
                number: "7.10.2",
                build_flavor: Some("default"),
                build_type: "tar",
                build_hash: "747e1cc71def077253878a59143c1f785afa92b9",
                build_date: "2021-01-13T00:42:12.435326Z",
                lucene_version: "8.7.0",
                min_wire: Some("6.8.0"),
                min_index: Some("6.0.0-beta1"),
            },
            Personality::Es7_17 => BuildInfo {
                number: "7.17.0",
                build_flavor: Some("default"),
                build_type: "tar",
                build_hash: "bee86328705acaa9a6daede7140defd4d9ec56bd",
                build_date: "2022-01-28T08:36:04.875279988Z",
                lucene_version: "8.11.1",
                min_wire: Some("6.8.0"),
                min_index: Some("6.0.0-beta1"),
            },
            Personality::Es8 => BuildInfo {
                number: "8.15.0",
                build_flavor: Some("default"),
                build_type: "tar",
                build_hash: "1a77947f34deddb41af25e6f0ddb8e830159c179",
                build_date: "2024-08-05T10:05:34.233336849Z",
                lucene_version: "9.11.1",
                min_wire: Some("7.17.0"),
                min_index: Some("7.0.0"),
            },
            // Hash is the real 9.1.2 one (facts §1.2); the date is UNCONFIRMED.
            Personality::Es9 => BuildInfo {
                number: "9.1.0",
                build_flavor: Some("default"),
                build_type: "tar",
                build_hash: "ca1a70216fbdefbef3c65b1dff04903ea5964ef5",
                build_date: "2025-07-24T12:47:08.245893112Z",
                lucene_version: "10.2.2",
                min_wire: Some("8.19.0"),
                min_index: Some("8.0.0"),
            },
            Personality::Os1_3 => BuildInfo {
                number: "1.3.20",
                build_flavor: None,
                build_type: "tar",
                build_hash: "31afd17a1b5a22338307e1f4a78092887c1490e3",
                build_date: "2024-12-11T19:27:27.239674Z",
                lucene_version: "8.10.1",
                min_wire: Some("6.8.0"),
                min_index: Some("6.0.0-beta1"),
            },
            // Build date UNCONFIRMED (facts give only the hash).
            Personality::Os2 => BuildInfo {
                number: "2.17.1",
                build_flavor: None,
                build_type: "tar",
                build_hash: "1893d20797e30110e5877170e44d42275ce5951e",
                build_date: "2024-10-01T02:33:34.145306911Z",
                lucene_version: "9.11.1",
                min_wire: Some("7.10.0"),
                min_index: Some("7.0.0"),
            },
            Personality::Os3 => BuildInfo {
                number: "3.1.0",
                build_flavor: None,
                build_type: "tar",
                build_hash: "8ff7c6ee924a49f0f59f80a6e1c73073c8904214",
                build_date: "2025-06-21T08:05:50.445588571Z",
                lucene_version: "10.2.1",
                min_wire: Some("2.19.0"),
                min_index: Some("2.0.0"),
            },
        }
    }

    /// Facts §1.1.
    pub(crate) fn tagline(&self) -> &'static str {
        if self.is_opensearch() {
            "The OpenSearch Project: https://opensearch.org/"
        } else {
            "You Know, for Search"
        }
    }

    /// Default `cluster.name`.
    pub(crate) fn default_cluster_name(&self) -> &'static str {
        if self.is_opensearch() {
            "opensearch"
        } else {
            "elasticsearch"
        }
    }

    /// `X-elastic-product: Elasticsearch` on responses: ES ≥ 7.14 (facts §1.3).
    pub(crate) fn sends_product_header(&self) -> bool {
        matches!(self, Personality::Es7_17 | Personality::Es8 | Personality::Es9)
    }

    /// Response `Content-Type` for JSON (facts §3: 5.x–6.x charset form observed; ES 8 plain).
    /// ES 7 and OpenSearch keep the charset form (inherited Netty code) — UNCONFIRMED for 7.x.
    pub(crate) fn json_content_type(&self) -> &'static str {
        match self {
            Personality::Es8 | Personality::Es9 => "application/json",
            _ => "application/json; charset=UTF-8",
        }
    }

    pub(crate) fn type_rule(&self) -> TypeRule {
        match self {
            Personality::Es5_6 | Personality::Es6_8 => TypeRule::Required,
            Personality::Es7_10 | Personality::Es7_17 | Personality::Os1_3 => TypeRule::Optional,
            Personality::Es8 | Personality::Es9 | Personality::Os2 | Personality::Os3 => TypeRule::Rejected,
        }
    }

    /// Typed routes `/{index}/{type}/...` exist (facts §2.1, §5.1).
    pub(crate) fn has_typed_routes(&self) -> bool {
        self.type_rule() != TypeRule::Rejected
    }

    /// `_type` appears in write responses, bulk items, GET and search hits (cheat sheet).
    pub(crate) fn responses_have_type(&self) -> bool {
        self.type_rule() != TypeRule::Rejected
    }

    /// Several mapping types per index (ES 5.x only).
    pub(crate) fn multiple_types(&self) -> bool {
        matches!(self, Personality::Es5_6)
    }

    /// `_seq_no` / `_primary_term` in write responses (facts §2.3: wire-gated to 6.0).
    pub(crate) fn has_seq_no(&self) -> bool {
        !matches!(self, Personality::Es5_6)
    }

    /// `if_seq_no` / `if_primary_term` parameters (facts §5.1: 6.6+).
    pub(crate) fn has_if_seq_no(&self) -> bool {
        !matches!(self, Personality::Es5_6)
    }

    /// `created` / `found` booleans in write responses (5.x only, facts §2.3).
    pub(crate) fn has_created_found(&self) -> bool {
        matches!(self, Personality::Es5_6)
    }

    /// Bulk response starts with `errors` (ES 8.13+ chunked response, facts §2.3).
    pub(crate) fn bulk_errors_first(&self) -> bool {
        matches!(self, Personality::Es8 | Personality::Es9)
    }

    /// Deprecated `_routing`, `_version`, `_version_type`, `_retry_on_conflict` aliases in
    /// bulk action lines and the `parent` key (facts §2.2: 5.6 and 6.8 only).
    pub(crate) fn accepts_underscore_aliases(&self) -> bool {
        matches!(self, Personality::Es5_6 | Personality::Es6_8)
    }

    /// `require_alias` action key: ES 7.10+, all OpenSearch (facts §2.2).
    pub(crate) fn accepts_require_alias(&self) -> bool {
        !matches!(self, Personality::Es5_6 | Personality::Es6_8)
    }

    /// `dynamic_templates` action key: ES 7.13+ (UNCONFIRMED lower bound), never OpenSearch.
    pub(crate) fn accepts_dynamic_templates(&self) -> bool {
        matches!(self, Personality::Es7_17 | Personality::Es8 | Personality::Es9)
    }

    /// Facts §2.3(1): ES keeps the `es_` prefix, OpenSearch strips its class prefix.
    pub(crate) fn rejected_execution_type(&self) -> &'static str {
        if self.is_opensearch() {
            "rejected_execution_exception"
        } else {
            "es_rejected_execution_exception"
        }
    }

    /// Reason text of a per-item 429 (facts §2.3(1)): thread-pool wording before indexing
    /// pressure existed (5.6: `bulk` pool, 6.8: `write` pool), primary-operation indexing
    /// pressure from 7.9 on. The last key is `max_primary_bytes` in newer 8.x/9.x source; 8.15
    /// still has `max_coordinating_and_primary_bytes` (boundary UNCONFIRMED).
    pub(crate) fn rejected_execution_reason(&self, operation_bytes: u64) -> String {
        const LIMIT: u64 = 107_374_182; // 10 % of a 1 GiB heap, the default limit.
        let current = LIMIT - operation_bytes.min(LIMIT) / 2;
        match self {
            Personality::Es5_6 | Personality::Es6_8 => {
                let pool = if *self == Personality::Es5_6 { "bulk" } else { "write" };
                format!(
                    "rejected execution of org.elasticsearch.transport.TransportService$7@4f5b4ccd on \
                     EsThreadPoolExecutor[name = emulator-node/{pool}, queue capacity = 200, \
                     org.elasticsearch.common.util.concurrent.EsThreadPoolExecutor@2c9a0d3b[Running, \
                     pool size = 2, active threads = 2, queued tasks = 200, completed tasks = 48213]]"
                )
            }
            _ => {
                let last = if *self == Personality::Es9 { "max_primary_bytes" } else { "max_coordinating_and_primary_bytes" };
                format!(
                    "rejected execution of primary operation [coordinating_and_primary_bytes={current}, replica_bytes=0, \
                     all_bytes={current}, primary_operation_bytes={operation_bytes}, {last}={LIMIT}]"
                )
            }
        }
    }

    /// Document parse failures (facts §2.3(2)): `document_parsing_exception` from ES 8.8.
    pub(crate) fn parse_error_type(&self) -> &'static str {
        match self {
            Personality::Es8 | Personality::Es9 => "document_parsing_exception",
            _ => "mapper_parsing_exception",
        }
    }

    /// Version-conflict reasons carry `[type][id]` up to 6.8, `[id]` from 7.0 (facts §2.3(3)).
    pub(crate) fn conflict_prefix(&self, doc_type: &str, id: &str) -> String {
        match self {
            Personality::Es5_6 | Personality::Es6_8 => format!("[{doc_type}][{id}]"),
            _ => format!("[{id}]"),
        }
    }

    /// `hits.total` as `{value, relation}` from 7.0 (facts §5.4).
    pub(crate) fn hits_total_is_object(&self) -> bool {
        !matches!(self, Personality::Es5_6 | Personality::Es6_8)
    }

    /// Facts §3.2.
    pub(crate) fn already_exists_type(&self) -> &'static str {
        match self {
            Personality::Es5_6 => "index_already_exists_exception",
            _ => "resource_already_exists_exception",
        }
    }

    /// `_shards.skipped` in count/search (facts §4.3: 6.x+, UNCONFIRMED for 5.6 — omitted).
    pub(crate) fn shards_have_skipped(&self) -> bool {
        !matches!(self, Personality::Es5_6)
    }

    /// Default primaries for auto-created / settings-less indices (5 before 7.0).
    pub(crate) fn default_shards(&self) -> u32 {
        match self {
            Personality::Es5_6 | Personality::Es6_8 => 5,
            _ => 1,
        }
    }

    /// Facts §3.1: `no such index` up to 6.8, `no such index [x]` from 7.0 (change point
    /// UNCONFIRMED, 7.0 assumed).
    pub(crate) fn index_not_found_reason(&self, index: &str) -> String {
        match self {
            Personality::Es5_6 | Personality::Es6_8 => "no such index".to_string(),
            _ => format!("no such index [{index}]"),
        }
    }

    /// 5.x also mirrored exception metadata as `es.*` response headers (facts §3.1).
    pub(crate) fn metadata_headers(&self) -> bool {
        matches!(self, Personality::Es5_6)
    }

    /// Content-Type is mandatory for request bodies from 6.0 (facts §6.2).
    pub(crate) fn strict_content_type(&self) -> bool {
        !matches!(self, Personality::Es5_6)
    }

    /// The ES 8/9 REST-compatibility `compatible-with` versions accepted (facts §6.3).
    pub(crate) fn compatible_with(&self) -> Option<[u8; 2]> {
        match self {
            Personality::Es8 => Some([7, 8]),
            Personality::Es9 => Some([8, 9]),
            _ => None,
        }
    }

    /// `include_type_name` exists on index creation (6.7–7.x, OS 1.x; facts §4.1).
    pub(crate) fn has_include_type_name(&self) -> bool {
        matches!(self, Personality::Es6_8 | Personality::Es7_10 | Personality::Es7_17 | Personality::Os1_3)
    }

    /// OpenSearch 3.x repeats `_index`, `_id`, `status` inside a bulk item's `error`
    /// (facts §2.3 "OS 3.x caveat"; first 3.x release UNCONFIRMED, applied to 3.1).
    pub(crate) fn item_error_repeats_ids(&self) -> bool {
        matches!(self, Personality::Os3)
    }

    /// `index.version.created` setting value. ES ≤7 / OS use the legacy integer id
    /// (OpenSearch XORs it with 2^27); ES 8.11+ uses IndexVersion ids (8.15 and 9.1 values
    /// UNCONFIRMED).
    pub(crate) fn version_created(&self) -> String {
        let legacy = |major: u32, minor: u32, rev: u32| major * 1_000_000 + minor * 10_000 + rev * 100 + 99;
        match self {
            Personality::Es5_6 => legacy(5, 6, 16).to_string(),
            Personality::Es6_8 => legacy(6, 8, 23).to_string(),
            Personality::Es7_10 => legacy(7, 10, 2).to_string(),
            Personality::Es7_17 => legacy(7, 17, 0).to_string(),
            Personality::Es8 => "8512000".to_string(),
            Personality::Es9 => "9033000".to_string(),
            Personality::Os1_3 => (legacy(1, 3, 20) ^ 0x0800_0000).to_string(),
            Personality::Os2 => (legacy(2, 17, 1) ^ 0x0800_0000).to_string(),
            Personality::Os3 => (legacy(3, 1, 0) ^ 0x0800_0000).to_string(),
        }
    }

    /// `discovered_master` / `discovered_cluster_manager` in cluster health (facts §4.5).
    pub(crate) fn health_discovered_keys(&self) -> &'static [&'static str] {
        match self {
            Personality::Os1_3 => &["discovered_master"],
            Personality::Os2 | Personality::Os3 => &["discovered_master", "discovered_cluster_manager"],
            _ => &[],
        }
    }

    /// `unassigned_primary_shards` in cluster health: 9.1 yes, 8.15 UNCONFIRMED (omitted).
    pub(crate) fn health_unassigned_primary(&self) -> bool {
        matches!(self, Personality::Es9)
    }
}

impl fmt::Display for Personality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown personality name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPersonality(pub String);

impl fmt::Display for UnknownPersonality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Personality::ALL.iter().map(|p| p.name()).collect();
        write!(f, "unknown personality [{}], expected one of {}", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownPersonality {}

impl FromStr for Personality {
    type Err = UnknownPersonality;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Personality::ALL
            .iter()
            .copied()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownPersonality(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Personality::ALL {
            assert_eq!(p.name().parse::<Personality>().unwrap(), p);
            assert_eq!(p.to_string(), p.name());
        }
        assert!("es-4".parse::<Personality>().is_err());
    }

    #[test]
    fn opensearch_version_ids_are_masked() {
        assert_eq!(Personality::Os1_3.version_created(), "135249827");
        assert_eq!(Personality::Es7_10.version_created(), "7100299");
    }
}
