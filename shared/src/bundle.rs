//! Bundles: a township document's changes in one file, carried on a USB
//! stick where there is no network (see docs/BUNDLES.md).
//!
//! A bundle is a short text header, a blank line, then the payload:
//!
//! ```text
//! QUNJIAN-BUNDLE
//! version: 1
//! kind: changes            (or `document`: a whole saved document)
//! from: township         (or `county`: written by the county server)
//! township: 330825101
//! document: <samod document id>
//! heads: <hex>,<hex>       (the exporter's heads; may be empty)
//! length: <payload bytes>
//! sha256: <hex of the payload's SHA-256>
//!
//! <payload: Automerge changes, or a saved document>
//! ```
//!
//! Both payload kinds are what `Automerge::load_incremental` reads. This
//! module is pure: [`Bundle::encode`] and [`Bundle::parse`] work on bytes,
//! and `parse` refuses any input that is not a whole, intact bundle with an
//! error, never a panic.

use sha2::{Digest, Sha256};

/// The first line of every bundle.
pub const MAGIC: &str = "QUNJIAN-BUNDLE";
/// The format version this program writes and reads.
pub const VERSION: u32 = 1;
/// Longest header accepted (a header is a few hundred bytes; heads of a
/// document with many concurrent branches stay far below this).
const MAX_HEADER: usize = 64 * 1024;

/// What the payload holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleKind {
    /// Automerge changes, one after another (the ones the other side lacks).
    Changes,
    /// A whole saved document (`--all`).
    Document,
}

impl BundleKind {
    fn as_str(self) -> &'static str {
        match self {
            BundleKind::Changes => "changes",
            BundleKind::Document => "document",
        }
    }
}

/// A bundle, parsed and checked, or about to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// What the payload holds.
    pub kind: BundleKind,
    /// Written by the county server (a device may then take the bundle's
    /// heads as the server's).
    pub from_county: bool,
    /// The township's administrative code.
    pub township: String,
    /// The document id (as samod prints it).
    pub document: String,
    /// The exporter's heads when it wrote the bundle, sorted hex.
    pub heads: Vec<String>,
    /// Automerge changes or a saved document.
    pub payload: Vec<u8>,
}

/// Why bytes are not a usable bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The file does not start with the magic line.
    #[error("不是群建同步包 (not a Qunjian bundle: the file does not start with {MAGIC})")]
    NotABundle,
    /// Written by a newer (or unknown) format version.
    #[error(
        "同步包格式版本 {0} 不受支持，请升级程序 (bundle format version {0} is not supported; this program reads version {VERSION})"
    )]
    UnsupportedVersion(String),
    /// The file ends before the header or the payload does.
    #[error("同步包不完整，可能复制中断 (the bundle is truncated: {0})")]
    Truncated(&'static str),
    /// A header line is missing or malformed.
    #[error("同步包头部损坏 (the bundle's header is damaged: {0})")]
    BadHeader(String),
    /// The payload's SHA-256 is not the one in the header.
    #[error("同步包校验失败，文件已损坏 (checksum mismatch: the bundle is corrupted)")]
    ChecksumMismatch,
    /// More bytes follow the payload than the header announced.
    #[error(
        "同步包末尾有多余数据，文件已损坏 (trailing bytes after the payload: the bundle is corrupted)"
    )]
    TrailingBytes,
    /// The bundle is another township's (or another document's).
    #[error(
        "这是另一个乡镇的同步包：包里是 {found}，这里是 {expected}，未导入 (this bundle belongs to another township's document; nothing was imported)"
    )]
    WrongTownship {
        /// What this side holds.
        expected: String,
        /// What the bundle names.
        found: String,
    },
}

