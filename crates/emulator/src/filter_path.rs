//! The `filter_path` response filter shared by every JSON response (all personalities).
//!
//! Semantics follow Elasticsearch's Jackson-based `FilterPathBasedFilter`: a comma-separated
//! list of dotted paths; a segment may contain `*` globs (`items.*.status`, `*.total`), `**`
//! matches any number of levels, arrays are transparent (a path names the array's field, the
//! filter applies to each element), and a parent object is written only if something below it
//! matched — so `filter_path=items.*.error` on an error-free bulk gives `{}` and keeps only the
//! failed items otherwise. The root object is always written.

/// One compiled `filter_path` value.
#[derive(Debug, Clone)]
pub struct FilterPath {
    patterns: Vec<Vec<Segment>>,
}

#[derive(Debug, Clone)]
enum Segment {
    /// `**`
    AnyDepth,
    /// A literal or `*`-glob key.
    Glob(String),
}

/// Where matching stands for one node of the response tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MatchState {
    /// A whole pattern matched above: write everything below.
    All,
    /// Some patterns are partially matched: `(pattern, next segment)` pairs.
    Partial(Vec<(u16, u16)>),
    /// Nothing can match below.
    None,
}

impl FilterPath {
    /// Compile a raw `filter_path` parameter. Empty entries are ignored; `None` when nothing
    /// remains (the parameter then has no effect, as in ES).
    pub fn parse(raw: &str) -> Option<FilterPath> {
        let patterns: Vec<Vec<Segment>> = raw
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.starts_with('-'))
            .map(|p| {
                p.split('.')
                    .filter(|s| !s.is_empty())
                    .map(|s| if s == "**" { Segment::AnyDepth } else { Segment::Glob(s.to_string()) })
                    .collect::<Vec<_>>()
            })
            .filter(|segs| !segs.is_empty())
            .collect();
        if patterns.is_empty() {
            None
        } else {
            Some(FilterPath { patterns })
        }
    }

    pub(crate) fn root_state(&self) -> MatchState {
        MatchState::Partial((0..self.patterns.len()).map(|p| (p as u16, 0)).collect())
    }

    /// The state of the child reached through `key` from a node in `state`.
    pub(crate) fn advance(&self, state: &MatchState, key: &str) -> MatchState {
        let pairs = match state {
            MatchState::All => return MatchState::All,
            MatchState::None => return MatchState::None,
            MatchState::Partial(pairs) => pairs,
        };
        let mut next: Vec<(u16, u16)> = Vec::new();
        for &(p, i) in pairs {
            let segs = &self.patterns[p as usize];
            let i = i as usize;
            match &segs[i] {
                Segment::AnyDepth => {
                    if i + 1 == segs.len() {
                        return MatchState::All;
                    }
                    // `**` may swallow this key and stay active for deeper levels…
                    push_unique(&mut next, (p, i as u16));
                    // …or end here, letting the key match the segment after it.
                    if let Segment::Glob(g) = &segs[i + 1] {
                        if glob_match(g, key) {
                            if i + 2 == segs.len() {
                                return MatchState::All;
                            }
                            push_unique(&mut next, (p, (i + 2) as u16));
                        }
                    }
                }
                Segment::Glob(g) => {
                    if glob_match(g, key) {
                        if i + 1 == segs.len() {
                            return MatchState::All;
                        }
                        push_unique(&mut next, (p, (i + 1) as u16));
                    }
                }
            }
        }
        if next.is_empty() {
            MatchState::None
        } else {
            MatchState::Partial(next)
        }
    }
}

fn push_unique(v: &mut Vec<(u16, u16)>, item: (u16, u16)) {
    if !v.contains(&item) {
        v.push(item);
    }
}

/// `*` matches any run of characters (ES `Glob.globMatch`).
pub(crate) fn glob_match(pattern: &str, s: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == s;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(pos) => rest = &rest[pos + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", "anything"));
        assert!(glob_match("it*s", "items"));
        assert!(glob_match("*dex", "index"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXcYYb"));
        assert!(!glob_match("abc", "abcd"));
    }

    #[test]
    fn advance_through_wildcards() {
        let f = FilterPath::parse("errors,items.*.status").unwrap();
        let root = f.root_state();
        assert_eq!(f.advance(&root, "errors"), MatchState::All);
        assert_eq!(f.advance(&root, "took"), MatchState::None);
        let items = f.advance(&root, "items");
        let op = f.advance(&items, "index");
        assert_eq!(f.advance(&op, "status"), MatchState::All);
        assert_eq!(f.advance(&op, "_id"), MatchState::None);
    }

    #[test]
    fn double_star() {
        let f = FilterPath::parse("**.status").unwrap();
        let s = f.advance(&f.root_state(), "items");
        let s = f.advance(&s, "index");
        assert_eq!(f.advance(&s, "status"), MatchState::All);
        assert!(FilterPath::parse(" , ").is_none());
    }
}
