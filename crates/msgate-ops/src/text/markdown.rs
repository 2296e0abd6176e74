//! Markdown in, Teams HTML out — and back. People and agents write Markdown; Teams renders a
//! subset of HTML. Sending renders Markdown (tables, strikethrough; single line breaks kept, as
//! in a chat box; raw HTML shown as text) and sanitizes the result. Reading turns Teams HTML into
//! compact Markdown: mentions as `@Name`, emphasis, links, lists, code, quotes, tables, inline
//! images as links to their content.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::html::{Token, tokenize};
use super::sanitize::sanitize;

/// Teams HTML for a Markdown text, sanitized.
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        // Raw HTML in Markdown is shown as typed, never interpreted.
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
        Event::SoftBreak => Event::HardBreak,
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events);
    sanitize(html.trim_end())
}

/// Compact Markdown for Teams (or Outlook) HTML.
pub fn from_html(html: &str) -> String {
    let mut writer = Writer::default();
    for token in tokenize(html) {
        writer.token(&token);
    }
    writer.finish()
}

#[derive(Default)]
struct Writer {
    out: String,
    /// Open lists: `None` bulleted, `Some(n)` numbered with the next number.
    lists: Vec<Option<u32>>,
    quote_depth: usize,
    in_pre: bool,
    links: Vec<String>,
    /// Cells written in the current table row, and whether the header rule is still owed.
    row_cells: usize,
    header_rule_owed: bool,
}

impl Writer {
    fn token(&mut self, token: &Token) {
        match token {
            Token::Text(text) => self.text(text),
            Token::Start { name, .. } => self.start(name, token),
            Token::End { name } => self.end(name),
        }
    }

