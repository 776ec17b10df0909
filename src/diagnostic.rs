//! Where things are in the profile files, and how problems with them are shown.
//!
//! `SourceMap` holds every loaded profile file; a `Span` points into one of them. Each
//! file has two names: `path` as the command line reached it, shown in terminal messages
//! (clickable from where the user stands), and `name`, relative to the main profile's
//! directory, the only one written into the IR, so artifacts do not depend on the cwd.
//! `Problem` is one finding of loading or validation: a code, a message, a hint,
//! the documented constraint it comes from, and where. Rendering gives
//! `error[AML103]: ...` then ` --> file:line:col` and a code frame with carets.
//! Nothing here decides what is wrong; `profile` and `model` do.

use std::fmt::Write as _;
use std::ops::Range;

use crate::ir::{self, Severity};

#[derive(Clone, Debug, Default)]
pub struct SourceMap {
  files: Vec<SourceFile>,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
  /// As reached from the command line (`profiles/base/common.toml`): for the terminal.
  pub path: String,
  /// Relative to the main profile's directory (`base/common.toml`): for the IR.
  pub name: String,
  pub text: String,
  /// Byte offset of every line start, so a location costs a binary search rather than a
  /// scan of the file (profiles with thousands of entries stay linear).
  line_starts: Vec<usize>,
}

/// A byte range in one file of the source map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
  pub file: usize,
  pub range: Range<usize>,
}

impl SourceMap {
  pub fn add(&mut self, path: String, name: String, text: String) -> usize {
    let line_starts = std::iter::once(0)
      .chain(text.match_indices('\n').map(|(i, _)| i + 1))
      .collect();
    self.files.push(SourceFile {
      path,
      name,
      text,
      line_starts,
    });
    self.files.len() - 1
  }

  pub fn files(&self) -> &[SourceFile] {
    &self.files
  }

  /// 1-based line and column (in characters) of a byte offset.
  pub fn line_col(&self, span: &Span) -> (usize, usize) {
    let file = &self.files[span.file];
    let start = span.range.start.min(file.text.len());
    let line = file.line_starts.partition_point(|&s| s <= start);
    let line_start = file.line_starts[line - 1];
    (line, file.text[line_start..start].chars().count() + 1)
  }

  /// "name:line:col", the form the IR uses (relative to the main profile's directory).
  pub fn location(&self, span: &Span) -> String {
    let (line, col) = self.line_col(span);
    format!("{}:{line}:{col}", self.files[span.file].name)
  }

  /// A location from `location` as the terminal shows it: with the file's path as typed.
  pub fn shown(&self, location: &str) -> String {
    self
      .files
      .iter()
      .filter_map(|f| Some((f, location.strip_prefix(f.name.as_str())?.strip_prefix(':')?)))
      .max_by_key(|(f, _)| f.name.len())
      .map_or_else(|| location.to_string(), |(f, rest)| format!("{}:{rest}", f.path))
  }

  /// The line of `span` with a caret under it. A long line is cut to a window around the
  /// span, and control, line-separator and bidi characters are shown escaped, so a hostile
  /// or huge line can neither flood the terminal nor hide what it says.
  fn frame(&self, span: &Span, out: &mut String) {
    const BEFORE: usize = 40;
    const WIDTH: usize = 120;
    let file = &self.files[span.file];
    let (line, col) = self.line_col(span);
    let start = file.line_starts[line - 1];
    let end = file
      .line_starts
      .get(line)
      .map_or(file.text.len(), |next| next - 1);
    let chars: Vec<char> = file.text[start..end].trim_end_matches('\r').chars().collect();
    let from = (col - 1).saturating_sub(BEFORE);
    let to = chars.len().min(from + WIDTH);
    let shown = |cs: &[char]| -> String { cs.iter().map(|&c| printable(c)).collect() };
    let lead = if from > 0 { "…" } else { "" };
    let tail = if to < chars.len() { "…" } else { "" };
    let before = format!("{lead}{}", shown(&chars[from..(col - 1).min(to)]));
    let spanned = file.text.get(span.range.clone()).map_or(String::new(), |s| {
      s.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(WIDTH)
        .map(printable)
        .collect()
    });
    let gutter = line.to_string().len();
    let _ = writeln!(out, "{:gutter$}--> {}:{line}:{col}", "", file.path);
    let _ = writeln!(out, "{:gutter$} |", "");
    let _ = writeln!(
      out,
      "{line} | {before}{}{tail}",
      shown(&chars[(col - 1).min(to)..to])
    );
    let _ = writeln!(
      out,
      "{:gutter$} | {}{}",
      "",
      " ".repeat(before.chars().count()),
      "^".repeat(spanned.chars().count().clamp(1, WIDTH))
    );
  }
}