impl Bundle {
    /// The file's bytes: header, blank line, payload.
    pub fn encode(&self) -> Vec<u8> {
        let header = format!(
            "{MAGIC}\nversion: {VERSION}\nkind: {}\nfrom: {}\ntownship: {}\ndocument: {}\nheads: {}\nlength: {}\nsha256: {}\n\n",
            self.kind.as_str(),
            if self.from_county {
                "county"
            } else {
                "township"
            },
            one_line(&self.township),
            one_line(&self.document),
            self.heads.join(","),
            self.payload.len(),
            hex::encode(Sha256::digest(&self.payload)),
        );
        let mut out = Vec::with_capacity(header.len() + self.payload.len());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&self.payload);
        out
    }

    /// Read and check a bundle. Never panics, whatever the bytes.
    pub fn parse(bytes: &[u8]) -> Result<Bundle, BundleError> {
        let magic_line = format!("{MAGIC}\n");
        if !bytes.starts_with(magic_line.as_bytes()) {
            // A file cut inside the magic line is still recognisably ours.
            if !bytes.is_empty() && magic_line.as_bytes().starts_with(bytes) {
                return Err(BundleError::Truncated("the file ends inside the header"));
            }
            return Err(BundleError::NotABundle);
        }
        let search = &bytes[..bytes.len().min(MAX_HEADER)];
        let Some(end) = search.windows(2).position(|w| w == b"\n\n") else {
            return Err(if bytes.len() < MAX_HEADER {
                BundleError::Truncated("the file ends inside the header")
            } else {
                BundleError::BadHeader("no end of header".into())
            });
        };
        let header = std::str::from_utf8(&bytes[magic_line.len()..=end])
            .map_err(|_| BundleError::BadHeader("not UTF-8".into()))?;
        let body = &bytes[end + 2..];

        let mut fields = std::collections::HashMap::new();
        for line in header.lines() {
            let Some((key, value)) = line.split_once(':') else {
                return Err(BundleError::BadHeader(format!("line {line:?}")));
            };
            fields.insert(key.trim(), value.trim());
        }
        let field = |name: &str| {
            fields
                .get(name)
                .copied()
                .ok_or_else(|| BundleError::BadHeader(format!("no {name}")))
        };
        let version = field("version")?;
        if version != VERSION.to_string() {
            return Err(BundleError::UnsupportedVersion(
                version.chars().take(20).collect(),
            ));
        }
        let kind = match field("kind")? {
            "changes" => BundleKind::Changes,
            "document" => BundleKind::Document,
            other => return Err(BundleError::BadHeader(format!("kind {other:?}"))),
        };
        let from_county = match field("from")? {
            "county" => true,
            "township" => false,
            other => return Err(BundleError::BadHeader(format!("from {other:?}"))),
        };
        let township = field("township")?.to_string();
        let document = field("document")?.to_string();
        if document.is_empty() {
            return Err(BundleError::BadHeader("empty document".into()));
        }
        let heads_field = field("heads")?;
        let heads: Vec<String> = if heads_field.is_empty() {
            Vec::new()
        } else {
            heads_field
                .split(',')
                .map(|h| h.trim().to_string())
                .collect()
        };
        if heads
            .iter()
            .any(|h| h.len() != 64 || hex::decode(h).is_err())
        {
            return Err(BundleError::BadHeader("heads are not hex hashes".into()));
        }
        let length: usize = field("length")?
            .parse()
            .map_err(|_| BundleError::BadHeader("length".into()))?;
        let sha = hex::decode(field("sha256")?)
            .map_err(|_| BundleError::BadHeader("sha256 is not hex".into()))?;
        if body.len() < length {
            return Err(BundleError::Truncated(
                "the payload is shorter than the header says",
            ));
        }
        if body.len() > length {
            return Err(BundleError::TrailingBytes);
        }
        if Sha256::digest(body).as_slice() != sha.as_slice() {
            return Err(BundleError::ChecksumMismatch);
        }
        Ok(Bundle {
            kind,
            from_county,
            township,
            document,
            heads,
            payload: body.to_vec(),
        })
    }

    /// Refuse the bundle unless it is this document's (and, when known,
    /// this township's).
    pub fn check_for(&self, document: &str, township: Option<&str>) -> Result<(), BundleError> {
        let wrong_township = township.is_some_and(|t| t != self.township);
        if self.document != document || wrong_township {
            return Err(BundleError::WrongTownship {
                expected: format!("乡镇 {} 文档 {document}", township.unwrap_or("?")),
                found: format!("乡镇 {} 文档 {}", self.township, self.document),
            });
        }
        Ok(())
    }
}

fn same_township(ours: &str, bundle: &str) -> Result<(), BundleError> {
    if ours == bundle {
        return Ok(());
    }
    Err(BundleError::WrongTownship {
        expected: format!("乡镇 {ours}"),
        found: format!("乡镇 {bundle}"),
    })
}

/// Header values stay on one line whatever a caller passes.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Why a checked bundle could not be applied to a document; the document
/// is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The bundle itself was refused.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The payload is not Automerge data, though its checksum matched.
    #[error("同步包内容无法读取 (the bundle's changes cannot be read: {0})")]
    Unreadable(String),
    /// The changes build on changes this side does not hold.
    #[error(
        "同步包缺少前序修改，请对方用 --all 导出完整文档 (the bundle builds on changes this side does not have; export it again with --all)"
    )]
    MissingDeps,
}