    fn start(&mut self, name: &str, token: &Token) {
        match name {
            "p" | "div" | "table" => self.block_break(),
            "br" => self.line_break(),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.block_break();
                let level = name[1..].parse::<usize>().unwrap_or(1);
                self.write(&"#".repeat(level));
                self.write(" ");
            }
            "b" | "strong" => self.write("**"),
            "i" | "em" => self.write("_"),
            "s" | "strike" | "del" => self.write("~~"),
            "code" if !self.in_pre => self.write("`"),
            "pre" => {
                self.block_break();
                self.write("```");
                self.line_break();
                self.in_pre = true;
            }
            "blockquote" => {
                self.block_break();
                self.quote_depth += 1;
            }
            "ul" => self.open_list(None),
            "ol" => self.open_list(Some(1)),
            "li" => self.list_item(),
            "a" => {
                self.links
                    .push(token.attribute("href").unwrap_or_default().to_owned());
                self.write("[");
            }
            "img" => {
                let alt = token
                    .attribute("alt")
                    .filter(|a| !a.is_empty())
                    .unwrap_or("image");
                let src = token.attribute("src").unwrap_or_default();
                self.write(&format!("![{alt}]({src})"));
            }
            "at" => self.write("@"),
            "emoji" => {
                if let Some(alt) = token.attribute("alt") {
                    self.write(alt);
                }
            }
            "hr" => {
                self.block_break();
                self.write("---");
                self.block_break();
            }
            "tr" => {
                self.line_break();
                self.write("|");
                self.row_cells = 0;
            }
            "th" => {
                self.header_rule_owed = true;
                self.write(" ");
            }
            "td" => self.write(" "),
            _ => {}
        }
    }

    fn end(&mut self, name: &str) {
        match name {
            "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table" => self.block_break(),
            "b" | "strong" => self.write("**"),
            "i" | "em" => self.write("_"),
            "s" | "strike" | "del" => self.write("~~"),
            "code" if !self.in_pre => self.write("`"),
            "pre" => {
                self.in_pre = false;
                self.line_break();
                self.write("```");
                self.block_break();
            }
            "blockquote" => {
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.block_break();
            }
            "ul" | "ol" => {
                self.lists.pop();
                if self.lists.is_empty() {
                    self.block_break();
                }
            }
            "a" => {
                let href = self.links.pop().unwrap_or_default();
                self.write(&format!("]({href})"));
            }
            "th" | "td" => {
                self.write(" |");
                self.row_cells += 1;
            }
            "tr" if self.header_rule_owed => {
                self.header_rule_owed = false;
                self.line_break();
                self.write("|");
                for _ in 0..self.row_cells.max(1) {
                    self.write(" --- |");
                }
            }
            _ => {}
        }
    }

    fn open_list(&mut self, numbered: Option<u32>) {
        if self.lists.is_empty() {
            self.block_break();
        }
        self.lists.push(numbered);
    }

    fn list_item(&mut self) {
        self.line_break();
        let depth = self.lists.len().saturating_sub(1);
        self.write(&"  ".repeat(depth));
        let marker = match self.lists.last_mut() {
            Some(Some(n)) => {
                let marker = format!("{n}. ");
                *n += 1;
                marker
            }
            _ => "- ".to_owned(),
        };
        self.write(&marker);
    }

    fn text(&mut self, text: &str) {
        if self.in_pre {
            for (i, line) in text.split('\n').enumerate() {
                if i > 0 {
                    self.line_break();
                }
                self.write(line);
            }
            return;
        }
        let collapsed = collapse_whitespace(text);
        let collapsed = if self.at_line_start() {
            collapsed.trim_start()
        } else {
            &collapsed
        };
        self.write(&escape_inline(collapsed));
    }

    fn at_line_start(&self) -> bool {
        self.out
            .rsplit('\n')
            .next()
            .is_none_or(|line| line == self.prefix())
    }

    fn prefix(&self) -> String {
        "> ".repeat(self.quote_depth)
    }

    fn write(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.out.is_empty() || self.out.ends_with('\n') {
            let prefix = self.prefix();
            self.out.push_str(&prefix);
        }
        self.out.push_str(text);
    }

    fn line_break(&mut self) {
        trim_trailing_spaces(&mut self.out);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn block_break(&mut self) {
        trim_trailing_spaces(&mut self.out);
        if self.out.is_empty() {
            return;
        }
        while !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn finish(mut self) -> String {
        trim_trailing_spaces(&mut self.out);
        let lines: Vec<&str> = self.out.lines().map(str::trim_end).collect();
        let mut result = String::new();
        let mut blank = false;
        for line in lines {
            let is_blank = line.trim_matches(|c| c == '>' || c == ' ').is_empty();
            if is_blank {
                blank = !result.is_empty();
                continue;
            }
            if blank {
                result.push_str("\n\n");
            } else if !result.is_empty() {
                result.push('\n');
            }
            blank = false;
            result.push_str(line);
        }
        result
    }
}

fn trim_trailing_spaces(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
}

fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// Characters that would start Markdown formatting in running text.
fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '`' | '[' | ']' | '~' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_to_the_html_teams_shows() {
        assert_eq!(
            to_html("**Ship it** _today_"),
            "<p><strong>Ship it</strong> <em>today</em></p>"
        );
        assert_eq!(
            to_html("line one\nline two"),
            "<p>line one<br>\nline two</p>"
        );
        assert_eq!(to_html("- a\n- b"), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>");
        assert_eq!(
            to_html("<script>x</script> & <b>"),
            "<p>&lt;script&gt;x&lt;/script&gt; &amp; &lt;b&gt;</p>"
        );
        assert_eq!(
            to_html("[docs](https://docs.example.invalid) [bad](javascript:alert(1))"),
            "<p><a href=\"https://docs.example.invalid\">docs</a> <a>bad</a></p>"
        );
        assert_eq!(
            to_html("~~old~~ `code`"),
            "<p><del>old</del> <code>code</code></p>"
        );
    }

    #[test]
    fn teams_html_reads_as_compact_markdown() {
        assert_eq!(
            from_html(
                "<p><at id=\"0\">Ada Brennan</at> could you add the <b>roadmap</b> slide?</p><p>Thanks</p>"
            ),
            "@Ada Brennan could you add the **roadmap** slide?\n\nThanks"
        );
        assert_eq!(
            from_html("<ul><li>one</li><li>two<ol><li>a</li></ol></li></ul>"),
            "- one\n- two\n  1. a"
        );
        assert_eq!(
            from_html("<blockquote>quoted<br>twice</blockquote>after"),
            "> quoted\n> twice\n\nafter"
        );
        assert_eq!(
            from_html("<pre><code>let x = 1;\nx *= 2;</code></pre>"),
            "```\nlet x = 1;\nx *= 2;\n```"
        );
        assert_eq!(
            from_html("<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"),
            "| a | b |\n| --- | --- |\n| 1 | 2 |"
        );
        assert_eq!(
            from_html(
                "<p>see <img src=\"https://g.example.invalid/hostedContents/1/$value\" alt=\"mock-up\"></p>"
            ),
            "see ![mock-up](https://g.example.invalid/hostedContents/1/$value)"
        );
        assert_eq!(from_html("a*b_c [x]"), "a\\*b\\_c \\[x\\]");
    }
}
