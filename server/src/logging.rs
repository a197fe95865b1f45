//! The log: where it goes (stderr, one event per line) and in what shape.
//! Text for people and `journalctl`; JSON lines (`serve --log-format
//! json`) for a log collector, each event one object with `timestamp`,
//! `level`, `target`, `message` and the event's fields at the top level.
//! Never colour codes: a log file or the journal would keep the escape
//! sequences as noise, and the text writer escapes every control character
//! (ESC too) so a client's input cannot forge a line. The JSON writer
//! leaves the escaping of control characters to JSON itself and writes
//! the few it does not escape (DEL, C1 controls, direction overrides) as
//! `\uXXXX`, so each line stays one valid JSON object.

use std::borrow::Cow;
use std::io::{self, Write};

use tracing_subscriber::EnvFilter;

use crate::text::{SafeStderr, is_unsafe};

/// The shape of each log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// `2026-11-24T08:00:00.123Z  INFO target: message key=value`.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The filter when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "info,samod=warn,samod_core=warn";

/// Set the process's log up; a second call does nothing.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    let _ = match format {
        LogFormat::Text => builder.with_writer(SafeStderr).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(JsonStderr)
            .try_init(),
    };
}

/// stderr for JSON lines (see the module comment).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonStderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for JsonStderr {
    type Writer = JsonWriter<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        JsonWriter(io::stderr())
    }
}

/// A writer of JSON lines that escapes what JSON encoders leave raw.
#[derive(Debug)]
pub struct JsonWriter<W>(pub W);

impl<W: Write> Write for JsonWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, end) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (&*text, ""),
        };
        self.0.write_all(escape_json(body).as_bytes())?;
        self.0.write_all(end.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Every unsafe character of an encoded JSON line as a `\uXXXX` escape.
/// Outside strings a JSON line has none, and inside one the escape reads
/// back as the same character. (Every unsafe character is in the BMP.)
fn escape_json(line: &str) -> Cow<'_, str> {
    if !line.chars().any(is_unsafe) {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 12);
    for c in line.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_stays_one_valid_object() {
        let event = serde_json::json!({
            "message": "label \u{202e}abc\u{7f} \u{85} 城关镇\nforged",
        });
        let mut w = JsonWriter(Vec::new());
        w.write_all(format!("{event}\n").as_bytes()).expect("write");
        let out = String::from_utf8(w.0).expect("utf-8");
        assert_eq!(out.lines().count(), 1);
        assert!(!out.trim_end().chars().any(is_unsafe), "{out:?}");
        let back: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(back, event);
    }
}
