//! REST surface, per personality, against the shapes in docs/emulator-facts.md.

mod common;

use common::{bulk, compact, get, json_req, req};
use emulator::{Config, Emulator, Personality};
use serde_json::{json, Value};

fn start(p: Personality) -> Emulator {
    Emulator::start(Config::new(p)).expect("emulator starts")
}

/// Facts §1.1/§1.2: key order, values, tagline, distribution, pretty default, product header.
#[test]
fn root_per_personality() {
    #[rustfmt::skip]
    let table: &[(Personality, &str)] = &[
        (Personality::Es5_6, r#"{"number":"5.6.16","build_hash":"3a740d1","build_date":"2019-03-13T15:33:36.565Z","build_snapshot":false,"lucene_version":"6.6.1"}"#),
        (Personality::Es6_8, r#"{"number":"6.8.23","build_flavor":"default","build_type":"tar","build_hash":"4f67856","build_date":"2022-01-06T21:30:50.087716Z","build_snapshot":false,"lucene_version":"7.7.3","minimum_wire_compatibility_version":"5.6.0","minimum_index_compatibility_version":"5.0.0"}"#),
        (Personality::Es7_10, r#"{"number":"7.10.2","build_flavor":"default","build_type":"tar","build_hash":"747e1cc71def077253878a59143c1f785afa92b9","build_date":"2021-01-13T00:42:12.435326Z","build_snapshot":false,"lucene_version":"8.7.0","minimum_wire_compatibility_version":"6.8.0","minimum_index_compatibility_version":"6.0.0-beta1"}"#),
        (Personality::Es7_17, r#"{"number":"7.17.0","build_flavor":"default","build_type":"tar","build_hash":"bee86328705acaa9a6daede7140defd4d9ec56bd","build_date":"2022-01-28T08:36:04.875279988Z","build_snapshot":false,"lucene_version":"8.11.1","minimum_wire_compatibility_version":"6.8.0","minimum_index_compatibility_version":"6.0.0-beta1"}"#),
        (Personality::Es8, r#"{"number":"8.15.0","build_flavor":"default","build_type":"tar","build_hash":"1a77947f34deddb41af25e6f0ddb8e830159c179","build_date":"2024-08-05T10:05:34.233336849Z","build_snapshot":false,"lucene_version":"9.11.1","minimum_wire_compatibility_version":"7.17.0","minimum_index_compatibility_version":"7.0.0"}"#),
        (Personality::Es9, r#"{"number":"9.1.0","build_flavor":"default","build_type":"tar","build_hash":"ca1a70216fbdefbef3c65b1dff04903ea5964ef5","build_date":"2025-07-24T12:47:08.245893112Z","build_snapshot":false,"lucene_version":"10.2.2","minimum_wire_compatibility_version":"8.19.0","minimum_index_compatibility_version":"8.0.0"}"#),
        (Personality::Os1_3, r#"{"distribution":"opensearch","number":"1.3.20","build_type":"tar","build_hash":"31afd17a1b5a22338307e1f4a78092887c1490e3","build_date":"2024-12-11T19:27:27.239674Z","build_snapshot":false,"lucene_version":"8.10.1","minimum_wire_compatibility_version":"6.8.0","minimum_index_compatibility_version":"6.0.0-beta1"}"#),
        (Personality::Os2, r#"{"distribution":"opensearch","number":"2.17.1","build_type":"tar","build_hash":"1893d20797e30110e5877170e44d42275ce5951e","build_date":"2024-10-01T02:33:34.145306911Z","build_snapshot":false,"lucene_version":"9.11.1","minimum_wire_compatibility_version":"7.10.0","minimum_index_compatibility_version":"7.0.0"}"#),
        (Personality::Os3, r#"{"distribution":"opensearch","number":"3.1.0","build_type":"tar","build_hash":"8ff7c6ee924a49f0f59f80a6e1c73073c8904214","build_date":"2025-06-21T08:05:50.445588571Z","build_snapshot":false,"lucene_version":"10.2.1","minimum_wire_compatibility_version":"2.19.0","minimum_index_compatibility_version":"2.0.0"}"#),
    ];
    for (p, version) in table {
        let emu = start(*p);
        let r = get(emu.port(), "/");
        assert_eq!(r.status, 200, "{p}");
        let body = r.json();
        let (cluster, tagline) =
            if p.is_opensearch() { ("opensearch", "The OpenSearch Project: https://opensearch.org/") } else { ("elasticsearch", "You Know, for Search") };
        let expected = format!(
            r#"{{"name":{},"cluster_name":"{cluster}","cluster_uuid":{},"version":{version},"tagline":"{tagline}"}}"#,
            body["name"], body["cluster_uuid"]
        );
        assert_eq!(r.compact(), compact(&expected), "{p}");
        assert_eq!(body["cluster_uuid"].as_str().unwrap().len(), 22);
        assert!(r.text().starts_with("{\n  \"name\" : "), "{p}: GET / is pretty by default");
        assert!(r.text().ends_with("}\n"));
        let product = matches!(p, Personality::Es7_17 | Personality::Es8 | Personality::Es9);
        assert_eq!(r.header("x-elastic-product"), product.then_some("Elasticsearch"), "{p}");
        let ct = if matches!(p, Personality::Es8 | Personality::Es9) { "application/json" } else { "application/json; charset=UTF-8" };
        assert_eq!(r.header("content-type"), Some(ct));
        assert_eq!(p.version_number(), body["version"]["number"].as_str().unwrap());
        // ?pretty=false gives the compact form; HEAD has no body.
        assert!(get(emu.port(), "/?pretty=false").text().starts_with("{\"name\":"));
        let head = req(emu.port(), "HEAD", "/", &[], b"");
        assert_eq!((head.status, head.body.len()), (200, 0));
    }
}

/// The action line each personality expects for a plain index op on id 1.
fn index_line(p: Personality, index: &str, id: &str) -> String {
    match p {
        Personality::Es5_6 => format!(r#"{{"index":{{"_index":"{index}","_type":"doc","_id":"{id}"}}}}"#),
        Personality::Es6_8 => format!(r#"{{"index":{{"_index":"{index}","_type":"_doc","_id":"{id}"}}}}"#),
        _ => format!(r#"{{"index":{{"_index":"{index}","_id":"{id}"}}}}"#),
    }
}

/// Facts §2.3: exact item response for one index op, then a create conflict.
#[test]
fn bulk_item_shapes_per_personality() {
    for p in Personality::ALL {
        let emu = start(p);
        let body = format!("{}\n{{\"title\":\"a\"}}\n", index_line(p, "books", "1"));
        let r = bulk(emu.port(), "/_bulk", &body);
        assert_eq!(r.status, 200, "{p}: {}", r.text());
        let (ty, seq, created) = match p {
            Personality::Es5_6 => (r#""_type":"doc","#, "", r#","created":true"#),
            Personality::Es6_8 | Personality::Es7_10 | Personality::Es7_17 | Personality::Os1_3 => {
                (r#""_type":"_doc","#, r#","_seq_no":0,"_primary_term":1"#, "")
            }
            _ => ("", r#","_seq_no":0,"_primary_term":1"#, ""),
        };
        let item = format!(
            r#"{{"index":{{"_index":"books",{ty}"_id":"1","_version":1,"result":"created","_shards":{{"total":2,"successful":1,"failed":0}}{seq}{created},"status":201}}}}"#
        );
        let expected = if matches!(p, Personality::Es8 | Personality::Es9) {
            format!(r#"{{"errors":false,"took":0,"items":[{item}]}}"#)
        } else {
            format!(r#"{{"took":0,"errors":false,"items":[{item}]}}"#)
        };
        assert_eq!(r.compact(), compact(&expected), "{p}");

        // Same id again with `create`: 409 conflict item (facts §2.3(3)).
        let create_line = index_line(p, "books", "1").replacen("index", "create", 1);
        let r = bulk(emu.port(), "/_bulk", &format!("{create_line}\n{{\"title\":\"b\"}}\n"));
        let v = r.json();
        assert_eq!(v["errors"], json!(true));
        let item = &v["items"][0]["create"];
        assert_eq!(item["status"], json!(409), "{p}");
        assert_eq!(emu.indices()[0].name, "books");
        let prefix = match p {
            Personality::Es5_6 => "[doc][1]",
            Personality::Es6_8 => "[_doc][1]",
            _ => "[1]",
        };
        let err = item["error"].clone();
        assert_eq!(err["type"], json!("version_conflict_engine_exception"));
        assert_eq!(err["reason"], json!(format!("{prefix}: version conflict, document already exists (current version [1])")));
        assert_eq!(err["index"], json!("books"));
        assert!(err["shard"].is_string(), "shard is a string");
        let keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
        let expected_keys: &[&str] = if matches!(p, Personality::Es8 | Personality::Es9 | Personality::Os2 | Personality::Os3) {
            &["_index", "_id", "status", "error"]
        } else {
            &["_index", "_type", "_id", "status", "error"]
        };
        assert_eq!(keys, expected_keys, "{p}");
        let err_keys: Vec<&str> = err.as_object().unwrap().keys().map(String::as_str).collect();
        if p == Personality::Os3 {
            assert_eq!(err_keys, ["_index", "_id", "status", "type", "reason", "index_uuid", "shard", "index"]);
        } else {
            assert_eq!(err_keys, ["type", "reason", "index_uuid", "shard", "index"]);
        }
        assert_eq!(emu.documents("books").len(), 1);
    }
}

#[test]
fn bulk_exact_conflict_item_es8() {
    let emu = start(Personality::Es8);
    bulk(emu.port(), "/_bulk", "{\"index\":{\"_index\":\"posts\",\"_id\":\"3\"}}\n{}\n");
    let r = bulk(emu.port(), "/_bulk", "{\"create\":{\"_index\":\"posts\",\"_id\":\"3\"}}\n{}\n");
    let uuid = get(emu.port(), "/posts/_settings").json()["posts"]["settings"]["index"]["uuid"].as_str().unwrap().to_string();
    let shard = r.json()["items"][0]["create"]["error"]["shard"].as_str().unwrap().to_string();
    // Facts §2.3: the real 8.15 item.
    let expected = format!(
        r#"{{"errors":true,"took":0,"items":[{{"create":{{"_index":"posts","_id":"3","status":409,"error":{{"type":"version_conflict_engine_exception","reason":"[3]: version conflict, document already exists (current version [1])","index_uuid":"{uuid}","shard":"{shard}","index":"posts"}}}}}}]}}"#
    );
    assert_eq!(r.compact(), compact(&expected));
    assert_eq!(r.header("x-elastic-product"), Some("Elasticsearch"));
}

/// Facts §2.2: `_type` rules.
#[test]
fn bulk_type_rules() {
    // ES 8: `_type` is an unknown parameter → whole request 400.
    let emu = start(Personality::Es8);
    let r = bulk(emu.port(), "/_bulk", "{\"index\":{\"_index\":\"a\",\"_type\":\"_doc\",\"_id\":\"1\"}}\n{}\n");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.compact(),
        compact(r#"{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"Action/metadata line [1] contains an unknown parameter [_type]"}],"type":"illegal_argument_exception","reason":"Action/metadata line [1] contains an unknown parameter [_type]"},"status":400}"#)
    );
    assert!(emu.indices().is_empty(), "nothing applied");
    // ES 8 has no typed bulk route.
    assert_eq!(bulk(emu.port(), "/a/_doc/_bulk", "{\"index\":{}}\n{}\n").status, 400);

    // ES 5.6: a missing type fails validation.
    let emu = start(Personality::Es5_6);
    let r = bulk(emu.port(), "/_bulk", "{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{}\n");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.compact(),
        compact(r#"{"error":{"root_cause":[{"type":"action_request_validation_exception","reason":"Validation Failed: 1: type is missing;"}],"type":"action_request_validation_exception","reason":"Validation Failed: 1: type is missing;"},"status":400}"#)
    );
    // ES 5.6: `_doc` is not a legal type; the URL type is the default; several types coexist.
    let r = bulk(emu.port(), "/a/_bulk", "{\"index\":{\"_type\":\"_doc\",\"_id\":\"1\"}}\n{}\n");
    let err = &r.json()["items"][0]["index"]["error"];
    assert_eq!(err["type"], json!("invalid_type_name_exception"));
    assert_eq!(err["reason"], json!("Document mapping type name can't start with '_', found: [_doc]"));
    let r = bulk(emu.port(), "/a/t1/_bulk", "{\"index\":{\"_id\":\"1\"}}\n{}\n{\"index\":{\"_type\":\"t2\",\"_id\":\"1\"}}\n{}\n");
    assert_eq!(r.json()["errors"], json!(false), "{}", r.text());
    let docs = emu.documents("a");
    assert_eq!(docs.iter().map(|d| d.doc_type.clone().unwrap()).collect::<Vec<_>>(), ["t1", "t2"]);

    // ES 6.8: one type per index.
    let emu = start(Personality::Es6_8);
    let r = bulk(emu.port(), "/_bulk", "{\"index\":{\"_index\":\"x\",\"_type\":\"t1\",\"_id\":\"1\"}}\n{}\n{\"index\":{\"_index\":\"x\",\"_type\":\"t2\",\"_id\":\"2\"}}\n{}\n");
    let v = r.json();
    assert_eq!(v["items"][0]["index"]["status"], json!(201));
    assert_eq!(
        serde_json::to_string(&v["items"][1]).unwrap(),
        compact(r#"{"index":{"_index":"x","_type":"t2","_id":"2","status":400,"error":{"type":"illegal_argument_exception","reason":"Rejecting mapping update to [x] as the final mapping would have more than 1 type: [t1, t2]"}}}"#)
    );
    // 6.8 accepts the deprecated `_routing` alias; 7.x does not.
    let r = bulk(emu.port(), "/_bulk", "{\"index\":{\"_index\":\"x\",\"_type\":\"t1\",\"_id\":\"3\",\"_routing\":\"r\"}}\n{}\n");
    assert_eq!(r.json()["errors"], json!(false));
    assert_eq!(emu.documents("x").iter().find(|d| d.id == "3").unwrap().routing.as_deref(), Some("r"));

    // ES 7.x: `_type` optional (deprecation warning), `_routing` unknown.
    let emu = start(Personality::Es7_10);
    let r = bulk(emu.port(), "/_bulk", "{\"index\":{\"_index\":\"y\",\"_type\":\"_doc\",\"_id\":\"1\"}}\n{}\n");
    assert_eq!(r.json()["items"][0]["index"]["_type"], json!("_doc"));
    assert!(r.header("warning").unwrap().contains("[types removal] Specifying types in bulk requests is deprecated."));
    let r = bulk(emu.port(), "/_bulk", "{\"index\":{\"_index\":\"y\",\"_routing\":\"r\"}}\n{}\n");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["reason"], json!("Action/metadata line [1] contains an unknown parameter [_routing]"));
}

#[test]
fn bulk_parse_errors() {
    let emu = start(Personality::Es7_10);
    let p = emu.port();
    let r = bulk(p, "/_bulk", "{\"index\":{\"_index\":\"a\"}}\n{}");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["reason"], json!("The bulk request must be terminated by a newline [\\n]"));
    let r = bulk(p, "/_bulk", "{\"index\":{\"_index\":\"a\",\"bogus\":1}}\n{}\n");
    assert_eq!(r.json()["error"]["reason"], json!("Action/metadata line [1] contains an unknown parameter [bogus]"));
    let r = bulk(p, "/_bulk", "{\"index\":{\"_index\":\"a\"}}\n{}\n{\"index\":{\"_id\":\"2\"}}\n{}\n");
    assert_eq!(r.json()["error"]["reason"], json!("Validation Failed: 1: index is missing;"));
    // Bad UTF-8 / not JSON at all: a 400, never a panic.
    let r = req(p, "POST", "/_bulk", &[("content-type", "application/x-ndjson")], b"\xff\xfe\n{}\n");
    assert_eq!(r.status, 400);
    // Full mode requires JSON object sources: a per-item mapper_parsing_exception.
    let r = bulk(p, "/_bulk", "{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{not json\n{\"index\":{\"_index\":\"a\",\"_id\":\"2\"}}\n[1,2]\n");
    let v = r.json();
    assert_eq!(v["errors"], json!(true));
    assert_eq!(v["items"][0]["index"]["error"]["type"], json!("mapper_parsing_exception"));
    assert_eq!(v["items"][0]["index"]["error"]["reason"], json!("failed to parse"));
    assert_eq!(v["items"][0]["index"]["error"]["caused_by"]["type"], json!("json_parse_exception"));
    assert_eq!(v["items"][1]["index"]["status"], json!(400));
    let emu8 = start(Personality::Es8);
    let r = bulk(emu8.port(), "/_bulk", "{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n\"str\"\n");
    assert_eq!(r.json()["items"][0]["index"]["error"]["type"], json!("document_parsing_exception"));
    // Invalid index names are per-item errors.
    let r = bulk(p, "/_bulk", "{\"index\":{\"_index\":\"Bad\"}}\n{}\n");
    assert_eq!(
        serde_json::to_string(&r.json()["items"][0]).unwrap(),
        compact(r#"{"index":{"_index":"Bad","_type":"_doc","_id":null,"status":400,"error":{"type":"invalid_index_name_exception","reason":"Invalid index name [Bad], must be lowercase","index_uuid":"_na_","index":"Bad"}}}"#)
    );
}

#[test]
fn bulk_ops_update_delete_versions() {
    let emu = start(Personality::Es7_17);
    let p = emu.port();
    let body = "{\"index\":{\"_index\":\"u\",\"_id\":\"1\"}}\n{\"a\":1,\"n\":{\"x\":1}}\n\
                {\"index\":{\"_index\":\"u\",\"_id\":\"1\"}}\n{\"a\":2,\"n\":{\"x\":1}}\n\
                {\"update\":{\"_index\":\"u\",\"_id\":\"1\"}}\n{\"doc\":{\"n\":{\"y\":2}}}\n\
                {\"update\":{\"_index\":\"u\",\"_id\":\"1\"}}\n{\"doc\":{\"a\":2}}\n\
                {\"update\":{\"_index\":\"u\",\"_id\":\"2\"}}\n{\"doc\":{\"a\":1}}\n\
                {\"delete\":{\"_index\":\"u\",\"_id\":\"1\"}}\n\
                {\"delete\":{\"_index\":\"u\",\"_id\":\"1\"}}\n";
    let v = bulk(p, "/_bulk", body).json();
    let summary: Vec<(String, u64, String)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let (op, inner) = i.as_object().unwrap().iter().next().unwrap();
            (op.clone(), inner["status"].as_u64().unwrap(), inner["result"].as_str().or(inner["error"]["type"].as_str()).unwrap().to_string())
        })
        .collect();
    let expect = [
        ("index", 201, "created"),
        ("index", 200, "updated"),
        ("update", 200, "updated"),
        ("update", 200, "noop"),
        ("update", 404, "document_missing_exception"),
        ("delete", 200, "deleted"),
        ("delete", 404, "not_found"),
    ];
    let got: Vec<(&str, u64, &str)> = summary.iter().map(|(a, b, c)| (a.as_str(), *b, c.as_str())).collect();
    assert_eq!(got, expect);
    assert_eq!(v["items"][2]["update"]["_version"], json!(3));
    assert_eq!(v["items"][3]["update"]["_shards"], json!({"total":0,"successful":0,"failed":0}));
    assert_eq!(v["items"][4]["update"]["error"]["reason"], json!("[_doc][2]: document missing"));
    assert_eq!(v["items"][6]["delete"]["_version"], json!(5));
    // Delete on a missing index does not create it.
    let v = bulk(p, "/_bulk", "{\"delete\":{\"_index\":\"missing\",\"_id\":\"1\"}}\n").json();
    assert_eq!(v["items"][0]["delete"]["status"], json!(404));
    assert_eq!(v["items"][0]["delete"]["error"]["type"], json!("index_not_found_exception"));
    assert!(emu.indices().iter().all(|i| i.name != "missing"));
}

/// Facts §4.2/§4.3: visibility only after a refresh.
#[test]
fn refresh_and_count() {
    let emu = start(Personality::Es7_10);
    let p = emu.port();
    json_req(p, "PUT", "/r", r#"{"settings":{"index":{"number_of_shards":"2","number_of_replicas":"1"}}}"#);
    let body = (0..3).map(|i| format!("{{\"index\":{{\"_index\":\"r\",\"_id\":\"{i}\"}}}}\n{{\"n\":{i}}}\n")).collect::<String>();
    bulk(p, "/_bulk", &body);
    assert_eq!(get(p, "/r/_count").compact(), compact(r#"{"count":0,"_shards":{"total":2,"successful":2,"skipped":0,"failed":0}}"#));
    let r = req(p, "POST", "/r/_refresh", &[], b"");
    assert_eq!(r.compact(), compact(r#"{"_shards":{"total":4,"successful":2,"failed":0}}"#));
    assert_eq!(get(p, "/r/_count").json()["count"], json!(3));
    bulk(p, "/_bulk?refresh=wait_for", "{\"index\":{\"_index\":\"r\",\"_id\":\"9\"}}\n{\"n\":9}\n");
    assert_eq!(get(p, "/r/_count").json()["count"], json!(4));
    assert_eq!(get(p, "/_count").json()["count"], json!(4));
    assert_eq!(get(p, "/r*/_count").json()["count"], json!(4));
    assert_eq!(get(p, "/zz*/_count").json()["count"], json!(0));
    assert_eq!(json_req(p, "POST", "/r/_count", r#"{"query":{"term":{"n":9}}}"#).json()["count"], json!(1));
    assert_eq!(json_req(p, "POST", "/r/_count", r#"{"query":{"match_all":{}}}"#).json()["count"], json!(4));
    assert_eq!(json_req(p, "POST", "/r/_count", r#"{"query":{"range":{"n":{"gte":1}}}}"#).status, 400);
    // 5.6 `_shards` has no `skipped`, 5 default shards; its missing-index reason has no name.
    let emu = start(Personality::Es5_6);
    bulk(emu.port(), "/_bulk?refresh=true", "{\"index\":{\"_index\":\"r\",\"_type\":\"doc\",\"_id\":\"1\"}}\n{}\n");
    assert_eq!(get(emu.port(), "/r/_count").compact(), compact(r#"{"count":1,"_shards":{"total":5,"successful":5,"failed":0}}"#));
    let r = get(emu.port(), "/nope/_count");
    assert_eq!(r.status, 404);
    assert_eq!(
        r.compact(),
        compact(r#"{"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index","resource.type":"index_or_alias","resource.id":"nope","index_uuid":"_na_","index":"nope"}],"type":"index_not_found_exception","reason":"no such index","resource.type":"index_or_alias","resource.id":"nope","index_uuid":"_na_","index":"nope"},"status":404}"#)
    );
    assert_eq!(r.header("es.index"), Some("nope"));
}

#[test]
fn filter_path_everywhere() {
    let emu = start(Personality::Es7_10);
    let p = emu.port();
    bulk(p, "/_bulk", "{\"index\":{\"_index\":\"f\",\"_id\":\"1\"}}\n{}\n");
    let body = "{\"create\":{\"_index\":\"f\",\"_id\":\"1\"}}\n{}\n{\"index\":{\"_index\":\"f\",\"_id\":\"2\"}}\n{}\n";
    let r = bulk(p, "/_bulk?filter_path=errors,items.*.status,items.*.error", body);
    let uuid = get(p, "/f/_settings").json()["f"]["settings"]["index"]["uuid"].as_str().unwrap().to_string();
    let shard = r.json()["items"][0]["create"]["error"]["shard"].as_str().unwrap().to_string();
    assert_eq!(
        r.text(),
        format!(
            r#"{{"errors":true,"items":[{{"create":{{"status":409,"error":{{"type":"version_conflict_engine_exception","reason":"[1]: version conflict, document already exists (current version [1])","index_uuid":"{uuid}","shard":"{shard}","index":"f"}}}}}},{{"index":{{"status":201}}}}]}}"#
        )
    );
    // Only failed items survive `items.*.error`; nothing at all when there are none.
    let r = bulk(p, "/_bulk?filter_path=items.*.error", "{\"index\":{\"_index\":\"f\",\"_id\":\"3\"}}\n{}\n");
    assert_eq!(r.text(), "{}");
    let r = bulk(p, "/_bulk?filter_path=took", "{\"index\":{\"_index\":\"f\",\"_id\":\"3\"}}\n{}\n");
    assert!(r.text().starts_with("{\"took\":") && !r.text().contains("items"));
    req(p, "POST", "/f/_refresh", &[], b"");
    let r = get(p, "/f/_search?filter_path=hits.hits._id,hits.total.value");
    assert_eq!(r.text(), r#"{"hits":{"total":{"value":3},"hits":[{"_id":"1"},{"_id":"2"},{"_id":"3"}]}}"#);
    let r = get(p, "/f/_search?filter_path=**._id&size=1");
    assert_eq!(r.text(), r#"{"hits":{"hits":[{"_id":"1"}]}}"#);
    let r = get(p, "/?filter_path=version.number,tagline");
    assert_eq!(r.compact(), r#"{"version":{"number":"7.10.2"},"tagline":"You Know, for Search"}"#);
    // Errors are not filtered.
    let r = get(p, "/nope/_count?filter_path=count");
    assert_eq!(r.json()["status"], json!(404));
}

#[test]
fn gzip_request_bodies() {
    use std::io::Write;
    for personality in [Personality::Es5_6, Personality::Es8, Personality::Os2] {
        let emu = start(personality);
        let line = if personality == Personality::Es5_6 { "{\"index\":{\"_index\":\"g\",\"_type\":\"doc\",\"_id\":\"1\"}}" } else { "{\"index\":{\"_index\":\"g\",\"_id\":\"1\"}}" };
        let plain = format!("{line}\n{{\"z\":\"{}\"}}\n", "x".repeat(5000));
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(plain.as_bytes()).unwrap();
        let gz = enc.finish().unwrap();
        let r = req(emu.port(), "POST", "/_bulk", &[("content-type", "application/x-ndjson"), ("content-encoding", "gzip")], &gz);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["errors"], json!(false));
        assert_eq!(emu.documents("g")[0].source["z"].as_str().unwrap().len(), 5000);
        let s = emu.stats();
        assert_eq!(s.gzip_requests, 1);
        assert_eq!(s.bytes_received, gz.len() as u64);
        // Corrupt gzip is a 400, not a crash.
        let r = req(emu.port(), "POST", "/_bulk", &[("content-type", "application/x-ndjson"), ("content-encoding", "gzip")], b"not gzip");
        assert_eq!(r.status, 400);
    }
}

/// Facts §6.2.
#[test]
fn content_type_rules() {
    let emu = start(Personality::Es7_10);
    let p = emu.port();
    let r = req(p, "POST", "/_bulk", &[("content-type", "text/plain")], b"{\"index\":{\"_index\":\"c\"}}\n{}\n");
    assert_eq!((r.status, r.compact()), (406, compact(r#"{"error":"Content-Type header [text/plain] is not supported","status":406}"#)));
    let r = req(p, "POST", "/_bulk", &[], b"{\"index\":{\"_index\":\"c\"}}\n{}\n");
    assert_eq!((r.status, r.compact()), (406, compact(r#"{"error":"Content-Type header is missing","status":406}"#)));
    let r = req(p, "POST", "/_bulk", &[("content-type", "application/x-ndjson; charset=UTF-8")], b"{\"index\":{\"_index\":\"c\"}}\n{}\n");
    assert_eq!(r.status, 200);
    // 5.6 auto-detects with a deprecation warning.
    let emu = start(Personality::Es5_6);
    let r = req(emu.port(), "POST", "/_bulk", &[], b"{\"index\":{\"_index\":\"c\",\"_type\":\"d\"}}\n{}\n");
    assert_eq!(r.status, 200);
    assert!(r.header("warning").unwrap().starts_with("299 Elasticsearch-5.6.16-3a740d1 \"Content type detection for rest requests is deprecated."));
    // ES 8 accepts its compatibility media type.
    let emu = start(Personality::Es8);
    let r = req(
        emu.port(),
        "POST",
        "/_bulk",
        &[("content-type", "application/vnd.elasticsearch+x-ndjson; compatible-with=8")],
        b"{\"index\":{\"_index\":\"c\"}}\n{}\n",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/vnd.elasticsearch+json;compatible-with=8"));
    let r = req(emu.port(), "GET", "/", &[("accept", "application/vnd.elasticsearch+json; compatible-with=8")], b"");
    assert_eq!(r.header("content-type"), Some("application/vnd.elasticsearch+json;compatible-with=8"));
    assert_eq!(get(emu.port(), "/").header("content-type"), Some("application/json"));
    // OpenSearch does not.
    let emu = start(Personality::Os2);
    let r = req(emu.port(), "POST", "/_bulk", &[("content-type", "application/vnd.elasticsearch+json; compatible-with=8")], b"{}\n");
    assert_eq!(
        r.compact(),
        compact(r#"{"error":"Content-Type header [application/vnd.elasticsearch+json; compatible-with=8] is not supported","status":406}"#)
    );
}

/// Facts §4.1, §3.1, §3.2.
#[test]
fn index_lifecycle() {
    let emu = start(Personality::Es7_10);
    let p = emu.port();
    let r = json_req(p, "PUT", "/books", r#"{"settings":{"number_of_shards":3,"number_of_replicas":"0"},"mappings":{"properties":{"t":{"type":"text"}}}}"#);
    assert_eq!(r.compact(), compact(r#"{"acknowledged":true,"shards_acknowledged":true,"index":"books"}"#));
    let settings = get(p, "/books/_settings").json();
    let idx = &settings["books"]["settings"]["index"];
    assert_eq!((idx["number_of_shards"].clone(), idx["number_of_replicas"].clone()), (json!("3"), json!("0")));
    assert_eq!(idx["version"]["created"], json!("7100299"));
    assert_eq!(idx["provided_name"], json!("books"));
    let uuid = idx["uuid"].as_str().unwrap().to_string();
    let keys: Vec<&str> = idx.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["creation_date", "number_of_shards", "number_of_replicas", "uuid", "version", "provided_name"]);
    let r = json_req(p, "PUT", "/books", "{}");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.compact(),
        compact(&format!(
            r#"{{"error":{{"root_cause":[{{"type":"resource_already_exists_exception","reason":"index [books/{uuid}] already exists","index_uuid":"{uuid}","index":"books"}}],"type":"resource_already_exists_exception","reason":"index [books/{uuid}] already exists","index_uuid":"{uuid}","index":"books"}},"status":400}}"#
        ))
    );
    let r = req(p, "PUT", "/Books", &[], b"");
    assert_eq!(
        r.compact(),
        compact(r#"{"error":{"root_cause":[{"type":"invalid_index_name_exception","reason":"Invalid index name [Books], must be lowercase","index_uuid":"_na_","index":"Books"}],"type":"invalid_index_name_exception","reason":"Invalid index name [Books], must be lowercase","index_uuid":"_na_","index":"Books"},"status":400}"#)
    );
    assert_eq!(req(p, "PUT", "/a%20b", &[], b"").json()["error"]["type"], json!("invalid_index_name_exception"));
    assert_eq!(req(p, "HEAD", "/books", &[], b"").status, 200);
    assert_eq!(req(p, "HEAD", "/nope", &[], b"").status, 404);
    let full = get(p, "/books").json();
    assert_eq!(full["books"]["mappings"], json!({"properties":{"t":{"type":"text"}}}));
    assert_eq!(full["books"]["aliases"], json!({}));
    // 7.x: typed mappings need include_type_name=true.
    let r = json_req(p, "PUT", "/typed", r#"{"mappings":{"_doc":{"properties":{}}}}"#);
    assert_eq!(r.json()["error"]["reason"], json!("The mapping definition cannot be nested under a type [_doc] unless include_type_name is set to true."));
    assert_eq!(json_req(p, "PUT", "/typed?include_type_name=true", r#"{"mappings":{"_doc":{"properties":{}}}}"#).status, 200);
    let r = json_req(p, "PUT", "/typed2", r#"{"mappings":{"mytype":{"properties":{"t":{"type":"text"}}}}}"#);
    let v = r.json();
    assert_eq!(v["error"]["root_cause"][0]["reason"], json!("Root mapping definition has unsupported parameters:  [mytype : {properties={t={type=text}}}]"));
    assert_eq!(v["error"]["reason"], json!("Failed to parse mapping [_doc]: Root mapping definition has unsupported parameters:  [mytype : {properties={t={type=text}}}]"));
    // Dynamic settings and mapping updates.
    assert_eq!(json_req(p, "PUT", "/books/_settings", r#"{"index":{"number_of_replicas":2}}"#).compact(), r#"{"acknowledged":true}"#);
    assert_eq!(emu.indices().iter().find(|i| i.name == "books").unwrap().number_of_replicas, 2);
    let r = json_req(p, "PUT", "/books/_settings", r#"{"number_of_shards":2}"#);
    assert_eq!(r.json()["error"]["reason"], json!(format!("Can't update non dynamic settings [[index.number_of_shards]] for open indices [[books/{uuid}]]")));
    assert_eq!(json_req(p, "PUT", "/books/_mapping", r#"{"properties":{"u":{"type":"keyword"}}}"#).status, 200);
    assert_eq!(get(p, "/books/_mapping").json()["books"]["mappings"]["properties"], json!({"t":{"type":"text"},"u":{"type":"keyword"}}));
    assert_eq!(req(p, "DELETE", "/books", &[], b"").compact(), r#"{"acknowledged":true}"#);
    assert_eq!(req(p, "DELETE", "/books", &[], b"").status, 404);
    assert_eq!(emu.indices().iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["typed"]);

    // 5.6: several types, `index_already_exists_exception`; ES 8: no include_type_name.
    let emu = start(Personality::Es5_6);
    let r = json_req(emu.port(), "PUT", "/m", r#"{"mappings":{"a":{"properties":{}},"b":{"properties":{}}}}"#);
    assert_eq!(r.status, 200);
    assert_eq!(json_req(emu.port(), "PUT", "/m", "{}").json()["error"]["type"], json!("index_already_exists_exception"));
    assert_eq!(get(emu.port(), "/m/_settings").json()["m"]["settings"]["index"]["number_of_shards"], json!("5"));
    assert_eq!(json_req(emu.port(), "PUT", "/n", r#"{"mappings":{"_doc":{}}}"#).json()["error"]["reason"], json!("mapping type name [_doc] can't start with '_'"));
    let emu = start(Personality::Es8);
    let r = json_req(emu.port(), "PUT", "/m?include_type_name=true", "{}");
    assert_eq!(r.json()["error"]["reason"], json!("request [/m] contains unrecognized parameter: [include_type_name]"));
    let emu = start(Personality::Es6_8);
    let r = json_req(emu.port(), "PUT", "/m", r#"{"mappings":{"a":{},"b":{}}}"#);
    assert_eq!(r.json()["error"]["reason"], json!("Rejecting mapping update to [m] as the final mapping would have more than 1 type: [a, b]"));
}

/// Facts §5: single-document writes with OCC, GET, DELETE.
#[test]
fn single_doc_occ_and_get() {
    let emu = start(Personality::Es7_10);
    let p = emu.port();
    let r = json_req(p, "PUT", "/ledger/_doc/job-1?refresh=true", r#"{"state":"new"}"#);
    assert_eq!(r.status, 201);
    assert_eq!(r.header("location"), Some("/ledger/_doc/job-1"));
    assert_eq!(
        r.compact(),
        compact(r#"{"_index":"ledger","_type":"_doc","_id":"job-1","_version":1,"result":"created","forced_refresh":true,"_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1}"#)
    );
    let r = json_req(p, "PUT", "/ledger/_doc/job-1?if_seq_no=0&if_primary_term=1", r#"{"state":"running"}"#);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["result"], json!("updated"));
    assert_eq!(r.json()["_seq_no"], json!(1));
    // The same stale write again: 409 (facts §2.3(3), §5.2).
    let r = json_req(p, "PUT", "/ledger/_doc/job-1?if_seq_no=0&if_primary_term=1", r#"{"state":"stolen"}"#);
    assert_eq!(r.status, 409);
    let uuid = get(p, "/ledger/_settings").json()["ledger"]["settings"]["index"]["uuid"].as_str().unwrap().to_string();
    let reason = "[job-1]: version conflict, required seqNo [0], primary term [1]. current document has seqNo [1] and primary term [1]";
    assert_eq!(
        r.compact(),
        compact(&format!(
            r#"{{"error":{{"root_cause":[{{"type":"version_conflict_engine_exception","reason":"{reason}","index_uuid":"{uuid}","shard":"0","index":"ledger"}}],"type":"version_conflict_engine_exception","reason":"{reason}","index_uuid":"{uuid}","shard":"0","index":"ledger"}},"status":409}}"#
        ))
    );
    let r = json_req(p, "PUT", "/ledger/_doc/none?if_seq_no=5&if_primary_term=1", "{}");
    assert_eq!(r.json()["error"]["reason"], json!("[none]: version conflict, required seqNo [5], primary term [1]. but no document was found"));
    let r = json_req(p, "PUT", "/ledger/_create/job-1", "{}");
    assert_eq!(r.json()["error"]["reason"], json!("[job-1]: version conflict, document already exists (current version [2])"));
    let r = json_req(p, "PUT", "/ledger/_doc/job-1?op_type=create", "{}");
    assert_eq!(r.status, 409);
    let r = json_req(p, "POST", "/ledger/_doc", r#"{"auto":true}"#);
    assert_eq!((r.status, r.json()["_id"].as_str().unwrap().len()), (201, 20));

    let r = get(p, "/ledger/_doc/job-1");
    assert_eq!(
        r.compact(),
        compact(r#"{"_index":"ledger","_type":"_doc","_id":"job-1","_version":2,"_seq_no":1,"_primary_term":1,"found":true,"_source":{"state":"running"}}"#)
    );
    let r = get(p, "/ledger/_doc/missing");
    assert_eq!((r.status, r.compact()), (404, compact(r#"{"_index":"ledger","_type":"_doc","_id":"missing","found":false}"#)));
    assert_eq!(req(p, "HEAD", "/ledger/_doc/job-1", &[], b"").status, 200);
    let r = get(p, "/nope/_doc/1");
    assert_eq!(r.json()["error"]["root_cause"][0]["resource.type"], json!("index_expression"));
    let r = req(p, "DELETE", "/ledger/_doc/job-1?if_seq_no=1&if_primary_term=1", &[], b"");
    assert_eq!((r.status, r.json()["result"].clone(), r.json()["_version"].clone()), (200, json!("deleted"), json!(3)));
    let r = req(p, "DELETE", "/ledger/_doc/job-1", &[], b"");
    assert_eq!((r.status, r.json()["result"].clone()), (404, json!("not_found")));
    let r = json_req(p, "POST", "/ledger/_update/job-2", r#"{"doc":{"a":1},"doc_as_upsert":true}"#);
    assert_eq!((r.status, r.json()["result"].clone()), (201, json!("created")));
    // 7.x typed endpoints still work, with a deprecation warning.
    let r = json_req(p, "PUT", "/typed/mytype/1", "{}");
    assert_eq!((r.status, r.json()["_type"].clone()), (201, json!("mytype")));
    assert!(r.header("warning").unwrap().contains("[types removal] Specifying types in document index requests is deprecated"));
    assert!(json_req(p, "PUT", "/typed/_doc/2", "{}").header("warning").is_none());
    let r = json_req(p, "PUT", "/typed/other/3", "{}");
    assert_eq!(r.json()["error"]["reason"], json!("Rejecting mapping update to [typed] as the final mapping would have more than 1 type: [mytype, other]"));
    // External versioning.
    let r = json_req(p, "PUT", "/ext/_doc/1?version=10&version_type=external", "{}");
    assert_eq!((r.status, r.json()["_version"].clone()), (201, json!(10)));
    let r = json_req(p, "PUT", "/ext/_doc/1?version=10&version_type=external", "{}");
    assert_eq!(r.json()["error"]["reason"], json!("[1]: version conflict, current version [10] is higher or equal to the one provided [10]"));
    let r = json_req(p, "PUT", "/ext/_doc/1?version=3", "{}");
    assert_eq!(r.json()["error"]["type"], json!("action_request_validation_exception"));

    // ES 8 / OS 2: no `_type`; GET misses omit it too.
    let emu = start(Personality::Os2);
    json_req(emu.port(), "PUT", "/l/_doc/1", r#"{"a":1}"#);
    assert_eq!(get(emu.port(), "/l/_doc/1").compact(), compact(r#"{"_index":"l","_id":"1","_version":1,"_seq_no":0,"_primary_term":1,"found":true,"_source":{"a":1}}"#));
    assert_eq!(get(emu.port(), "/l/_doc/2").compact(), compact(r#"{"_index":"l","_id":"2","found":false}"#));
    // ES 8 has no typed document routes.
    let emu = start(Personality::Es8);
    assert_eq!(json_req(emu.port(), "PUT", "/l/mytype/1", "{}").status, 400);

    // ES 5.6: typed routes, created flag, if_seq_no unknown, typed conflict prefix.
    let emu = start(Personality::Es5_6);
    let p = emu.port();
    let r = json_req(p, "PUT", "/l/doc/1", r#"{"a":1}"#);
    assert_eq!(
        (r.status, r.compact(), r.header("location")),
        (
            201,
            compact(r#"{"_index":"l","_type":"doc","_id":"1","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"created":true}"#),
            Some("/l/doc/1")
        )
    );
    let r = json_req(p, "PUT", "/l/doc/1?if_seq_no=0&if_primary_term=1", "{}");
    assert_eq!(r.json()["error"]["reason"], json!("request [/l/doc/1] contains unrecognized parameters: [if_primary_term], [if_seq_no]"));
    let r = json_req(p, "PUT", "/l/doc/1/_create", "{}");
    assert_eq!(r.json()["error"]["reason"], json!("[doc][1]: version conflict, document already exists (current version [1])"));
    assert_eq!(get(p, "/l/doc/1").compact(), compact(r#"{"_index":"l","_type":"doc","_id":"1","_version":1,"found":true,"_source":{"a":1}}"#));
}

/// Facts §5.4.
#[test]
fn search_hits_per_version() {
    let emu = start(Personality::Es7_17);
    let p = emu.port();
    let body = "{\"index\":{\"_index\":\"s\",\"_id\":\"b\",\"routing\":\"r1\"}}\n{\"k\":\"x\",\"n\":2}\n\
                {\"index\":{\"_index\":\"s\",\"_id\":\"a\"}}\n{\"k\":\"y\",\"n\":1}\n\
                {\"index\":{\"_index\":\"s\",\"_id\":\"c\"}}\n{\"k\":\"x\",\"n\":3}\n";
    bulk(p, "/_bulk?refresh=true", body);
    let r = json_req(p, "POST", "/s/_search", r#"{"query":{"term":{"k":"x"}},"seq_no_primary_term":true,"version":true,"sort":[{"_id":"asc"}]}"#);
    let v = r.json();
    assert_eq!(v["timed_out"], json!(false));
    assert_eq!(v["hits"]["total"], json!({"value":2,"relation":"eq"}));
    assert_eq!(v["hits"]["max_score"], Value::Null);
    assert_eq!(
        serde_json::to_string(&v["hits"]["hits"][0]).unwrap(),
        compact(r#"{"_index":"s","_type":"_doc","_id":"b","_version":1,"_seq_no":0,"_primary_term":1,"_score":null,"_routing":"r1","_source":{"k":"x","n":2},"sort":["b"]}"#)
    );
    let v = json_req(p, "POST", "/s/_search", r#"{"query":{"ids":{"values":["c","a"]}},"size":1,"from":1}"#).json();
    assert_eq!(v["hits"]["total"]["value"], json!(2));
    assert_eq!(v["hits"]["hits"][0]["_id"], json!("c"));
    assert_eq!(v["hits"]["hits"][0]["_score"], json!(1.0));
    let v = get(p, "/s/_search?sort=n:desc&size=1&rest_total_hits_as_int=true").json();
    assert_eq!((v["hits"]["total"].clone(), v["hits"]["hits"][0]["_id"].clone()), (json!(3), json!("c")));
    assert_eq!(json_req(p, "POST", "/s/_search", r#"{"query":{"match":{"k":"x"}}}"#).status, 400);

    let emu = start(Personality::Es6_8);
    bulk(emu.port(), "/_bulk?refresh=true", "{\"index\":{\"_index\":\"s\",\"_type\":\"_doc\",\"_id\":\"1\"}}\n{}\n");
    let v = get(emu.port(), "/s/_search").json();
    assert_eq!(v["hits"]["total"], json!(1));
    assert_eq!(v["_shards"], json!({"total":5,"successful":5,"skipped":0,"failed":0}));
}

/// Facts §4.5.
#[test]
fn cluster_health() {
    let emu = start(Personality::Os2);
    assert_eq!(
        get(emu.port(), "/_cluster/health").compact(),
        compact(r#"{"cluster_name":"opensearch","status":"green","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,"discovered_master":true,"discovered_cluster_manager":true,"active_primary_shards":0,"active_shards":0,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":0,"delayed_unassigned_shards":0,"number_of_pending_tasks":0,"number_of_in_flight_fetch":0,"task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":100.0}"#)
    );
    let emu = start(Personality::Es7_10);
    json_req(emu.port(), "PUT", "/h", "{}");
    assert_eq!(
        get(emu.port(), "/_cluster/health/h").compact(),
        compact(r#"{"cluster_name":"elasticsearch","status":"yellow","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,"active_primary_shards":1,"active_shards":1,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":1,"delayed_unassigned_shards":0,"number_of_pending_tasks":0,"number_of_in_flight_fetch":0,"task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":50.0}"#)
    );
    json_req(emu.port(), "PUT", "/g", r#"{"settings":{"number_of_replicas":0}}"#);
    assert_eq!(get(emu.port(), "/_cluster/health/g").json()["status"], json!("green"));
    assert_eq!(get(emu.port(), "/_cluster/health/missing").status, 408);
    let emu = start(Personality::Es9);
    assert!(get(emu.port(), "/_cluster/health").json().get("unassigned_primary_shards").is_some());
}

#[test]
fn unknown_routes() {
    let emu = start(Personality::Es5_6);
    let r = get(emu.port(), "/_nope?x=1");
    assert_eq!((r.status, r.text()), (400, "No handler found for uri [/_nope?x=1] and method [GET]".to_string()));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
    let emu = start(Personality::Es7_10);
    let r = get(emu.port(), "/_nope?x=1");
    assert_eq!((r.status, r.text()), (400, r#"{"error":"no handler found for uri [/_nope?x=1] and method [GET]"}"#.to_string()));
    let r = req(emu.port(), "GET", "/_bulk", &[], b"");
    assert_eq!(
        (r.status, r.text()),
        (405, r#"{"error":"Incorrect HTTP method for uri [/_bulk] and method [GET], allowed: [PUT, POST]","status":405}"#.to_string())
    );
    let emu = start(Personality::Os3);
    assert_eq!(get(emu.port(), "/_nope?x=1").text(), r#"{"error":"no handler found for uri [/_nope] and method [GET]"}"#);
}

#[test]
fn oversized_body_is_413() {
    use std::io::Write;
    let emu = start(Personality::Es7_10);
    let mut s = common::connect(emu.port());
    s.write_all(b"POST /_bulk HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-ndjson\r\ncontent-length: 200000000\r\n\r\n").unwrap();
    let r = common::read_response(&mut s, false).unwrap();
    assert_eq!(r.status, 413);
}

#[test]
fn pretty_and_documents_api() {
    let emu = start(Personality::Es7_10);
    let p = emu.port();
    bulk(p, "/_bulk", "{\"index\":{\"_index\":\"d\",\"_id\":\"2\",\"routing\":\"x\"}}\n{\"v\":2}\n{\"index\":{\"_index\":\"d\",\"_id\":\"1\"}}\n{\"v\":1}\n");
    let docs = emu.documents("d");
    assert_eq!(docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["1", "2"]);
    assert_eq!(docs[1].routing.as_deref(), Some("x"));
    assert_eq!(docs[0].source, json!({"v":1}));
    assert_eq!(emu.indices()[0].docs, 2);
    let r = get(p, "/_emulator/docs/d");
    let lines: Vec<Value> = r.text().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], json!("1"));
    let stats = get(p, "/_emulator/stats").json();
    assert_eq!(stats["bulk_items"], json!(2));
    let r = get(p, "/d/_count?pretty");
    assert_eq!(r.text(), "{\n  \"count\" : 0,\n  \"_shards\" : {\n    \"total\" : 1,\n    \"successful\" : 1,\n    \"skipped\" : 0,\n    \"failed\" : 0\n  }\n}\n");
}
