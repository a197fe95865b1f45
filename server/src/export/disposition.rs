//! The `Content-Disposition` header that names a download.

use std::fmt::Write;

/// An attachment `Content-Disposition` value naming the file twice:
/// `filename="<ascii>"` for old clients, and RFC 5987/6266
/// `filename*=UTF-8''<percent-encoded utf8>`, which every current browser
/// prefers, so a cadre saves `某某县组建率与配备率-2026-11-24.csv`, not
/// `coverage-2026-11-24.csv`. [`super::ExportContext::file_names`] makes both.
///
/// A header value must be ASCII, so `ascii` is cleaned of anything that
/// is not printable ASCII, of quotes and backslashes (which would end or
/// escape the quoted string) and of path separators; each becomes `_`.
///
/// ```
/// use qunjian_server::export::content_disposition;
/// assert_eq!(
///     content_disposition("coverage.csv", "组建率.csv"),
///     "attachment; filename=\"coverage.csv\"; \
///      filename*=UTF-8''%E7%BB%84%E5%BB%BA%E7%8E%87.csv",
/// );
/// ```
pub fn content_disposition(ascii: &str, utf8: &str) -> String {
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(ascii),
        percent_encode(utf8)
    )
}

fn ascii_fallback(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '"' | '\\' | '/' => '_',
            ' '..='~' => c,
            _ => '_',
        })
        .collect()
}

/// RFC 5987 `value-chars`: `attr-char`s as they are, every other byte of the
/// UTF-8 encoding as `%XX`.
fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        let attr_char = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        if attr_char {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}
