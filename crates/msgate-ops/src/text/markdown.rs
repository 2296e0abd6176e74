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
    let mut in_code_block = false;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        // Raw HTML in Markdown is shown as typed, never interpreted.
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
        Event::SoftBreak => Event::HardBreak,
        event @ Event::Start(Tag::CodeBlock(_)) => {
            in_code_block = true;
            event
        }
        event @ Event::End(TagEnd::CodeBlock) => {
            in_code_block = false;
            event
        }
        // HTML shows a run of spaces as one; writing one keeps the HTML canonical, so what is
        // read back renders to the same HTML.
        Event::Text(text) if !in_code_block && text.contains("  ") => {
            Event::Text(collapse_whitespace(&text).into())
        }
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Inline {
    Emphasis,
    Strong,
    Strike,
}

/// Openers written one right after another: their character, what they open (outermost
/// first), and where the run ends in the output.
struct Run {
    char: char,
    kinds: Vec<Inline>,
    end: usize,
}

/// Whether one delimiter run opening `kinds` (outermost first) reads back as them: emphasis
/// can only be outermost, strong anywhere inside it.
fn reads_as(kinds: &[Inline]) -> bool {
    let inner = match kinds.first() {
        Some(Inline::Emphasis) => &kinds[1..],
        _ => kinds,
    };
    inner.iter().all(|k| *k == Inline::Strong)
}

/// An open list: `next` is `None` for bullets, the next number for a numbered list; `indent`
/// is the column its current item's content starts at, where the item's other blocks go.
struct ListLevel {
    next: Option<u32>,
    indent: usize,
    /// Its items hold paragraphs (a loose list): they are separated by a blank line.
    loose: bool,
}

