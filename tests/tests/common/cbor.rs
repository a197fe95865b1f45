//! Just enough CBOR (RFC 8949) to write automerge-repo messages by hand:
//! this crate has no CBOR library, and a test that writes the bytes itself
//! can also write wrong ones (`access.rs`, `fuzz.rs`).

/// The CBOR value kinds automerge-repo messages use.
#[derive(Clone, Debug)]
pub enum Cbor {
    Uint(u64),
    Text(String),
    Bytes(Vec<u8>),
    Array(Vec<Cbor>),
    Map(Vec<(String, Cbor)>),
}

/// The head of an item: major type `major` with argument `n`, in the
/// shortest form.
pub fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend(n.to_be_bytes());
        }
    }
}

impl Cbor {
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Cbor::Uint(n) => head(out, 0, *n),
            Cbor::Bytes(b) => {
                head(out, 2, b.len() as u64);
                out.extend(b);
            }
            Cbor::Text(s) => {
                head(out, 3, s.len() as u64);
                out.extend(s.as_bytes());
            }
            Cbor::Array(items) => {
                head(out, 4, items.len() as u64);
                for i in items {
                    i.encode_into(out);
                }
            }
            Cbor::Map(fields) => {
                head(out, 5, fields.len() as u64);
                for (k, v) in fields {
                    Cbor::Text(k.clone()).encode_into(out);
                    v.encode_into(out);
                }
            }
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }
}

/// A text item.
pub fn text(s: impl Into<String>) -> Cbor {
    Cbor::Text(s.into())
}

/// A byte string item.
pub fn bytes(b: impl Into<Vec<u8>>) -> Cbor {
    Cbor::Bytes(b.into())
}

/// A CBOR map with text keys: an automerge-repo message.
pub fn message(fields: Vec<(&str, Cbor)>) -> Vec<u8> {
    Cbor::Map(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
    .encode()
}

/// The automerge-repo handshake: `join` as `sender`, protocol version 1.
pub fn join_message(sender: &str) -> Vec<u8> {
    message(vec![
        ("type", text("join")),
        ("senderId", text(sender)),
        ("supportedProtocolVersions", Cbor::Array(vec![text("1")])),
    ])
}

/// A `request` or `sync` message about document `doc`.
pub fn doc_message(kind: &str, sender: &str, target: &str, doc: &str, data: Vec<u8>) -> Vec<u8> {
    message(vec![
        ("type", text(kind)),
        ("senderId", text(sender)),
        ("targetId", text(target)),
        ("documentId", text(doc)),
        ("data", Cbor::Bytes(data)),
    ])
}
