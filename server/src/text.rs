//! Client-supplied text where it can do harm: in a log line (a newline
//! forges a line, a right-to-left override garbles one), in an error body
//! (a 10 KB value echoed back), in a token label. One place decides which
//! characters are dangerous, how they are escaped and how echoes are cut.

use std::borrow::Cow;
use std::io::{self, Write};

/// A control character (Unicode general category Cc) or a character that
/// changes the direction text is shown in (the bidi embeddings, overrides
/// and isolates U+202A–202E, U+2066–2069, and the marks U+200E/200F).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || c == '\u{200E}'
        || c == '\u{200F}'
}

/// `text` with every unsafe character written as `\n`, `\r`, `\t`, `\0` or
/// `\u{…}`, and backslashes doubled so an escape cannot be faked.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_with(text, true)
}

/// [`escape`], doubling backslashes or not.
fn escape_with(text: &str, double_backslashes: bool) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| is_unsafe(c) || (double_backslashes && c == '\\'))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' if double_backslashes => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// How many characters of a client's input an error message repeats.
pub const ECHO_CHARS: usize = 64;

/// `text` as an error message may repeat it: escaped, and cut to
/// [`ECHO_CHARS`] characters with "…".
pub fn clip(text: &str) -> String {
    let escaped = escape(text);
    let mut chars = escaped.chars();
    let mut out: String = chars.by_ref().take(ECHO_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// The log's writer: stderr, with every unsafe character of an event
/// escaped except the newline that ends it, so whatever a client managed to
/// put in a field or message (a label stored before labels were checked, a
/// path, a peer id) cannot start a line of its own or reorder one.
/// `tracing-subscriber` writes each event with one `write_all`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SafeStderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for SafeStderr {
    type Writer = SafeWriter<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        SafeWriter(io::stderr())
    }
}

/// A writer that escapes unsafe characters of each write but a final
/// newline (see [`SafeStderr`]).
#[derive(Debug)]
pub struct SafeWriter<W>(pub W);

impl<W: Write> Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, end) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (&*text, ""),
        };
        let escaped = escape_log(body);
        self.0.write_all(escaped.as_bytes())?;
        self.0.write_all(end.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Like [`escape`], but backslashes stay single: a log line holds many
/// `Debug`-formatted values whose escapes must read as they are.
fn escape_log(text: &str) -> Cow<'_, str> {
    escape_with(text, false)
}

/// `n` with a comma every three digits: 1,996.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_direction_changes_are_unsafe_chinese_is_not() {
        for c in [
            '\n', '\r', '\0', '\u{1b}', '\u{7f}', '\u{85}', '\u{202E}', '\u{2066}',
        ] {
            assert!(is_unsafe(c), "{c:?}");
        }
        for c in "县委组织部 张三 Tablet-1 (a/b)".chars() {
            assert!(!is_unsafe(c), "{c:?}");
        }
    }

    #[test]
    fn escapes_are_visible_and_cannot_be_faked() {
        assert_eq!(escape("城关镇平板1"), "城关镇平板1");
        assert_eq!(escape("a\nINFO x"), "a\\nINFO x");
        assert_eq!(escape("a\u{202E}b\0"), "a\\u{202e}b\\0");
        assert_eq!(escape("a\\nb"), "a\\\\nb");
    }

    #[test]
    fn echoes_are_cut_to_64_characters() {
        assert_eq!(clip("2026-13-01"), "2026-13-01");
        let long = "九".repeat(10_000);
        let cut = clip(&long);
        assert_eq!(cut.chars().count(), ECHO_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn the_log_writer_keeps_one_event_on_one_line() {
        let mut w = SafeWriter(Vec::new());
        w.write_all(b"WARN label=a\n2026 INFO forged \xe2\x80\xae\n")
            .expect("write");
        let out = String::from_utf8(w.0).expect("utf-8");
        assert_eq!(out, "WARN label=a\\n2026 INFO forged \\u{202e}\n");
        assert_eq!(out.lines().count(), 1);
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_996), "1,996");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
