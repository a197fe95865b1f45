//! Reading just enough of an automerge-repo message to police it: its
//! type, sender, document and sync payload. samod decodes the message
//! fully afterwards; this reader only has to be strict where samod is (a
//! definite-length CBOR map with text keys) and never panic on bytes from
//! the network, which the fuzz test holds it to.

use automerge::ChangeHash;
use minicbor::Decoder;
use minicbor::data::Type;
use samod::DocumentId;

/// The message types of the automerge-repo protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Handshake from the connecting peer.
    Join,
    /// Handshake answer.
    Peer,
    /// Goodbye.
    Leave,
    /// "Send me this document."
    Request,
    /// A sync message for a document.
    Sync,
    /// "I do not have this document."
    DocUnavailable,
    /// Presence and other ephemeral data.
    Ephemeral,
    /// A protocol error report.
    Error,
    /// Which storage ids' heads to tell about.
    RemoteSubscriptionChange,
    /// Another peer's heads changed.
    RemoteHeadsChanged,
    /// A type this server does not know; samod decides.
    Other,
}

impl Kind {
    fn parse(s: &str) -> Kind {
        match s {
            "join" => Kind::Join,
            "peer" => Kind::Peer,
            "leave" => Kind::Leave,
            "request" => Kind::Request,
            "sync" => Kind::Sync,
            "doc-unavailable" => Kind::DocUnavailable,
            "ephemeral" => Kind::Ephemeral,
            "error" => Kind::Error,
            "remote-subscription-change" => Kind::RemoteSubscriptionChange,
            "remote-heads-changed" => Kind::RemoteHeadsChanged,
            _ => Kind::Other,
        }
    }
}

/// What the server looks at in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    /// The `type` field.
    pub kind: Kind,
    /// `senderId`.
    pub sender: Option<&'a str>,
    /// `targetId`.
    pub target: Option<&'a str>,
    /// `documentId`, parsed.
    pub document: Option<DocumentId>,
    /// `data`: for request and sync, an Automerge sync message.
    pub data: Option<&'a [u8]>,
}

/// Why a message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Not CBOR, or not a definite-length map with text keys.
    #[error("not an automerge-repo message (CBOR): {0}")]
    Cbor(String),
    /// No `type` field.
    #[error("message has no type")]
    NoType,
    /// `documentId` is not a document id.
    #[error("bad documentId")]
    BadDocumentId,
}

impl From<minicbor::decode::Error> for FrameError {
    fn from(e: minicbor::decode::Error) -> Self {
        FrameError::Cbor(e.to_string())
    }
}

/// Read a message's header.
pub fn read(bytes: &[u8]) -> Result<Header<'_>, FrameError> {
    let mut d = Decoder::new(bytes);
    let len = d
        .map()?
        .ok_or_else(|| FrameError::Cbor("indefinite-length map".into()))?;
    let mut kind = None;
    let mut sender = None;
    let mut target = None;
    let mut document = None;
    let mut data = None;
    for _ in 0..len {
        match d.str()? {
            "type" => kind = Some(Kind::parse(d.str()?)),
            "senderId" => sender = Some(d.str()?),
            "targetId" => target = Some(d.str()?),
            "documentId" => {
                let id = match d.datatype()? {
                    Type::String => d
                        .str()?
                        .parse::<DocumentId>()
                        .map_err(|_| FrameError::BadDocumentId)?,
                    Type::Bytes => DocumentId::try_from(d.bytes()?.to_vec())
                        .map_err(|_| FrameError::BadDocumentId)?,
                    _ => return Err(FrameError::BadDocumentId),
                };
                document = Some(id);
            }
            "data" => data = Some(d.bytes()?),
            _ => d.skip()?,
        }
    }
    Ok(Header {
        kind: kind.ok_or(FrameError::NoType)?,
        sender,
        target,
        document,
        data,
    })
}

/// A `doc-unavailable` message from `sender` (the server) to `target`.
pub fn doc_unavailable(sender: &str, target: &str, document: &DocumentId) -> Vec<u8> {
    let mut e = minicbor::Encoder::new(Vec::new());
    let doc = document.to_string();
    // Writing to a Vec cannot fail; an error here would be a minicbor bug,
    // and an empty message is then simply dropped by the peer.
    let written = (|| -> Result<(), minicbor::encode::Error<std::convert::Infallible>> {
        e.map(4)?;
        e.str("type")?.str("doc-unavailable")?;
        e.str("senderId")?.str(sender)?;
        e.str("targetId")?.str(target)?;
        e.str("documentId")?.str(&doc)?;
        Ok(())
    })();
    match written {
        Ok(()) => e.into_writer(),
        Err(_) => Vec::new(),
    }
}

/// Changes carried by a sync message's payload (one per change chunk), or
/// why it is not a sync message.
pub fn changes_in(data: &[u8]) -> Result<u64, String> {
    automerge::sync::Message::decode(data)
        .map(|m| m.changes.len() as u64)
        .map_err(|e| e.to_string())
}

