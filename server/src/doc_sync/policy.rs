//! The message policy: what a token's connection may send, decided from a
//! message's header alone, with no IO. The session reads the header
//! (`frame`), looks up the document's township, and hands both here; the
//! answer is a [`Verdict`] the session carries out (pass to samod, answer
//! doc-unavailable, drop, or close with a [`Violation`]'s code and reason).
//! Kept pure so every rule is a unit test, and so the fuzz test can throw
//! any bytes at it.

use samod::DocumentId;

use super::close::{Close, CloseCode};
use super::frame::{self, Header, Kind};
use crate::auth::Access;

/// Who is on the connection, as the policy needs to know them.
#[derive(Debug, Clone)]
pub struct Parties {
    /// The token's peer id, the only sender the connection may speak as.
    pub peer: String,
    /// The server's own peer id, the only target it may address.
    pub server: String,
}

/// Something the peer may not send; it closes the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// Not an automerge-repo message.
    Undecodable(String),
    /// The first message was not `join`.
    NotJoin(Kind),
    /// `join` in another peer's name.
    WrongPeer {
        /// The sender it gave.
        claimed: String,
        /// The token's.
        expected: String,
    },
    /// A handshake message after the handshake.
    AfterHandshake(Kind),
    /// A message type nobody knows.
    UnknownType,
    /// A message in its own voice with someone else's sender id.
    WrongSender {
        /// The sender it gave.
        claimed: String,
        /// The token's.
        expected: String,
    },
    /// A request or sync addressed to another peer.
    WrongTarget(String),
    /// A request or sync without document, target or data.
    Incomplete(Kind),
    /// A sync message whose Automerge payload cannot be read.
    BadSyncData {
        /// The document.
        doc: DocumentId,
        /// Why.
        why: String,
    },
    /// Changes to a document the token may not touch.
    ForeignChanges(DocumentId),
}

impl Violation {
    /// How the connection is closed for it.
    pub fn close(&self) -> Close {
        let reason = match self {
            Violation::Undecodable(e) => format!("undecodable message: {e}"),
            Violation::NotJoin(kind) => format!("first message is {kind:?}, not join"),
            Violation::WrongPeer { claimed, expected } => {
                format!("peer id {claimed:?} is not this token's ({expected})")
            }
            Violation::AfterHandshake(kind) => format!("{kind:?} after the handshake"),
            Violation::UnknownType => "unknown message type".to_string(),
            Violation::WrongSender { claimed, expected } => {
                format!("senderId {claimed:?} is not this token's ({expected})")
            }
            Violation::WrongTarget(target) => format!("targetId {target:?} is not this server"),
            Violation::Incomplete(kind) => {
                format!("{kind:?} without documentId, targetId or data")
            }
            Violation::BadSyncData { doc, why } => {
                format!("undecodable sync message for document {doc}: {why}")
            }
            Violation::ForeignChanges(doc) => {
                format!("changes for document {doc}, which this token may not touch")
            }
        };
        Close::new(CloseCode::Policy, reason)
    }
}

/// What to do with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Hand it to samod. For a request or sync, what it carries.
    Pass(Option<Carried>),
    /// Do not hand it on; tell the peer the document is unavailable.
    Unavailable(DocumentId),
    /// Do not hand it on.
    Drop,
    /// Close the connection.
    Close(Violation),
}

/// What a request or sync message carried, for the tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carried {
    /// Changes samod will apply.
    pub changes: u64,
    /// Changes samod will ignore (a read-only token's).
    pub ignored: u64,
    /// The payload's bytes.
    pub bytes: usize,
}

/// The first message: it must be `join`, in the token's name.
pub fn join(header: &Header<'_>, parties: &Parties) -> Result<(), Violation> {
    if header.kind != Kind::Join {
        return Err(Violation::NotJoin(header.kind));
    }
    if header.sender != Some(parties.peer.as_str()) {
        return Err(Violation::WrongPeer {
            claimed: header.sender.unwrap_or("").to_string(),
            expected: parties.peer.clone(),
        });
    }
    Ok(())
}

/// What samod would refuse anyway after the handshake, refused here so the
/// log and the audit name the peer and the reason (samod's own line names
/// only a connection number).
pub fn after_join(header: &Header<'_>, parties: &Parties) -> Result<(), Violation> {
    match header.kind {
        Kind::Join | Kind::Peer => return Err(Violation::AfterHandshake(header.kind)),
        Kind::Other => return Err(Violation::UnknownType),
        _ => {}
    }
    // Only for what the peer says in its own name: ephemeral messages are
    // relayed from other peers and keep their author's senderId.
    let own_voice = matches!(
        header.kind,
        Kind::Request | Kind::Sync | Kind::DocUnavailable | Kind::Leave
    );
    if own_voice && header.sender.is_some_and(|s| s != parties.peer) {
        return Err(Violation::WrongSender {
            claimed: header.sender.unwrap_or("").to_string(),
            expected: parties.peer.clone(),
        });
    }
    if matches!(header.kind, Kind::Request | Kind::Sync) {
        if let Some(target) = header.target
            && target != parties.server
        {
            return Err(Violation::WrongTarget(target.to_string()));
        }
        if header.document.is_none() || header.data.is_none() || header.target.is_none() {
            return Err(Violation::Incomplete(header.kind));
        }
    }
    Ok(())
}

