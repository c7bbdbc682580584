//! A shopper's words and filters as a query on a tenant's index.
//!
//! Every word must match, in one of these ways, best first: the word itself
//! in the name, or in the brand, category, synonyms or attributes; a word
//! the synonym table gives for it (or for it and the words after it), scored
//! flat below the word itself so a rare synonym never outranks the item
//! named; for a word no item has, a word one or two edits away (a typo:
//! "tor" finds "toor"), or a synonym of a table word that near ("tor" finds
//! "arhar" too); and, for the last
//! word, any word it starts (typing as you go). The whole text as a phrase
//! in the name ranks higher; in double quotes, the phrase is required. A
//! single word that is an item's SKU or barcode ranks that item first.
//! Filters (category and the ones under it, brand, attributes) narrow the
//! matches without changing their order.

use super::index::{attribute_text, Fields, TenantIndex};
use super::synonyms::Synonyms;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur};
use tantivy::query::{PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

/// The catalog-wide narrowing of a search (the store-wide one, stock and
/// price, is applied to the matches after).
pub struct CatalogFilters<'a> {
    pub category: Option<pos_shared::CategoryId>,
    pub brand: Option<&'a str>,
    pub attributes: &'a [(String, String)],
}

/// Weights of the ways a word matches.
const IN_NAME: f32 = 4.0;
const ELSEWHERE: f32 = 2.0;
const SYNONYM_IN_NAME: f32 = 2.0;
const SYNONYM_ELSEWHERE: f32 = 1.0;
const TYPO_IN_NAME: f32 = 1.0;
const TYPO_ELSEWHERE: f32 = 0.5;
const STARTS_NAME: f32 = 1.5;
const STARTS_ELSEWHERE: f32 = 0.5;
const PHRASE: f32 = 3.0;
const CODE: f32 = 20.0;

/// The query for `text` under `filters`; `None` when the text has no word.
pub fn build(
    index: &TenantIndex,
    searcher: &tantivy::Searcher,
    synonyms: &Synonyms,
    text: &str,
    filters: &CatalogFilters<'_>,
) -> Option<Box<dyn Query>> {
    let f = index.fields;
    let trimmed = text.trim();
    let quoted = trimmed.len() >= 2 && trimmed.starts_with('"') && trimmed.ends_with('"');
    let words = index.words(trimmed);
    if words.is_empty() {
        return None;
    }
    // Typing as you go: the last word may be cut short, unless the text
    // ends in a space or a closing quote.
    let open_end = !quoted && !text.ends_with(char::is_whitespace);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let mut ways: Vec<(Occur, Box<dyn Query>)> = vec![
            should(term(f.name, word), IN_NAME),
            should(term(f.extra, word), ELSEWHERE),
        ];
        // Synonyms of this word alone, or of it with the words after it;
        // the words of a matched run may each be met by the synonym.
        for start in i.saturating_sub(Synonyms::LONGEST - 1)..=i {
            for end in (i + 1)..=(start + Synonyms::LONGEST).min(words.len()) {
                let run: Vec<&str> = words[start..end].iter().map(String::as_str).collect();
                for other in synonyms.of(&run) {
                    for (field, weight) in [(f.name, SYNONYM_IN_NAME), (f.extra, SYNONYM_ELSEWHERE)]
                    {
                        let flat = ConstScoreQuery::new(phrase_or_term(field, other), weight);
                        ways.push((Occur::Should, Box::new(flat)));
                    }
                }
            }
        }
        let chars = word.chars().count();
        // A word some item has is taken as meant: "atta" is not a typo of
        // "tata", nor "chicken" of "chickpea".
        let known = [f.name, f.extra].into_iter().any(|field| {
            searcher
                .doc_freq(&Term::from_field_text(field, word))
                .is_ok_and(|n| n > 0)
        });
        if !known && chars >= 3 && !word.chars().all(|c| c.is_ascii_digit()) {
            let edits = if chars >= 7 { 2 } else { 1 };
            for (field, weight) in [(f.name, TYPO_IN_NAME), (f.extra, TYPO_ELSEWHERE)] {
                let typo = FuzzyTermQuery::new(Term::from_field_text(field, word), edits, true);
                ways.push(should(Box::new(typo), weight));
            }
            // Scored flat, as the typo itself is, and below it.
            for other in synonyms.near(word, usize::from(edits)) {
                for (field, weight) in [(f.name, TYPO_IN_NAME), (f.extra, TYPO_ELSEWHERE)] {
                    let flat = ConstScoreQuery::new(phrase_or_term(field, other), weight / 2.0);
                    ways.push((Occur::Should, Box::new(flat)));
                }
            }
        }
        if open_end && i + 1 == words.len() {
            for (field, weight) in [(f.name, STARTS_NAME), (f.extra, STARTS_ELSEWHERE)] {
                let start = FuzzyTermQuery::new_prefix(Term::from_field_text(field, word), 0, true);
                ways.push(should(Box::new(start), weight));
            }
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(ways))));
    }
    if words.len() > 1 {
        let phrase = |field: Field| -> Box<dyn Query> {
            let terms = words
                .iter()
                .map(|w| Term::from_field_text(field, w))
                .collect();
            Box::new(PhraseQuery::new(terms))
        };
        let either = BooleanQuery::new(vec![
            (Occur::Should, phrase(f.name)),
            (Occur::Should, phrase(f.extra)),
        ]);
        let occur = if quoted { Occur::Must } else { Occur::Should };
        clauses.push((occur, Box::new(BoostQuery::new(Box::new(either), PHRASE))));
    }
    let mut query: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
    if words.len() == 1 || !trimmed.contains(char::is_whitespace) {
        // A SKU or barcode as scanned or typed, whole.
        let code = trimmed.trim_matches('"').to_lowercase();
        let code_match = should(exact(f.code, &code), CODE);
        query = Box::new(BooleanQuery::new(vec![(Occur::Should, query), code_match]));
    }
    let narrowing = filter_clauses(f, filters);
    if narrowing.is_empty() {
        return Some(query);
    }
    let mut all = vec![(Occur::Must, query)];
    all.extend(narrowing);
    Some(Box::new(BooleanQuery::new(all)))
}

/// Each filter as a clause every match must meet, adding nothing to its score.
fn filter_clauses(f: Fields, filters: &CatalogFilters<'_>) -> Vec<(Occur, Box<dyn Query>)> {
    let mut clauses = Vec::new();
    let mut require = |field: Field, value: String| {
        let q = ConstScoreQuery::new(exact(field, &value), 0.0);
        clauses.push((Occur::Must, Box::new(q) as Box<dyn Query>));
    };
    if let Some(category) = filters.category {
        require(f.category_path, category.to_string());
    }
    if let Some(brand) = filters.brand {
        require(f.brand_key, brand.trim().to_lowercase());
    }
    for (key, value) in filters.attributes {
        let value = attribute_text(&serde_json::Value::String(value.clone())).unwrap_or_default();
        require(
            f.attribute,
            format!("{}={value}", key.trim().to_lowercase()),
        );
    }
    clauses
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// A whole value of a field indexed without frequencies.
fn exact(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

fn phrase_or_term(field: Field, words: &[String]) -> Box<dyn Query> {
    match words {
        [one] => term(field, one),
        _ => Box::new(PhraseQuery::new(
            words
                .iter()
                .map(|w| Term::from_field_text(field, w))
                .collect(),
        )),
    }
}

fn should(query: Box<dyn Query>, weight: f32) -> (Occur, Box<dyn Query>) {
    (Occur::Should, Box::new(BoostQuery::new(query, weight)))
}
