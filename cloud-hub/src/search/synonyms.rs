//! The words shoppers use for the same thing (`data/synonyms-en-in.txt`:
//! Indian English and Hinglish, one group per line), as the store search
//! expands a query with them. Kept as data so a word is added without
//! touching the code.

use std::collections::HashMap;

/// The table the hub ships.
const TABLE: &str = include_str!("../../data/synonyms-en-in.txt");

/// Groups of words meaning the same, each word as its lower-case words.
pub struct Synonyms {
    groups: Vec<Vec<Vec<String>>>,
    /// A word or words joined by one space, to the groups holding it.
    by_key: HashMap<String, Vec<usize>>,
}

impl Synonyms {
    /// The table the hub ships.
    pub fn shipped() -> Self {
        Self::parse(TABLE)
    }

    /// Reads a table: `#` starts a comment line, a group's words are
    /// separated by commas, a group needs two words.
    pub fn parse(text: &str) -> Self {
        let mut groups = Vec::new();
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let group: Vec<Vec<String>> = line
                .split(',')
                .map(|w| {
                    w.split_whitespace()
                        .map(str::to_lowercase)
                        .collect::<Vec<_>>()
                })
                .filter(|w| !w.is_empty())
                .collect();
            if group.len() < 2 {
                continue;
            }
            for words in &group {
                by_key
                    .entry(words.join(" "))
                    .or_default()
                    .push(groups.len());
            }
            groups.push(group);
        }
        Synonyms { groups, by_key }
    }

    /// The other words of every group holding `words` (one word, or a few
    /// in a row), each as its words.
    pub fn of(&self, words: &[&str]) -> Vec<&[String]> {
        let key = words.join(" ");
        let Some(found) = self.by_key.get(&key) else {
            return Vec::new();
        };
        found
            .iter()
            .flat_map(|&g| self.groups[g].iter())
            .filter(|w| w.join(" ") != key)
            .map(Vec::as_slice)
            .collect()
    }

    /// The other words of every group holding a word within `edits` of
    /// `word` but not `word` itself: a typo's synonyms ("tor" is one from
    /// "toor", so it finds "arhar").
    pub fn near(&self, word: &str, edits: usize) -> Vec<&[String]> {
        let length = word.chars().count();
        let mut found = Vec::new();
        for key in self.by_key.keys() {
            if key == word
                || key.contains(' ')
                || key.chars().count().abs_diff(length) > edits
                || strsim::osa_distance(key, word) > edits
            {
                continue;
            }
            found.extend(self.of(&[key.as_str()]));
        }
        found
    }

    /// The longest run of words the table knows, up to this many.
    pub const LONGEST: usize = 3;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_finds_the_rest_of_its_group_and_not_itself() {
        let table = Synonyms::parse("# note\ndahi, curd, yogurt\natta, wheat flour\nlonely\n");
        let curd: Vec<String> = table.of(&["curd"]).iter().map(|w| w.join(" ")).collect();
        assert_eq!(curd, ["dahi", "yogurt"]);
        let flour: Vec<String> = table
            .of(&["wheat", "flour"])
            .iter()
            .map(|w| w.join(" "))
            .collect();
        assert_eq!(flour, ["atta"]);
        assert!(table.of(&["lonely"]).is_empty());
        assert!(table.of(&["flour"]).is_empty());
    }

    #[test]
    fn a_typo_finds_the_group_of_the_word_it_is_near() {
        let table = Synonyms::parse("toor, arhar\ndahi, curd\n");
        let near: Vec<String> = table.near("tor", 1).iter().map(|w| w.join(" ")).collect();
        assert_eq!(near, ["arhar"]);
        assert!(table.near("toor", 1).iter().all(|w| w[0] != "toor"));
        assert!(table.near("xyz", 1).is_empty());
    }

    #[test]
    fn the_shipped_table_reads_and_knows_toor_dal() {
        let table = Synonyms::shipped();
        let toor: Vec<String> = table.of(&["toor"]).iter().map(|w| w.join(" ")).collect();
        assert!(toor.contains(&"arhar".to_owned()), "{toor:?}");
        assert!(table.groups.iter().all(|g| g.len() >= 2));
        assert!(table
            .groups
            .iter()
            .flatten()
            .all(|w| w.len() <= Synonyms::LONGEST));
    }
}