/// The heads an Automerge sync message says its sender has: the first
/// field of the payload (a version byte, a LEB128 count, then 32 bytes per
/// hash), read without decoding the changes after it. `None` when the
/// payload is not a sync message.
pub fn heads_in(data: &[u8]) -> Option<Vec<ChangeHash>> {
    const SYNC_V1: u8 = 0x42;
    const SYNC_V2: u8 = 0x43;
    let (&version, mut rest) = data.split_first()?;
    if version != SYNC_V1 && version != SYNC_V2 {
        return None;
    }
    let mut count: u64 = 0;
    let mut shift = 0;
    loop {
        let (&byte, after) = rest.split_first()?;
        rest = after;
        count |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    // Bounded by the bytes there, not by what the count claims.
    let count = usize::try_from(count).ok()?;
    if count > rest.len() / 32 {
        return None;
    }
    rest.chunks_exact(32)
        .take(count)
        .map(|h| ChangeHash::try_from(h).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use minicbor::Encoder;

    fn message(fields: &[(&str, Field<'_>)]) -> Vec<u8> {
        let mut e = Encoder::new(Vec::new());
        e.map(fields.len() as u64).expect("map");
        for (k, v) in fields {
            e.str(k).expect("key");
            match v {
                Field::Str(s) => e.str(s).expect("str"),
                Field::Bytes(b) => e.bytes(b).expect("bytes"),
                Field::Int(i) => e.u64(*i).expect("int"),
            };
        }
        e.into_writer()
    }

    enum Field<'a> {
        Str(&'a str),
        Bytes(&'a [u8]),
        Int(u64),
    }

    #[test]
    fn a_sync_message_is_read_whatever_the_field_order() {
        let doc = DocumentId::try_from(vec![3u8; 16]).expect("id");
        let doc_text = doc.to_string();
        let bytes = message(&[
            ("targetId", Field::Str("server")),
            ("data", Field::Bytes(&[1, 2, 3])),
            ("documentId", Field::Str(&doc_text)),
            ("count", Field::Int(4)),
            ("type", Field::Str("sync")),
            ("senderId", Field::Str("qunjian-abc")),
        ]);
        let h = read(&bytes).expect("read");
        assert_eq!(h.kind, Kind::Sync);
        assert_eq!(h.sender, Some("qunjian-abc"));
        assert_eq!(h.document, Some(doc));
        assert_eq!(h.data, Some(&[1u8, 2, 3][..]));
    }

    #[test]
    fn garbage_truncation_and_bad_ids_are_errors_not_panics() {
        assert!(read(&[]).is_err());
        assert!(read(&[0xff, 0x00, 0x13]).is_err());
        let good = message(&[("type", Field::Str("join")), ("senderId", Field::Str("p"))]);
        for cut in 0..good.len() {
            assert!(read(&good[..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(
            read(&message(&[("senderId", Field::Str("p"))])),
            Err(FrameError::NoType)
        );
        assert_eq!(
            read(&message(&[
                ("type", Field::Str("sync")),
                ("documentId", Field::Str("not-a-doc"))
            ])),
            Err(FrameError::BadDocumentId)
        );
        // Every single-byte corruption of a valid message either reads or
        // errs; none panics.
        for i in 0..good.len() {
            for bit in 0..8 {
                let mut bad = good.clone();
                bad[i] ^= 1 << bit;
                let _ = read(&bad);
            }
        }
    }

    #[test]
    fn doc_unavailable_reads_back() {
        let doc = DocumentId::try_from(vec![9u8; 16]).expect("id");
        let bytes = doc_unavailable("server", "qunjian-abc", &doc);
        let h = read(&bytes).expect("read");
        assert_eq!(h.kind, Kind::DocUnavailable);
        assert_eq!(h.sender, Some("server"));
        assert_eq!(h.document, Some(doc));
    }

    #[test]
    fn changes_are_counted_from_a_real_sync_message() {
        use automerge::sync::SyncDoc;
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "a", 1).expect("put");
        doc.commit();
        doc.put(automerge::ROOT, "b", 2).expect("put");
        doc.commit();
        let mut peer = automerge::AutoCommit::new();
        let mut ours = automerge::sync::State::new();
        let mut theirs = automerge::sync::State::new();
        // One round so the sender knows the receiver has nothing.
        let first = doc.sync().generate_sync_message(&mut ours).expect("first");
        peer.sync()
            .receive_sync_message(&mut theirs, first.clone())
            .expect("receive");
        assert_eq!(changes_in(&first.encode()), Ok(0));
        let reply = peer
            .sync()
            .generate_sync_message(&mut theirs)
            .expect("reply");
        doc.sync()
            .receive_sync_message(&mut ours, reply)
            .expect("receive");
        let with_changes = doc
            .sync()
            .generate_sync_message(&mut ours)
            .expect("changes");
        let encoded = with_changes.encode();
        assert!(changes_in(&encoded).expect("decode") >= 1);
        assert!(changes_in(&[0x42, 0x01]).is_err());
        assert_eq!(heads_in(&encoded), Some(doc.get_heads()));
    }

    #[test]
    fn heads_are_read_from_a_sync_message_and_garbage_is_none() {
        use automerge::sync::SyncDoc;
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        let mut state = automerge::sync::State::new();
        let empty = doc.sync().generate_sync_message(&mut state).expect("msg");
        assert_eq!(heads_in(&empty.encode()), Some(Vec::new()));
        let mut forks: Vec<_> = (0..3).map(|_| doc.fork()).collect();
        for (i, fork) in forks.iter_mut().enumerate() {
            fork.put(automerge::ROOT, format!("k{i}"), i as i64)
                .expect("put");
            doc.merge(fork).expect("merge");
        }
        let mut state = automerge::sync::State::new();
        let message = doc.sync().generate_sync_message(&mut state).expect("msg");
        let bytes = message.encode();
        let heads = heads_in(&bytes).expect("heads");
        assert_eq!(heads.len(), 3, "three concurrent heads");
        assert_eq!(heads, doc.get_heads());

        assert_eq!(heads_in(&[]), None);
        assert_eq!(heads_in(&[0x41, 0]), None, "not a sync message");
        assert_eq!(heads_in(&[0x42, 0x80]), None, "count cut short");
        assert_eq!(heads_in(&[0x42, 2, 0, 0]), None, "count past the bytes");
        assert_eq!(
            heads_in(&[
                0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
            ]),
            None
        );
        for cut in 0..bytes.len().min(100) {
            let _ = heads_in(&bytes[..cut]);
        }
    }
}
