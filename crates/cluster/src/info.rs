//! What `GET /` says a cluster is, and the request rules that follow.

use serde::Deserialize;

use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    Elasticsearch,
    OpenSearch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    pub product: Product,
    /// `version.number` as reported, e.g. `7.10.2` or `8.15.0-SNAPSHOT`.
    pub number: String,
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub cluster_name: Option<String>,
    pub build_flavor: Option<String>,
}

#[derive(Deserialize)]
struct Root {
    cluster_name: Option<String>,
    version: Option<VersionBody>,
    tagline: Option<String>,
}

#[derive(Deserialize)]
struct VersionBody {
    number: Option<String>,
    distribution: Option<String>,
    build_flavor: Option<String>,
}

impl ClusterInfo {
    /// Read a `GET /` body. OpenSearch says `version.distribution: "opensearch"` (and its own
    /// tagline); Elasticsearch has no distribution field.
    pub fn from_root(host: &str, body: &[u8]) -> Result<ClusterInfo, Error> {
        let bad = |reason: String| Error::NotACluster { host: host.to_owned(), reason };
        let root: Root = serde_json::from_slice(body).map_err(|e| bad(format!("not the expected JSON ({e})")))?;
        let version = root.version.ok_or_else(|| bad("no `version` object".into()))?;
        let number = version.number.ok_or_else(|| bad("no `version.number`".into()))?;
        let opensearch = version.distribution.as_deref() == Some("opensearch") || root.tagline.as_deref().is_some_and(|t| t.contains("OpenSearch"));
        let core = number.split(['-', '+']).next().unwrap_or_default();
        let parts: Vec<u32> = core.split('.').map(|p| p.parse()).collect::<Result<_, _>>().map_err(|_| bad(format!("version `{number}` is not major.minor.patch")))?;
        let [major, minor, patch] = parts[..] else {
            return Err(bad(format!("version `{number}` is not major.minor.patch")));
        };
        Ok(ClusterInfo {
            product: if opensearch { Product::OpenSearch } else { Product::Elasticsearch },
            number,
            major,
            minor,
            patch,
            cluster_name: root.cluster_name,
            build_flavor: version.build_flavor,
        })
    }

    /// Bulk action lines must name a mapping type (Elasticsearch 5.x and 6.x).
    pub fn bulk_needs_type(&self) -> bool {
        self.product == Product::Elasticsearch && self.major <= 6
    }

    /// The routing key of a bulk action line: `_routing` until Elasticsearch 5.x, `routing` after.
    pub fn bulk_routing_key(&self) -> &'static str {
        if self.product == Product::Elasticsearch && self.major <= 5 {
            "_routing"
        } else {
            "routing"
        }
    }

    /// `Elasticsearch 7.10.2` / `OpenSearch 2.11.0`.
    pub fn describe(&self) -> String {
        let name = match self.product {
            Product::Elasticsearch => "Elasticsearch",
            Product::OpenSearch => "OpenSearch",
        };
        format!("{name} {}", self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_and_versions() {
        let es = br#"{"name":"n1","cluster_name":"prod","cluster_uuid":"u","version":{"number":"7.10.2","build_flavor":"default","build_type":"docker","build_hash":"h","build_date":"2021-01-13T00:42:12.435326Z","build_snapshot":false,"lucene_version":"8.7.0","minimum_wire_compatibility_version":"6.8.0","minimum_index_compatibility_version":"6.0.0-beta1"},"tagline":"You Know, for Search"}"#;
        let i = ClusterInfo::from_root("h:9200", es).unwrap();
        assert_eq!((i.product, i.major, i.minor, i.patch), (Product::Elasticsearch, 7, 10, 2));
        assert!(!i.bulk_needs_type());
        assert_eq!(i.describe(), "Elasticsearch 7.10.2");

        let os = br#"{"name":"n","cluster_name":"c","cluster_uuid":"u","version":{"distribution":"opensearch","number":"2.11.0","build_type":"tar","build_hash":"h","build_date":"d","build_snapshot":false,"lucene_version":"9.7.0","minimum_wire_compatibility_version":"7.10.0","minimum_index_compatibility_version":"7.0.0"},"tagline":"The OpenSearch Project: https://opensearch.org/"}"#;
        let i = ClusterInfo::from_root("h:9200", os).unwrap();
        assert_eq!((i.product, i.major), (Product::OpenSearch, 2));
        assert_eq!(i.bulk_routing_key(), "routing");

        let es5 = br#"{"name":"n","cluster_name":"c","version":{"number":"5.6.16","build_hash":"h","build_date":"d","build_snapshot":false,"lucene_version":"6.6.1"},"tagline":"You Know, for Search"}"#;
        let i = ClusterInfo::from_root("h:9200", es5).unwrap();
        assert!(i.bulk_needs_type());
        assert_eq!(i.bulk_routing_key(), "_routing");
        let es9 = br#"{"version":{"number":"9.1.0-SNAPSHOT","build_flavor":"default"},"tagline":"You Know, for Search"}"#;
        assert_eq!(ClusterInfo::from_root("h", es9).unwrap().major, 9);
    }

    #[test]
    fn other_servers_are_named() {
        for body in [&b"<html>proxy login</html>"[..], br#"{"ok":true}"#, br#"{"version":{"number":"latest"}}"#] {
            let e = ClusterInfo::from_root("proxy:8080", body).unwrap_err().to_string();
            assert!(e.starts_with("proxy:8080: `GET /` did not answer like Elasticsearch or OpenSearch"), "{e}");
        }
    }
}