/// A character as a frame shows it: hazards (controls, line separators, bidi) escaped.
fn printable(c: char) -> String {
  if crate::syntax::is_hazard(c) {
    crate::syntax::visible(c)
  } else {
    c.to_string()
  }
}

/// One finding about a profile.
#[derive(Clone, Debug)]
pub struct Problem {
  pub severity: Severity,
  pub code: &'static str,
  pub message: String,
  pub hint: Option<String>,
  /// The documented constraint, as catalog source citations.
  pub sources: Vec<String>,
  pub span: Option<Span>,
  /// "file:line:col" of the setting concerned when the problem is found on the model, which
  /// keeps locations but no spans.
  pub at: String,
}

impl Problem {
  pub fn error(code: &'static str, message: impl Into<String>, span: Option<Span>) -> Self {
    Problem {
      severity: Severity::Error,
      code,
      message: message.into(),
      hint: None,
      sources: vec![],
      span,
      at: String::new(),
    }
  }

  pub fn warning(code: &'static str, message: impl Into<String>, span: Option<Span>) -> Self {
    Problem {
      severity: Severity::Warning,
      ..Problem::error(code, message, span)
    }
  }

  pub fn info(code: &'static str, message: impl Into<String>, span: Option<Span>) -> Self {
    Problem {
      severity: Severity::Info,
      ..Problem::error(code, message, span)
    }
  }

  pub fn hint(mut self, hint: impl Into<String>) -> Self {
    self.hint = Some(hint.into());
    self
  }

  pub fn source(mut self, citation: impl Into<String>) -> Self {
    self.sources.push(citation.into());
    self
  }

  /// The block a terminal shows. Messages, hints and sources quote profile values, which may
  /// hold line breaks or other hazards: each stays on its one line, its hazards visible.
  pub fn render(&self, map: &SourceMap) -> String {
    use crate::syntax::escape_hazards as line;
    let mut out = format!("{}[{}]: {}\n", self.severity, self.code, line(&self.message));
    if let Some(span) = &self.span {
      map.frame(span, &mut out);
    } else if !self.at.is_empty() {
      let _ = writeln!(out, " --> {}", map.shown(&self.at));
    }
    if let Some(hint) = &self.hint {
      let _ = writeln!(out, "  = help: {}", line(hint));
    }
    for source in &self.sources {
      let _ = writeln!(out, "  = source: {}", line(source));
    }
    out
  }

  pub fn to_ir(&self, map: &SourceMap) -> ir::Diagnostic {
    let mut message = self.message.clone();
    if let Some(hint) = &self.hint {
      message = format!("{message} ({hint})");
    }
    ir::Diagnostic {
      severity: self.severity,
      code: self.code.to_string(),
      message,
      location: self
        .span
        .as_ref()
        .map_or_else(|| self.at.clone(), |s| map.location(s)),
      sources: self.sources.clone(),
    }
  }
}

/// The closest candidate to `word`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
  candidates
    .into_iter()
    .map(|c| (strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()), c))
    .filter(|(score, _)| *score > 0.8)
    .max_by(|a, b| a.0.total_cmp(&b.0))
    .map(|(_, c)| c)
}
