//! Message text between people, agents and Teams: Markdown and Teams HTML in both directions, a
//! sanitizer for everything msgate sends, mentions, and cutting long bodies for compact output.

pub mod html;
pub mod markdown;
pub mod mentions;
pub mod sanitize;

/// `text` cut to at most `max` characters at a word boundary, with `…` appended when cut.
pub fn cut(text: &str, max: usize) -> (String, bool) {
    if text.chars().count() <= max {
        return (text.to_owned(), false);
    }
    let mut end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    if let Some(space) = text[..end]
        .rfind(char::is_whitespace)
        .filter(|&s| s > end / 2)
    {
        end = space;
    }
    (format!("{}…", text[..end].trim_end()), true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cuts_at_a_word_boundary() {
        assert_eq!(super::cut("short", 10), ("short".to_owned(), false));
        assert_eq!(
            super::cut("one two three four", 10),
            ("one two…".to_owned(), true)
        );
        assert_eq!(
            super::cut("abcdefghijklmnop", 5),
            ("abcde…".to_owned(), true)
        );
    }
}
