//! A tiny document model with two renderers (Markdown and plain terminal text), so the generated
//! guide and `connector describe` say exactly the same things.
//!
//! Inline text may use Markdown backticks for code; the terminal renderer keeps them, as they read
//! fine in a terminal too.

/// One block of a document.
#[derive(Debug, Clone)]
pub(crate) enum Block {
    /// A heading; level 1 is the title.
    Heading(u8, String),
    Paragraph(String),
    Bullets(Vec<String>),
    /// Numbered steps, each with optional sub-points and warnings.
    Steps(Vec<StepBlock>),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Titled links.
    Links(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
pub(crate) struct StepBlock {
    pub title: String,
    pub body: String,
    pub points: Vec<String>,
    pub warnings: Vec<String>,
}

/// Renders blocks as GitHub-flavoured Markdown, ending with exactly one newline.
pub(crate) fn to_markdown(blocks: &[Block]) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(blocks.len());
    for block in blocks {
        let text = match block {
            Block::Heading(level, text) => {
                format!("{} {}", "#".repeat(usize::from(*level)), inline(text))
            }
            Block::Paragraph(text) => text.lines().map(inline).collect::<Vec<_>>().join("\n"),
            Block::Bullets(items) => items
                .iter()
                .map(|item| format!("- {}", inline(item)))
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Steps(steps) => markdown_steps(steps),
            Block::Table { header, rows } => markdown_table(header, rows),
            Block::Links(links) => links
                .iter()
                .map(|(title, url)| format!("- [{}]({url})", inline(title)))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        parts.push(text);
    }
    let mut out = parts.join("\n\n");
    out.push('\n');
    out
}

fn markdown_steps(steps: &[StepBlock]) -> String {
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let mut lines = vec![format!(
            "{}. **{}.** {}",
            i + 1,
            inline(step.title.trim_end_matches('.')),
            inline(&step.body)
        )];
        for point in &step.points {
            lines.push(format!("   - {}", inline(point)));
        }
        for warning in &step.warnings {
            lines.push(format!("   - ⚠️ **Warning:** {}", inline(warning)));
        }
        out.push(lines.join("\n"));
    }
    out.join("\n")
}

fn markdown_table(header: &[String], rows: &[Vec<String>]) -> String {
    let row = |cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|c| table_cell(c)).collect();
        format!("| {} |", cells.join(" | "))
    };
    let mut lines = vec![row(header), format!("|{}", "---|".repeat(header.len()))];
    lines.extend(rows.iter().map(|r| row(r)));
    lines.join("\n")
}

/// A table cell: pipes escaped, line breaks flattened, empty shown as a dash.
fn table_cell(text: &str) -> String {
    let text = inline(text).replace('|', "\\|");
    if text.is_empty() {
        "—".to_owned()
    } else {
        text
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Inline Markdown: whitespace flattened, and `<`/`>` outside code spans escaped so that text
/// such as `v1.<region>` is not read as an HTML tag.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in one_line(text).chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders blocks as plain text for a terminal, wrapped at `width` columns.
pub(crate) fn to_terminal(blocks: &[Block], width: usize) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(blocks.len());
    for block in blocks {
        let text = match block {
            Block::Heading(1, text) => {
                let text = one_line(text);
                let rule = "=".repeat(text.chars().count());
                format!("{text}\n{rule}")
            }
            Block::Heading(level, text) => {
                let text = one_line(text);
                let mark = if *level == 2 { "-" } else { "~" };
                let rule = mark.repeat(text.chars().count());
                format!("{text}\n{rule}")
            }
            Block::Paragraph(text) => {
                // Paragraphs may hold their own line structure (e.g. a list of commands).
                text.lines()
                    .map(|line| wrap(line, width, "", ""))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            Block::Bullets(items) => items
                .iter()
                .map(|item| wrap(item, width, "- ", "  "))
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Steps(steps) => steps
                .iter()
                .enumerate()
                .map(|(i, step)| {
                    let number = format!("{}. ", i + 1);
                    let indent = " ".repeat(number.len());
                    let mut lines = vec![wrap(
                        &format!(
                            "{}. {}",
                            one_line(step.title.trim_end_matches('.')),
                            step.body
                        ),
                        width,
                        &number,
                        &indent,
                    )];
                    for point in &step.points {
                        lines.push(wrap(
                            point,
                            width,
                            &format!("{indent}- "),
                            &format!("{indent}  "),
                        ));
                    }
                    for warning in &step.warnings {
                        lines.push(wrap(
                            &format!("Warning: {warning}"),
                            width,
                            &format!("{indent}! "),
                            &format!("{indent}  "),
                        ));
                    }
                    lines.join("\n")
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Table { header, rows } => terminal_records(header, rows, width),
            Block::Links(links) => links
                .iter()
                .map(|(title, url)| wrap(&format!("{title}: {url}"), width, "- ", "  "))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        parts.push(text);
    }
    let mut out = parts.join("\n\n");
    out.push('\n');
    out
}

/// A table as records: the first cell as a bullet, then one `header: value` line per other
/// non-empty cell. Wide tables do not fit a terminal as columns.
fn terminal_records(header: &[String], rows: &[Vec<String>], width: usize) -> String {
    rows.iter()
        .map(|row| {
            let mut lines = Vec::new();
            let mut cells = row.iter().zip(header);
            if let Some((first, _)) = cells.next() {
                lines.push(wrap(first, width, "- ", "  "));
            }
            for (cell, name) in cells {
                if !cell.trim().is_empty() {
                    lines.push(wrap(&format!("{name}: {cell}"), width, "  ", "    "));
                }
            }
            lines.join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Greedy word wrap with a first-line prefix and a continuation prefix. Words longer than the
/// line (URLs) are kept whole.
fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split_whitespace() {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if !empty && !fits {
            lines.push(std::mem::replace(&mut line, rest.to_owned()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    lines.push(line.trim_end().to_owned());
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_escape_pipes_and_show_empty_cells() {
        let table = Block::Table {
            header: vec!["A".into(), "B".into()],
            rows: vec![vec!["x|y".into(), String::new()]],
        };
        assert_eq!(
            to_markdown(&[table]),
            "| A | B |\n|---|---|\n| x\\|y | — |\n"
        );
    }

    #[test]
    fn angle_brackets_are_escaped_outside_code_only() {
        assert_eq!(
            inline("v1.<region> and `<api_key>`"),
            "v1.&lt;region&gt; and `<api_key>`"
        );
    }

    #[test]
    fn wrap_breaks_between_words_and_keeps_long_words_whole() {
        assert_eq!(wrap("aa bb cc", 5, "", ""), "aa bb\ncc");
        assert_eq!(
            wrap("see https://example.com/very/long", 10, "- ", "  "),
            "- see\n  https://example.com/very/long"
        );
    }
}
