//! Globs over operation names and mail domains: the one pattern language policies use.
//!
//! `*` stands for any run of characters, dots included, so `team.*` covers `team.archive` and
//! `team.members.add`, and `*.larkspur.example` covers every subdomain. Nothing else is special,
//! and matching ignores ASCII case (operation names are lower case; domains are
//! case-insensitive). A glob's specificity is the number of characters it spells out, so when
//! several rules match, the one that names the call most exactly can win.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
}

impl Glob {
    /// A glob from its text; `None` when it is empty or holds whitespace.
    pub fn new(text: &str) -> Option<Glob> {
        let text = text.trim();
        if text.is_empty() || text.contains(char::is_whitespace) {
            return None;
        }
        Some(Glob {
            text: text.to_ascii_lowercase(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the glob has no `*`: it names exactly one thing.
    pub fn is_exact(&self) -> bool {
        !self.text.contains('*')
    }

    /// How many characters the glob spells out (its specificity).
    pub fn literal_len(&self) -> usize {
        self.text.chars().filter(|c| *c != '*').count()
    }

    pub fn matches(&self, name: &str) -> bool {
        let pattern: Vec<char> = self.text.chars().collect();
        let name: Vec<char> = name.chars().map(|c| c.to_ascii_lowercase()).collect();
        wildcard(&pattern, &name)
    }
}

impl fmt::Debug for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Glob({:?})", self.text)
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Linear-space wildcard matching: on a mismatch, the last `*` takes one more character.
fn wildcard(pattern: &[char], name: &[char]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && pattern[p] == '*' {
            resume = Some((p, n));
            p += 1;
        } else if p < pattern.len() && pattern[p] == name[n] {
            p += 1;
            n += 1;
        } else if let Some((star, taken)) = resume {
            p = star + 1;
            n = taken + 1;
            resume = Some((star, taken + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn glob(text: &str) -> Glob {
        Glob::new(text).unwrap()
    }

    /// The obvious exponential definition, to check the fast one against.
    fn reference(pattern: &[char], name: &[char]) -> bool {
        match pattern.split_first() {
            None => name.is_empty(),
            Some(('*', rest)) => (0..=name.len()).any(|skip| reference(rest, &name[skip..])),
            Some((c, rest)) => name.first() == Some(c) && reference(rest, &name[1..]),
        }
    }

    #[test]
    fn examples() {
        assert!(glob("mail.*").matches("mail.send"));
        assert!(glob("mail.*").matches("mail.folder.list"));
        assert!(!glob("mail.*").matches("mailbox.list"));
        assert!(!glob("mail.*").matches("mail"));
        assert!(glob("message.send").matches("message.send"));
        assert!(!glob("message.send").matches("message.sender"));
        assert!(glob("*.archive").matches("team.archive"));
        assert!(glob("*").matches(""));
        assert!(glob("*.larkspur.example").matches("eu.Larkspur.EXAMPLE"));
        assert!(!glob("*.larkspur.example").matches("larkspur.example"));
        assert!(Glob::new("  ").is_none());
        assert!(Glob::new("a b").is_none());
        assert_eq!(glob("team.*").literal_len(), 5);
        assert!(glob("team.archive").is_exact() && !glob("team.*").is_exact());
    }

    fn name() -> impl Strategy<Value = String> {
        "[a-c.]{0,12}"
    }

    proptest! {
        #[test]
        fn agrees_with_the_reference(pattern in "[a-c.*]{1,8}", name in name()) {
            let glob = glob(&pattern);
            let p: Vec<char> = pattern.chars().collect();
            let n: Vec<char> = name.chars().collect();
            prop_assert_eq!(glob.matches(&name), reference(&p, &n));
        }

        #[test]
        fn a_glob_without_stars_matches_only_itself(a in "[a-c.]{1,8}", b in name()) {
            prop_assert!(glob(&a).matches(&a));
            prop_assert_eq!(glob(&a).matches(&b), a == b);
        }

        #[test]
        fn starring_any_parts_of_a_name_still_matches_it(
            parts in prop::collection::vec("[a-c.]{0,4}", 1..5),
            starred in prop::collection::vec(any::<bool>(), 5),
        ) {
            let name: String = parts.concat();
            let pattern: String = parts
                .iter()
                .zip(&starred)
                .map(|(part, star)| if *star { "*".to_owned() } else { part.clone() })
                .collect();
            prop_assume!(!pattern.is_empty());
            prop_assert!(glob(&pattern).matches(&name), "{} vs {}", pattern, name);
        }

        #[test]
        fn a_trailing_star_is_a_prefix_test(prefix in "[a-c.]{1,5}", name in name()) {
            prop_assert_eq!(glob(&format!("{prefix}*")).matches(&name), name.starts_with(&prefix));
        }

        #[test]
        fn case_is_ignored(name in "[a-cA-C.]{1,8}") {
            prop_assert!(glob(&name.to_ascii_uppercase()).matches(&name.to_ascii_lowercase()));
        }
    }
}
