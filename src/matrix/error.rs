//! `MatrixError`: everything that can be wrong with a matrix file, located at its line and column.

use std::path::PathBuf;

use miette::{NamedSource, SourceSpan};

/// A matrix file could not be read, parsed, validated, generated or written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum MatrixError {
    /// The file could not be read.
    #[error("failed to read matrix {}", path.display())]
    #[diagnostic(
        code(dockmatrix::matrix::read),
        help("pass --dir DIR pointing at the folder that holds endpoints.yaml, docker.yaml and kubernetes.yaml")
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// The file does not parse, or a value in it is wrong.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<InvalidMatrix>),

    /// A source file for `matrix sync` (a spec, the legacy CSV, the release CSV or the kubelet data) is unusable.
    #[error("failed to sync from {}: {message}", path.display())]
    #[diagnostic(code(dockmatrix::matrix::sync))]
    Source {
        /// The source file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// A generated matrix could not be written.
    #[error("failed to write matrix {}", path.display())]
    #[diagnostic(code(dockmatrix::matrix::write), help("check that the folder exists and is writable"))]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Where a matrix file is wrong, what is wrong and how to fix it; `span` points at the place.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{file}:{line}:{column}: {message}")]
#[diagnostic(code(dockmatrix::matrix::invalid))]
pub struct InvalidMatrix {
    /// File name as the user gave it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
    /// The file's text, for the rendered snippet.
    #[source_code]
    pub src: NamedSource<String>,
    /// Where in the text.
    #[label("here")]
    pub span: SourceSpan,
}

impl MatrixError {
    /// An `Invalid` error at byte `offset` (length `len`) of `src`.
    pub fn invalid_at(file: &str, src: &str, offset: usize, len: usize, message: String, help: Option<String>) -> Self {
        let offset = offset.min(src.len());
        let (line, column) = line_column(src, offset);
        MatrixError::Invalid(Box::new(InvalidMatrix {
            file: file.to_string(),
            line,
            column,
            message,
            help,
            src: NamedSource::new(file, src.to_string()),
            span: SourceSpan::new(offset.into(), len.min(src.len() - offset)),
        }))
    }
}

/// 1-based line and column of a byte offset.
pub fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
