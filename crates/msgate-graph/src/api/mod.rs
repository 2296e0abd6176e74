//! Typed calls for the Graph operations msgate makes: the request each one sends (path, `$select`,
//! permissions, idempotency) and the fields of the answer msgate reads, in one place per area.

pub mod chats;
pub mod messages;

/// An id as one path segment: Graph ids hold `:` and `@` (kept, Graph expects them bare) but a
/// `/`, `?`, `#`, `%` or space would change the URL's meaning.
pub fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b':'
            | b'@'
            | b'!'
            | b'$'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'=' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn segments_keep_graph_id_characters_and_escape_the_rest() {
        assert_eq!(
            super::segment("19:abc_def@thread.v2"),
            "19:abc_def@thread.v2"
        );
        assert_eq!(super::segment("a/b?c#d e%"), "a%2Fb%3Fc%23d%20e%25");
        assert_eq!(super::segment("é"), "%C3%A9");
    }
}
