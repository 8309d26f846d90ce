//! A plain table of strings (headers, rows, notes) and its two renderings: a terminal table and GitHub Markdown.

use std::io::{self, Write};

use tabled::builder::Builder;
use tabled::settings::peaker::Priority;
use tabled::settings::{Style, Width};

/// A table ready to print: every cell is already text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grid {
    /// A line printed above the table.
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows, each as long as `headers`.
    pub rows: Vec<Vec<String>>,
    /// Lines printed below the table (legend, sources, footnotes).
    pub notes: Vec<String>,
}

impl Grid {
    /// Writes the table for a terminal.
    pub fn write_terminal(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        self.write_terminal_impl(out, None)
    }

    /// Writes the table for a terminal, wrapping the widest cells so that no line is wider than `width` columns.
    pub fn write_terminal_within(&self, out: &mut (impl Write + ?Sized), width: usize) -> io::Result<()> {
        self.write_terminal_impl(out, Some(width))
    }

    fn write_terminal_impl(&self, out: &mut (impl Write + ?Sized), width: Option<usize>) -> io::Result<()> {
        if !self.title.is_empty() {
            writeln!(out, "{}", self.title)?;
        }
        let mut b = Builder::default();
        b.push_record(self.headers.iter().cloned());
        for row in &self.rows {
            b.push_record(row.iter().cloned());
        }
        let mut table = b.build();
        table.with(Style::sharp());
        if let Some(width) = width {
            table.with(Width::wrap(width).priority(Priority::max(true)).keep_words(true));
        }
        writeln!(out, "{table}")?;
        for note in &self.notes {
            writeln!(out, "{note}")?;
        }
        Ok(())
    }

    /// Writes the table as GitHub-flavoured Markdown.
    pub fn write_markdown(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        if !self.title.is_empty() {
            writeln!(out, "{}\n", self.title)?;
        }
        let line =
            |cells: &[String]| format!("| {} |", cells.iter().map(|c| md_escape(c)).collect::<Vec<_>>().join(" | "));
        // A grid of a title alone (`### Failures` / `None.`) has no table at all.
        if !self.headers.is_empty() || !self.rows.is_empty() {
            writeln!(out, "{}", line(&self.headers))?;
            writeln!(out, "|{}", self.headers.iter().map(|_| "---|").collect::<String>())?;
        }
        for row in &self.rows {
            writeln!(out, "{}", line(row))?;
        }
        if !self.notes.is_empty() {
            writeln!(out)?;
            for note in &self.notes {
                writeln!(out, "{}", md_escape(note))?;
                writeln!(out)?;
            }
        }
        Ok(())
    }
}

/// Escapes what would break a Markdown table cell or start markup.
fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('<', "&lt;").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_alone_writes_no_empty_table() {
        let g = Grid { title: "### Failures\n\nNone.".into(), ..Grid::default() };
        let mut out = Vec::new();
        g.write_markdown(&mut out).expect("write to vec");
        assert_eq!(String::from_utf8(out).expect("utf8"), "### Failures\n\nNone.\n\n");
    }

    #[test]
    fn markdown_escapes_pipes() {
        let g = Grid { title: String::new(), headers: vec!["a".into()], rows: vec![vec!["x|y".into()]], notes: vec![] };
        let mut out = Vec::new();
        g.write_markdown(&mut out).expect("write to vec");
        assert_eq!(String::from_utf8(out).expect("utf8"), "| a |\n|---|\n| x\\|y |\n");
    }
}
