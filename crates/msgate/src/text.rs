//! Teams and Outlook bodies are HTML; people and agents want the words. This turns a message body
//! into compact plain text: mentions as `@Name`, paragraphs and line breaks as newlines, entities
//! decoded, everything else dropped.

/// Plain text of an HTML message body.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&decode_entities(&rest[..start]));
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or_default();
        match name {
            "br" | "br/" => text.push('\n'),
            "p" | "div" | "li" | "tr" if tag.starts_with('/') => text.push('\n'),
            "at" if !tag.starts_with('/') => text.push('@'),
            "img" => text.push_str("[image]"),
            _ => {}
        }
        rest = &rest[start + end + 1..];
    }
    text.push_str(&decode_entities(rest));
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        let entity = &after[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn teams_html_becomes_compact_text() {
        assert_eq!(
            html_to_text(
                "<p><at id=\"0\">Ada Brennan</at> could you add the slide?</p><p>Thanks &amp; cheers</p>"
            ),
            "@Ada Brennan could you add the slide?\nThanks & cheers"
        );
        assert_eq!(html_to_text("line one<br>line two"), "line one\nline two");
        assert_eq!(html_to_text("<img src=\"x\"> look"), "[image] look");
        assert_eq!(
            html_to_text("plain &#39;quoted&#x27; &bogus; 5 &lt; 6"),
            "plain 'quoted' &bogus; 5 < 6"
        );
        assert_eq!(html_to_text("broken <tag"), "broken");
    }
}
