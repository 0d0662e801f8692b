//! The file formats a bank may be written in, and how a name, path or content type
//! names one.

use serde::Serialize;

/// A bank file format; the names are the file extensions.
#[derive(utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Toml,
    Json,
    Yaml,
    Csv,
    Tsv,
    Markdown,
    /// Anki's plain-text export of notes (`.txt`).
    AnkiText,
    /// An Anki package (`.apkg`, or a whole collection as `.colpkg`): imported, never
    /// exported, so it is not among [`Format::ALL`].
    Apkg,
}

impl Format {
    /// The formats a bank is written in (and read back from); see also [`Format::Apkg`].
    pub const ALL: [Format; 7] = [
        Format::Toml,
        Format::Json,
        Format::Yaml,
        Format::Csv,
        Format::Tsv,
        Format::Markdown,
        Format::AnkiText,
    ];

    /// The format a `--format`/`?format=` name or a file extension stands for.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            "csv" => Some(Format::Csv),
            "tsv" => Some(Format::Tsv),
            "md" | "markdown" => Some(Format::Markdown),
            "txt" => Some(Format::AnkiText),
            "apkg" | "colpkg" => Some(Format::Apkg),
            _ => None,
        }
    }

    /// The format a file name's extension stands for.
    pub fn from_path(path: &str) -> Option<Format> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let (_, extension) = name.rsplit_once('.')?;
        Format::from_name(extension)
    }

    /// The format a Content-Type stands for; parameters such as `charset` are ignored.
    pub fn from_content_type(content_type: &str) -> Option<Format> {
        let essence = content_type.split(';').next().unwrap_or_default();
        match essence.trim().to_ascii_lowercase().as_str() {
            "application/toml" | "application/x-toml" | "text/x-toml" => Some(Format::Toml),
            "application/json" | "text/json" => Some(Format::Json),
            "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" => {
                Some(Format::Yaml)
            }
            "text/csv" => Some(Format::Csv),
            "text/tab-separated-values" => Some(Format::Tsv),
            "text/markdown" | "text/x-markdown" => Some(Format::Markdown),
            "text/plain" => Some(Format::AnkiText),
            "application/zip"
            | "application/x-zip-compressed"
            | "application/apkg"
            | "application/x-apkg"
            | "application/vnd.anki" => Some(Format::Apkg),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Markdown => "md",
            Format::AnkiText => "txt",
            Format::Apkg => "apkg",
        }
    }

    /// The media type, without parameters; every format but the (zipped) Anki package
    /// is written in UTF-8.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Toml => "application/toml",
            Format::Json => "application/json",
            Format::Yaml => "application/yaml",
            Format::Csv => "text/csv",
            Format::Tsv => "text/tab-separated-values",
            Format::Markdown => "text/markdown",
            Format::AnkiText => "text/plain",
            Format::Apkg => "application/zip",
        }
    }

    /// Whether a file of this format names its bank; the others need
    /// [`ParseOptions::bank_id`](super::ParseOptions::bank_id). Markdown names it in its optional front matter.
    pub fn carries_bank_id(self) -> bool {
        !matches!(
            self,
            Format::Csv | Format::Tsv | Format::AnkiText | Format::Apkg
        )
    }

    /// Whether banks are written in this format: all but the Anki package, which is
    /// read only.
    pub fn is_exported(self) -> bool {
        self != Format::Apkg
    }

    /// How messages call the format.
    pub fn label(self) -> &'static str {
        match self {
            Format::Toml => "TOML",
            Format::Json => "JSON",
            Format::Yaml => "YAML",
            Format::Csv => "CSV",
            Format::Tsv => "TSV",
            Format::Markdown => "Markdown",
            Format::AnkiText => "Anki text",
            Format::Apkg => "Anki package",
        }
    }
}
