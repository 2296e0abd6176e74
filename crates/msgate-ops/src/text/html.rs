//! A small HTML tokenizer for the HTML Teams and Outlook produce: start and end tags with their
//! attributes, text with entities decoded, comments dropped. It is not a browser's parser and
//! does not need to be: the sanitizer rebuilds output only from tokens it allows (so nothing it
//! misreads can pass through), and the Markdown converter only needs the structure.

/// One piece of an HTML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Start {
        name: String,
        attributes: Vec<(String, String)>,
        self_closing: bool,
    },
    End {
        name: String,
    },
    /// Text with entities decoded.
    Text(String),
}

impl Token {
    pub fn attribute(&self, wanted: &str) -> Option<&str> {
        match self {
            Token::Start { attributes, .. } => attributes
                .iter()
                .find(|(name, _)| name == wanted)
                .map(|(_, value)| value.as_str()),
            _ => None,
        }
    }
}

/// Elements whose content is never text to show.
const RAW_TEXT: &[&str] = &["script", "style", "template", "textarea", "title"];

pub fn tokenize(html: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let Some(open) = rest.find('<') else {
            push_text(&mut tokens, rest);
            break;
        };
        push_text(&mut tokens, &rest[..open]);
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
            continue;
        }
        let Some((token, consumed)) = parse_tag(rest) else {
            // A '<' that starts no tag is text.
            push_text(&mut tokens, "<");
            rest = &rest[1..];
            continue;
        };
        rest = &rest[consumed..];
        if let Token::Start {
            name,
            self_closing: false,
            ..
        } = &token
            && RAW_TEXT.contains(&name.as_str())
        {
            let close = format!("</{name}");
            let end = find_ignore_case(rest, &close).unwrap_or(rest.len());
            rest = &rest[end..];
            rest = rest.find('>').map_or("", |e| &rest[e + 1..]);
            continue;
        }
        tokens.push(token);
    }
    tokens
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())
}

fn push_text(tokens: &mut Vec<Token>, raw: &str) {
    if raw.is_empty() {
        return;
    }
    let text = decode_entities(raw);
    match tokens.last_mut() {
        Some(Token::Text(previous)) => previous.push_str(&text),
        _ => tokens.push(Token::Text(text)),
    }
}

/// Parses `<name attr="v">`, `</name>` or `<name/>` at the start of `input`; returns the token
/// and the bytes consumed.
fn parse_tag(input: &str) -> Option<(Token, usize)> {
    let bytes = input.as_bytes();
    let mut i = 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b':')
    {
        i += 1;
    }
    if i == name_start || !bytes[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = input[name_start..i].to_ascii_lowercase();
    let mut attributes = Vec::new();
    let mut self_closing = false;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match bytes.get(i) {
            None => return None,
            Some(b'>') => {
                i += 1;
                break;
            }
            Some(b'/') => {
                self_closing = true;
                i += 1;
                continue;
            }
            Some(_) => {}
        }
        let attr_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let attr_name = input[attr_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            match bytes.get(i) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let start = i + 1;
                    let end = input[start..].find(char::from(quote))? + start;
                    value = decode_entities(&input[start..end]);
                    i = end + 1;
                }
                _ => {
                    let start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = decode_entities(&input[start..i]);
                }
            }
        }
        if !attr_name.is_empty() {
            attributes.push((attr_name, value));
        }
    }
    let token = if closing {
        Token::End { name }
    } else {
        Token::Start {
            name,
            attributes,
            self_closing,
        }
    };
    Some((token, i))
}

/// Decodes the named entities Teams and Outlook use and every numeric one; anything else stays.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let decoded = after
            .find(';')
            .filter(|&end| end <= 12)
            .and_then(|end| entity(&after[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
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

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some('\u{a0}'),
        "ndash" => Some('–'),
        "mdash" => Some('—'),
        "hellip" => Some('…'),
        "rsquo" => Some('’'),
        "lsquo" => Some('‘'),
        "rdquo" => Some('”'),
        "ldquo" => Some('“'),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code).filter(|c| *c != '\0')
        }
    }
}

/// Text safe inside an element.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Text safe inside a double-quoted attribute.
pub fn escape_attribute(text: &str) -> String {
    escape_text(text).replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(name: &str, attributes: &[(&str, &str)]) -> Token {
        Token::Start {
            name: name.into(),
            attributes: attributes
                .iter()
                .map(|(a, b)| ((*a).into(), (*b).into()))
                .collect(),
            self_closing: false,
        }
    }

    #[test]
    fn tags_attributes_text_and_entities() {
        let tokens = tokenize(
            "<p class=x>Hi &amp; <a HREF='https://e.example.invalid/?a=1&amp;b=2'>there</a><br/></p>",
        );
        assert_eq!(
            tokens,
            vec![
                start("p", &[("class", "x")]),
                Token::Text("Hi & ".into()),
                start("a", &[("href", "https://e.example.invalid/?a=1&b=2")]),
                Token::Text("there".into()),
                Token::End { name: "a".into() },
                Token::Start {
                    name: "br".into(),
                    attributes: vec![],
                    self_closing: true
                },
                Token::End { name: "p".into() },
            ]
        );
    }

    #[test]
    fn scripts_comments_and_stray_angles() {
        let tokens = tokenize("a<script>alert('<p>')</script>b<!-- c -->d < e <3");
        assert_eq!(tokens, vec![Token::Text("abd < e <3".into())]);
        assert_eq!(tokenize("<p"), vec![Token::Text("<p".into())]);
    }

    #[test]
    fn entities_numeric_named_and_unknown() {
        assert_eq!(decode_entities("&#39;&#x27;&lt;&bogus;&"), "''<&bogus;&");
        assert_eq!(decode_entities("&#0;"), "&#0;");
        assert_eq!(escape_attribute("a\"<&"), "a&quot;&lt;&amp;");
    }
}