#[derive(Default)]
struct Writer {
    out: String,
    /// Open lists, outermost first.
    lists: Vec<ListLevel>,
    quote_depth: usize,
    /// The text of an open `<pre>` block, written out whole when it closes.
    pre: Option<String>,
    /// The text of an open inline `<code>`, written out whole when it closes.
    code: Option<String>,
    links: Vec<String>,
    /// Cells written in the current table row, and whether the header rule is still owed.
    row_cells: usize,
    header_rule_owed: bool,
    /// Open emphasis, strong and strikethrough, with the delimiter each was written with.
    inline: Vec<(Inline, &'static str)>,
    /// The delimiter run the last openers were written into.
    run: Option<Run>,
    /// A list item's marker was just written: its first paragraph continues on that line.
    fresh_item: bool,
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
            // A paragraph opening a list item stays on the marker's line.
            "p" | "div" if self.fresh_item => {}
            "p" | "div" | "table" => self.block_break(),
            "br" => self.line_break(),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.block_break();
                let level = name[1..].parse::<usize>().unwrap_or(1);
                self.write(&"#".repeat(level));
                self.write(" ");
            }
            "b" | "strong" => self.open_inline(Inline::Strong),
            "i" | "em" => self.open_inline(Inline::Emphasis),
            "s" | "strike" | "del" => self.open_inline(Inline::Strike),
            "code" if self.pre.is_none() => self.code = Some(String::new()),
            "pre" => self.pre = Some(String::new()),
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
            // Paragraphs in list items make the list loose; the next item starts after a blank
            // line instead of right away.
            "p" | "div" if !self.lists.is_empty() => {
                if let Some(level) = self.lists.last_mut() {
                    level.loose = true;
                }
            }
            "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "table" => self.block_break(),
            "b" | "strong" => self.close_inline(Inline::Strong),
            "i" | "em" => self.close_inline(Inline::Emphasis),
            "s" | "strike" | "del" => self.close_inline(Inline::Strike),
            "code" if self.pre.is_none() => {
                let code = self.code.take().unwrap_or_default();
                self.write(&code_span(&code));
            }
            "pre" => {
                let text = self.pre.take().unwrap_or_default();
                self.code_block(&text);
            }
            "blockquote" => {
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.block_break();
            }
            // An item that ends empty leaves no line for what follows.
            "li" => self.fresh_item = false,
            "ul" | "ol" => {
                self.fresh_item = false;
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

    /// Opens emphasis, strong or strikethrough, choosing the delimiter so that Markdown reads
    /// it back the same way. Openers written one after another form one delimiter run, which
    /// Markdown reads as emphasis outermost and strong inside (`***` is emphasis around strong);
    /// where a run would read otherwise, or a delimiter would face one of the same character
    /// still open (`*~~*` closes the first `*`), `_` stands in for `*` — except right after a
    /// letter or digit, where only `*` opens.
    fn open_inline(&mut self, kind: Inline) {
        if kind == Inline::Strike {
            self.inline.push((kind, "~~"));
            self.write("~~");
            self.run = None;
            return;
        }
        let adjacent = self.run.take().filter(|run| run.end == self.out.len());
        let (char, kinds) = match adjacent {
            Some(run) if reads_as(&[run.kinds.as_slice(), &[kind]].concat()) => {
                let mut kinds = run.kinds;
                kinds.push(kind);
                (run.char, kinds)
            }
            Some(run) => (if run.char == '*' { '_' } else { '*' }, vec![kind]),
            None => {
                let after_word = self.out.chars().last().is_some_and(char::is_alphanumeric);
                let open = |c: char| self.inline.iter().any(|(_, d)| d.starts_with(c));
                let char = if !after_word && open('*') && !open('_') {
                    '_'
                } else {
                    '*'
                };
                (char, vec![kind])
            }
        };
        let delimiter = match (char, kind) {
            ('_', Inline::Emphasis) => "_",
            ('_', _) => "__",
            (_, Inline::Emphasis) => "*",
            _ => "**",
        };
        self.inline.push((kind, delimiter));
        self.write(delimiter);
        self.run = Some(Run {
            char,
            kinds,
            end: self.out.len(),
        });
    }

    /// Closes the innermost open `kind` with the delimiter it was opened with.
    fn close_inline(&mut self, kind: Inline) {
        if let Some(at) = self.inline.iter().rposition(|(k, _)| *k == kind) {
            let (_, delimiter) = self.inline.remove(at);
            self.write(delimiter);
        }
    }

    fn open_list(&mut self, numbered: Option<u32>) {
        if self.lists.is_empty() {
            self.block_break();
        }
        let indent = self.item_indent();
        self.lists.push(ListLevel {
            next: numbered,
            indent,
            loose: false,
        });
    }

    /// Where the content of the innermost list item starts (0 outside lists).
    fn item_indent(&self) -> usize {
        self.lists.last().map_or(0, |level| level.indent)
    }

    fn list_item(&mut self) {
        let outer = match self.lists.len() {
            0 | 1 => 0,
            n => self.lists[n - 2].indent,
        };
        // A list that opens an item goes on the item's line (`- - a`).
        let same_line = self.fresh_item;
        let Some(level) = self.lists.last_mut() else {
            return;
        };
        let loose = level.loose;
        let marker = match &mut level.next {
            Some(n) => {
                let marker = format!("{n}. ");
                *n += 1;
                marker
            }
            None => "- ".to_owned(),
        };
        level.indent = outer + marker.len();
        if !same_line {
            if loose {
                self.block_break();
            } else {
                self.line_break();
            }
            self.write(&" ".repeat(outer));
        }
        self.write(&marker);
        self.fresh_item = true;
    }

    fn text(&mut self, text: &str) {
        if let Some(pre) = &mut self.pre {
            pre.push_str(text);
            return;
        }
        if let Some(code) = &mut self.code {
            code.push_str(text);
            return;
        }
        let collapsed = collapse_whitespace(&text.replace(VERBATIM, ""));
        let collapsed = if self.at_line_start() || self.fresh_item {
            collapsed.trim_start()
        } else {
            &collapsed
        };
        self.write(&escape_inline(collapsed));
    }

    /// A fenced code block, its lines as they are (the fence is longer than any run of
    /// backticks inside).
    fn code_block(&mut self, text: &str) {
        let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
        let indent = " ".repeat(self.item_indent());
        if self.fresh_item {
            self.write(&fence);
        } else {
            if self.lists.is_empty() {
                self.block_break();
            } else {
                self.line_break();
            }
            self.write(&format!("{indent}{fence}"));
        }
        // HTML code ends with a newline after its last line; an empty block has no lines.
        let lines: Vec<&str> = if text.is_empty() {
            Vec::new()
        } else {
            text.strip_suffix('\n')
                .unwrap_or(text)
                .split('\n')
                .collect()
        };
        for line in lines.into_iter().chain([fence.as_str()]) {
            self.out.push('\n');
            self.out.push(VERBATIM);
            let prefix = self.prefix();
            self.out.push_str(&prefix);
            self.out.push_str(&indent);
            self.out.push_str(line);
        }
        if self.lists.is_empty() {
            self.block_break();
        } else {
            self.line_break();
        }
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
        self.fresh_item = false;
        if self.out.is_empty() || self.out.ends_with('\n') {
            let prefix = self.prefix();
            self.out.push_str(&prefix);
        }
        self.out.push_str(text);
    }

    /// Ends the line (once: a second break adds no empty line — that would end a paragraph).
    fn line_break(&mut self) {
        trim_trailing_spaces(&mut self.out);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    /// Ends a block: a blank line follows (inside a quote, a line of just the quote marks, so
    /// the quote goes on).
    fn block_break(&mut self) {
        trim_trailing_spaces(&mut self.out);
        if self.out.is_empty() {
            return;
        }
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        let marks = self.prefix();
        let blank = if marks.is_empty() {
            String::new()
        } else {
            marks.trim_end().to_owned()
        };
        let last_line = self.out[..self.out.len() - 1]
            .rsplit('\n')
            .next()
            .unwrap_or_default();
        if !last_line.is_empty() && last_line != blank {
            self.out.push_str(&blank);
            self.out.push('\n');
        }
    }

    /// The text with blank lines normalized: one between blocks, none at either end, quote
    /// lines kept only between paragraphs of a quote; code blocks as they are.
    fn finish(self) -> String {
        let mut result: Vec<&str> = Vec::new();
        let mut blank = false;
        let mut quote_blank: Option<&str> = None;
        for line in self.out.lines() {
            if let Some(code) = line.strip_prefix(VERBATIM) {
                result.push(code);
                continue;
            }
            let line = line.trim_end();
            if line.is_empty() {
                blank = !result.is_empty();
                quote_blank = None;
                continue;
            }
            if line.trim_start_matches(['>', ' ']).is_empty() {
                if !blank && !result.is_empty() {
                    quote_blank = Some(line);
                }
                continue;
            }
            if blank {
                result.push("");
            } else if let Some(marks) = quote_blank {
                result.push(marks);
            }
            blank = false;
            quote_blank = None;
            result.push(line);
        }
        result.join("\n")
    }
}

/// Marks a line of a code block in the writer's output: kept as it is by `finish`.
const VERBATIM: char = '\u{E010}';

/// The longest run of `c` in `text`.
fn longest_run(text: &str, c: char) -> usize {
    text.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

/// Inline code: its text as it is, between enough backticks (and spaces where the text itself
/// starts or ends with one).
fn code_span(text: &str) -> String {
    let text = text.replace('\n', " ");
    if text.is_empty() {
        return String::new();
    }
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
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

    /// Shapes the round-trip property found wrong, each read back so it renders the same.
    #[test]
    fn what_is_read_back_renders_the_same_html() {
        for markdown in [
            "- a\n\n- b",
            "*_!_*",
            "***_`aa`_***",
            "> _~~*.*~~_",
            "1. a  b  c",
            "1. A\n\n1. 0.",
            "1. x\n   - y\n2. z",
            "```\nkeep  two  spaces  \n\n```",
            "- ```\n  code\n  ```\n- b",
            "`snake_case *x*`",
        ] {
            let html = to_html(markdown);
            let read_back = from_html(&html);
            assert_eq!(
                to_html(&read_back),
                html,
                "{markdown:?} read back as {read_back:?}"
            );
        }
        assert_eq!(
            from_html("<p><strong><em>a</em></strong> <em><strong>b</strong></em></p>"),
            "**_a_** ***b***"
        );
        assert_eq!(
            from_html("<ul><li><p>a</p></li><li><p>b</p></li></ul>"),
            "- a\n\n- b"
        );
        assert_eq!(from_html("<p><code>a_b*c</code></p>"), "`a_b*c`");
        assert_eq!(
            from_html("<pre><code>x  \n\n  y\n</code></pre>"),
            "```\nx  \n\n  y\n```"
        );
        assert_eq!(
            from_html("<blockquote><p>a</p><p>b</p></blockquote>"),
            "> a\n>\n> b"
        );
    }
}