/// The bundle of `doc`: with `since`, the changes that are not ancestors of
/// those heads (heads `doc` does not hold are ignored; if none is left,
/// everything); without, the whole saved document.
pub fn export(
    doc: &automerge::Automerge,
    from_county: bool,
    township: &str,
    document: &str,
    since: Option<&[automerge::ChangeHash]>,
) -> Bundle {
    let heads = crate::doc_json::heads_hex(&doc.get_heads());
    let known: Option<Vec<automerge::ChangeHash>> = since.map(|s| {
        s.iter()
            .filter(|h| crate::history::has_change(doc, h))
            .copied()
            .collect()
    });
    let (kind, payload) = match known {
        Some(known) if !known.is_empty() => {
            let mut payload = Vec::new();
            for change in doc.get_changes(&known) {
                payload.extend_from_slice(change.raw_bytes());
            }
            (BundleKind::Changes, payload)
        }
        _ => (BundleKind::Document, doc.save()),
    };
    Bundle {
        kind,
        from_county,
        township: township.to_string(),
        document: document.to_string(),
        heads,
        payload,
    }
}

/// Apply `bundle` to `doc` if it is whole: its changes must load, leave
/// every head the exporter had in the document, and the document's meta
/// must name the bundle's township. Checked on a fork first, so a refusal
/// changes nothing. Returns how many changes were new.
pub fn apply(doc: &mut automerge::Automerge, bundle: &Bundle) -> Result<usize, ApplyError> {
    // The document this side holds must be the bundle's township's ...
    if let Ok(meta) = crate::TownshipMeta::read(doc) {
        same_township(&meta.township_code, &bundle.township)?;
    }
    // ... and so must a whole document in the bundle, on its own (changes
    // of another document fail the dependency check below instead).
    if bundle.kind == BundleKind::Document {
        let alone = automerge::Automerge::load(&bundle.payload)
            .map_err(|e| ApplyError::Unreadable(e.to_string()))?;
        let meta =
            crate::TownshipMeta::read(&alone).map_err(|e| ApplyError::Unreadable(e.to_string()))?;
        same_township(&meta.township_code, &bundle.township)?;
    }
    let mut trial = doc.fork();
    trial
        .load_incremental(&bundle.payload)
        .map_err(|e| ApplyError::Unreadable(e.to_string()))?;
    for head in &bundle.heads {
        let hash: automerge::ChangeHash = head
            .parse()
            .map_err(|_| BundleError::BadHeader("heads".into()))?;
        if !crate::history::has_change(&trial, &hash) {
            return Err(ApplyError::MissingDeps);
        }
    }
    let meta =
        crate::TownshipMeta::read(&trial).map_err(|e| ApplyError::Unreadable(e.to_string()))?;
    same_township(&meta.township_code, &bundle.township)?;
    let new = trial.get_changes(&doc.get_heads()).len();
    if new > 0 {
        doc.load_incremental(&bundle.payload)
            .map_err(|e| ApplyError::Unreadable(e.to_string()))?;
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        Bundle {
            kind: BundleKind::Changes,
            from_county: true,
            township: "330825101".into(),
            document: "2j9knpCseyhnK8izDmLpGP5WMdZQ".into(),
            heads: vec!["ab".repeat(32), "cd".repeat(32)],
            payload: b"\x85o\x4a\x83 some automerge bytes\n\n with blank lines".to_vec(),
        }
    }

    #[test]
    fn bundle_round_trips() {
        let b = sample();
        assert_eq!(Bundle::parse(&b.encode()).unwrap(), b);
        let empty = Bundle {
            kind: BundleKind::Document,
            heads: vec![],
            payload: vec![],
            ..sample()
        };
        assert_eq!(Bundle::parse(&empty.encode()).unwrap(), empty);
    }

    #[test]
    fn bundle_refuses_what_is_not_whole() {
        let bytes = sample().encode();
        assert_eq!(
            Bundle::parse(b"PK\x03\x04zip"),
            Err(BundleError::NotABundle)
        );
        assert_eq!(Bundle::parse(b""), Err(BundleError::NotABundle));
        for cut in 1..bytes.len() {
            let r = Bundle::parse(&bytes[..cut]);
            assert!(
                matches!(r, Err(BundleError::Truncated(_))),
                "cut at {cut}: {r:?}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Bundle::parse(&longer), Err(BundleError::TrailingBytes));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(Bundle::parse(&flipped), Err(BundleError::ChecksumMismatch));
        let newer = String::from_utf8_lossy(&bytes).replacen("version: 1", "version: 2", 1);
        assert!(matches!(
            Bundle::parse(newer.as_bytes()),
            Err(BundleError::UnsupportedVersion(v)) if v == "2"
        ));
    }

    #[test]
    fn bundle_flipping_any_byte_is_refused_or_harmless() {
        let bytes = sample().encode();
        for i in 0..bytes.len() {
            for bit in [0x01u8, 0x80] {
                let mut b = bytes.clone();
                b[i] ^= bit;
                // Never a panic; a flipped payload or checksum never passes.
                if let Ok(parsed) = Bundle::parse(&b) {
                    assert_eq!(parsed.payload, sample().payload, "byte {i}");
                }
            }
        }
    }

    #[test]
    fn bundle_checks_the_document() {
        let b = sample();
        assert!(b.check_for(&b.document, Some("330825101")).is_ok());
        assert!(b.check_for(&b.document, None).is_ok());
        assert!(matches!(
            b.check_for("other", None),
            Err(BundleError::WrongTownship { .. })
        ));
        assert!(matches!(
            b.check_for(&b.document, Some("330825102")),
            Err(BundleError::WrongTownship { .. })
        ));
    }

    #[test]
    fn bundle_parse_survives_arbitrary_bytes() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let magic = format!("{MAGIC}\n");
        for n in 0..2000 {
            let mut b = if n % 2 == 0 {
                magic.clone().into_bytes()
            } else {
                vec![]
            };
            for _ in 0..(n % 300) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                b.push(if seed.is_multiple_of(5) {
                    b'\n'
                } else {
                    (seed >> 8) as u8
                });
            }
            let _ = Bundle::parse(&b);
        }
    }

    fn township(code: &str) -> automerge::Automerge {
        crate::TownshipMeta::new(code, "城关镇", crate::TownshipKind::Zhen, "")
            .unwrap()
            .new_document()
            .unwrap()
    }

    fn edit(doc: &mut automerge::Automerge, key: &str) {
        use automerge::transaction::Transactable;
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, key, 1).unwrap();
        tx.commit();
    }

    #[test]
    fn bundle_apply_brings_changes_once() {
        let mut county = township("330825101");
        let mut device = county.fork();
        edit(&mut device, "a");
        let since = county.get_heads();
        let b = export(&device, false, "330825101", "doc", Some(&since));
        assert_eq!(b.kind, BundleKind::Changes);
        let b = Bundle::parse(&b.encode()).unwrap();
        assert_eq!(apply(&mut county, &b).unwrap(), 1);
        assert_eq!(county.get_heads(), device.get_heads());
        assert_eq!(apply(&mut county, &b).unwrap(), 0);
        // Whole documents too; unknown `since` heads mean everything.
        let whole = export(&device, true, "330825101", "doc", Some(&[]));
        assert_eq!(whole.kind, BundleKind::Document);
        let mut fresh = automerge::Automerge::new();
        assert_eq!(apply(&mut fresh, &whole).unwrap(), 2);
        assert_eq!(fresh.get_heads(), device.get_heads());
    }

    #[test]
    fn bundle_apply_refuses_and_changes_nothing() {
        let mut county = township("330825101");
        let mut device = county.fork();
        edit(&mut device, "a");
        let after_a = device.get_heads();
        edit(&mut device, "b");
        // Changes after `a`, to a side that does not hold `a`.
        let delta = export(&device, false, "330825101", "doc", Some(&after_a));
        let before = county.get_heads();
        assert!(matches!(
            apply(&mut county, &delta),
            Err(ApplyError::MissingDeps)
        ));
        // Another township's document, under this township's code or its own.
        let other = township("330825102");
        let mut forged = export(&other, true, "330825101", "doc", None);
        assert!(matches!(
            apply(&mut county, &forged),
            Err(ApplyError::Bundle(BundleError::WrongTownship { .. }))
        ));
        forged.township = "330825102".into();
        assert!(matches!(
            apply(&mut county, &forged),
            Err(ApplyError::Bundle(BundleError::WrongTownship { .. }))
        ));
        // Garbage that passes the checksum (it is not authentication).
        let garbage = Bundle {
            payload: b"not automerge".to_vec(),
            ..delta
        };
        assert!(apply(&mut county, &garbage).is_err());
        assert_eq!(county.get_heads(), before);
    }
}
