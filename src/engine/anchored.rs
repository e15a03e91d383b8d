//! Searches that start at a given place: how a rule whose matches all start at a keyword
//! is run (see [`super::pattern_keywords`]).
//!
//! A window holds a few keyword starts, and the search from most of them fails within a
//! few bytes. What such a search costs is mostly the fixed cost around it, so the engines
//! are used directly, with one cache taken per window: a lazy DFA says whether and where
//! a match ends, and only a match runs the PikeVM that reads the groups. Both are built
//! from one NFA.

use regex_automata::hybrid::dfa::{self as lazy, DFA};
use regex_automata::nfa::thompson::{self, pikevm::PikeVM, NFA};
use regex_automata::util::{captures::Captures, pool::Pool, syntax};
use regex_automata::{Anchored, Input, MatchKind};

use std::panic::{RefUnwindSafe, UnwindSafe};

type NewCache = Box<dyn Fn() -> SearchCache + Send + Sync + UnwindSafe + RefUnwindSafe>;

pub struct AnchoredRegex {
    dfa: DFA,
    pikevm: PikeVM,
    caches: Pool<SearchCache, NewCache>,
}

/// What one thread needs to run an [`AnchoredRegex`].
pub struct SearchCache {
    dfa: lazy::Cache,
    pikevm: thompson::pikevm::Cache,
    captures: Captures,
}

impl AnchoredRegex {
    /// `pattern` read as [`super::rule::compile_regex`] reads it: bytes, Unicode off,
    /// leftmost-first.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let nfa = thompson::Compiler::new()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(
                thompson::Config::new()
                    .utf8(false)
                    .nfa_size_limit(Some(32 << 20)),
            )
            .build(pattern)
            .map_err(|e| format!("invalid pattern: {e}"))?;
        Self::from_nfa(nfa).map_err(|e| format!("invalid pattern: {e}"))
    }

    fn from_nfa(nfa: NFA) -> Result<Self, Box<dyn std::error::Error>> {
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::LeftmostFirst)
                    .cache_capacity(32 << 20),
            )
            .build_from_nfa(nfa.clone())?;
        let pikevm = PikeVM::builder()
            .configure(PikeVM::config().match_kind(MatchKind::LeftmostFirst))
            .build_from_nfa(nfa)?;
        let (for_dfa, for_pikevm) = (dfa.clone(), pikevm.clone());
        let new_cache: NewCache = Box::new(move || SearchCache {
            dfa: for_dfa.create_cache(),
            pikevm: for_pikevm.create_cache(),
            captures: for_pikevm.create_captures(),
        });
        Ok(Self {
            dfa,
            pikevm,
            caches: Pool::new(new_cache),
        })
    }

    /// Runs `search` with this thread's cache.
    pub fn with_cache<T>(&self, search: impl FnOnce(&mut SearchCache) -> T) -> T {
        search(&mut self.caches.get())
    }

    /// The groups of the match that starts at `haystack[start]`, if there is one. The
    /// bytes before `start` stay visible to look-behind such as `\b`.
    pub fn captures_at<'c>(
        &self,
        cache: &'c mut SearchCache,
        haystack: &[u8],
        start: usize,
    ) -> Option<&'c Captures> {
        let input = Input::new(haystack).range(start..).anchored(Anchored::Yes);
        // The lazy DFA only fails when told to give up or to quit on some byte, and it
        // is told neither; the PikeVM would answer anyway.
        if let Ok(None) = self.dfa.try_search_fwd(&mut cache.dfa, &input) {
            return None;
        }
        self.pikevm
            .search(&mut cache.pikevm, &input, &mut cache.captures);
        cache.captures.is_match().then_some(&cache.captures)
    }

    /// The names of the groups, by index.
    #[cfg(test)]
    pub fn group_names(&self) -> impl Iterator<Item = Option<&str>> {
        self.pikevm
            .get_nfa()
            .group_info()
            .pattern_names(regex_automata::PatternID::ZERO)
    }
}

impl std::fmt::Debug for AnchoredRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnchoredRegex").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_match_that_starts_where_asked_and_its_groups() {
        let re = AnchoredRegex::new(r"\bkey=(?P<secret>[a-z]+)").expect("compiles");
        let text = b"xkey=abc key=def";
        re.with_cache(|cache| {
            assert!(re.captures_at(cache, text, 0).is_none(), "x is not a key");
            assert!(
                re.captures_at(cache, text, 1).is_none(),
                "`\\b` sees the x before the start"
            );
            let caps = re.captures_at(cache, text, 9).expect("matches");
            let secret = caps.get_group_by_name("secret").expect("group");
            assert_eq!(&text[secret.range()], b"def");
            assert!(re.captures_at(cache, text, 10).is_none(), "anchored");
        });
        let names: Vec<Option<&str>> = re.group_names().collect();
        assert_eq!(names, vec![None, Some("secret")]);
    }

    #[test]
    fn an_invalid_pattern_is_an_error() {
        assert!(AnchoredRegex::new("(").is_err());
    }
}