/// A message about `doc` (checked by [`after_join`]), given the token's
/// access to that document.
pub fn judge(header: &Header<'_>, doc: &DocumentId, access: Access) -> Verdict {
    if !matches!(header.kind, Kind::Request | Kind::Sync) {
        // Ephemera and heads notices about a document it may not touch are
        // dropped here, before samod starts an actor for it.
        return match access {
            Access::None => Verdict::Drop,
            _ => Verdict::Pass(None),
        };
    }
    let data = header.data.unwrap_or_default();
    let changes = match frame::changes_in(data) {
        Ok(n) => n,
        Err(why) => {
            return Verdict::Close(Violation::BadSyncData {
                doc: doc.clone(),
                why,
            });
        }
    };
    match access {
        Access::None if changes > 0 => Verdict::Close(Violation::ForeignChanges(doc.clone())),
        // Answered by the session, as samod would, so that asking for
        // documents (or random ids) starts no document actor in samod: it
        // could not unload one, so each would cost memory for the rest of
        // the server's life.
        Access::None => Verdict::Unavailable(doc.clone()),
        Access::ReadOnly => Verdict::Pass(Some(Carried {
            changes: 0,
            ignored: changes,
            bytes: data.len(),
        })),
        Access::ReadWrite => Verdict::Pass(Some(Carried {
            changes,
            ignored: 0,
            bytes: data.len(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parties() -> Parties {
        Parties {
            peer: "qjt-me".into(),
            server: "server".into(),
        }
    }

    fn header<'a>(kind: Kind, sender: &'a str, target: Option<&'a str>) -> Header<'a> {
        Header {
            kind,
            sender: Some(sender),
            target,
            document: None,
            data: None,
        }
    }

    #[test]
    fn the_handshake_is_join_in_the_tokens_name() {
        let p = parties();
        assert_eq!(join(&header(Kind::Join, "qjt-me", None), &p), Ok(()));
        assert_eq!(
            join(&header(Kind::Sync, "qjt-me", None), &p),
            Err(Violation::NotJoin(Kind::Sync))
        );
        let forged = join(&header(Kind::Join, "someone", None), &p).unwrap_err();
        assert_eq!(forged.close().code, CloseCode::Policy);
        assert!(forged.close().reason.contains("someone"));
    }

    #[test]
    fn after_the_handshake_the_peer_speaks_only_for_itself_to_this_server() {
        let p = parties();
        assert_eq!(
            after_join(&header(Kind::Join, "qjt-me", None), &p),
            Err(Violation::AfterHandshake(Kind::Join))
        );
        assert_eq!(
            after_join(&header(Kind::Other, "qjt-me", None), &p),
            Err(Violation::UnknownType)
        );
        assert!(matches!(
            after_join(&header(Kind::Leave, "other", None), &p),
            Err(Violation::WrongSender { .. })
        ));
        // Relayed ephemera keep their author's sender.
        assert_eq!(
            after_join(&header(Kind::Ephemeral, "other", None), &p),
            Ok(())
        );
        assert_eq!(
            after_join(&header(Kind::Sync, "qjt-me", Some("elsewhere")), &p),
            Err(Violation::WrongTarget("elsewhere".into()))
        );
        assert_eq!(
            after_join(&header(Kind::Sync, "qjt-me", Some("server")), &p),
            Err(Violation::Incomplete(Kind::Sync))
        );
    }

    #[test]
    fn access_decides_what_a_message_about_a_document_does() {
        let doc = DocumentId::try_from(vec![7u8; 16]).expect("a 16-byte id");
        let notice = header(Kind::RemoteHeadsChanged, "qjt-me", None);
        assert_eq!(judge(&notice, &doc, Access::None), Verdict::Drop);
        assert_eq!(judge(&notice, &doc, Access::ReadOnly), Verdict::Pass(None));

        let mut bad = header(Kind::Sync, "qjt-me", Some("server"));
        bad.data = Some(b"not automerge");
        assert!(matches!(
            judge(&bad, &doc, Access::ReadWrite),
            Verdict::Close(Violation::BadSyncData { .. })
        ));
    }
}
