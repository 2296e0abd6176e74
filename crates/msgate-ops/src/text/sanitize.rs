//! HTML that msgate sends is rebuilt from an allow-list: only the tags Teams renders, only the
//! attributes they need, only `http`, `https` and `mailto` links. Output is constructed from
//! tokens — text re-escaped, tags re-written, unclosed tags closed — so nothing the tokenizer
//! misreads can reach Graph: no script, no event handler, no `javascript:` URL.

use super::html::{Token, escape_attribute, escape_text, tokenize};

/// (tag, allowed attributes)
const ALLOWED: &[(&str, &[&str])] = &[
    ("p", &[]),
    ("br", &[]),
    ("div", &[]),
    ("span", &[]),
    ("b", &[]),
    ("strong", &[]),
    ("i", &[]),
    ("em", &[]),
    ("u", &[]),
    ("s", &[]),
    ("strike", &[]),
    ("del", &[]),
    ("sub", &[]),
    ("sup", &[]),
    ("blockquote", &[]),
    ("pre", &[]),
    ("code", &[]),
    ("ul", &[]),
    ("ol", &[]),
    ("li", &[]),
    ("h1", &[]),
    ("h2", &[]),
    ("h3", &[]),
    ("hr", &[]),
    ("table", &[]),
    ("thead", &[]),
    ("tbody", &[]),
    ("tr", &[]),
    ("th", &[]),
    ("td", &[]),
    ("a", &["href", "title"]),
    ("img", &["src", "alt", "width", "height"]),
    ("at", &["id"]),
    ("emoji", &["id", "alt", "title"]),
    ("attachment", &["id"]),
];

const VOID: &[&str] = &["br", "hr", "img"];

fn allowed_attributes(tag: &str) -> Option<&'static [&'static str]> {
    ALLOWED
        .iter()
        .find(|(name, _)| *name == tag)
        .map(|(_, attrs)| *attrs)
}

/// Whether an attribute value may be sent: URLs must be http(s) or mailto (an inline image may
/// also point at the message's own hosted content); a mention id must be a number.
fn value_allowed(tag: &str, attribute: &str, value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    match (tag, attribute) {
        (_, "href") => {
            lower.starts_with("https://")
                || lower.starts_with("http://")
                || lower.starts_with("mailto:")
        }
        (_, "src") => {
            lower.starts_with("https://")
                || lower.starts_with("http://")
                || lower.starts_with("../hostedcontents/")
        }
        ("at", "id") => !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()),
        _ => true,
    }
}

/// The allowed part of `html`, well formed.
pub fn sanitize(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<String> = Vec::new();
    for token in tokenize(html) {
        match token {
            Token::Text(text) => out.push_str(&escape_text(&text)),
            Token::Start {
                name, attributes, ..
            } => {
                let Some(allowed) = allowed_attributes(&name) else {
                    continue;
                };
                out.push('<');
                out.push_str(&name);
                for (attribute, value) in &attributes {
                    if allowed.contains(&attribute.as_str())
                        && value_allowed(&name, attribute, value)
                    {
                        out.push_str(&format!(
                            " {attribute}=\"{}\"",
                            escape_attribute(value.trim())
                        ));
                    }
                }
                out.push('>');
                if !VOID.contains(&name.as_str()) {
                    open.push(name);
                }
            }
            Token::End { name } => {
                if let Some(depth) = open.iter().rposition(|o| *o == name) {
                    for unclosed in open.drain(depth..).rev() {
                        out.push_str(&format!("</{unclosed}>"));
                    }
                }
            }
        }
    }
    for unclosed in open.into_iter().rev() {
        out.push_str(&format!("</{unclosed}>"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn scripts_handlers_and_bad_urls_are_dropped() {
        assert_eq!(
            sanitize("<p onclick=\"x()\">hi<script>alert(1)</script></p><iframe src=x></iframe>"),
            "<p>hi</p>"
        );
        assert_eq!(
            sanitize("<a href=\"javascript:alert(1)\">x</a>"),
            "<a>x</a>"
        );
        assert_eq!(
            sanitize("<a href=\" JaVaScRiPt:alert(1)\">x</a>"),
            "<a>x</a>"
        );
        assert_eq!(sanitize("<img src=x onerror=alert(1)>"), "<img>");
        assert_eq!(
            sanitize("<a href='https://e.example.invalid/?a=1&b=\"2\"'>x</a>"),
            "<a href=\"https://e.example.invalid/?a=1&amp;b=&quot;2&quot;\">x</a>"
        );
    }

    #[test]
    fn structure_is_balanced_and_text_escaped() {
        assert_eq!(
            sanitize("<b><i>x</b> 1 < 2 &amp; 3"),
            "<b><i>x</i></b> 1 &lt; 2 &amp; 3"
        );
        assert_eq!(
            sanitize("<ul><li>a<li>b</ul>"),
            "<ul><li>a<li>b</li></li></ul>"
        );
        assert_eq!(sanitize("</p>text"), "text");
        assert_eq!(
            sanitize("<at id=\"0\">Ada</at><at id=\"x\">B</at>"),
            "<at id=\"0\">Ada</at><at>B</at>"
        );
    }
}
