//! Where a document stands against the county server.

use std::fmt;

/// Whether the county server and this replica hold the same changes of one
/// document, as far as the last sync messages tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    /// A connection to the server is up.
    pub connected: bool,
    /// The server has acknowledged every change this replica holds.
    pub server_has_ours: bool,
    /// This replica holds every change the server advertised.
    pub we_have_servers: bool,
    /// Our heads, sorted hex.
    pub local_heads: Vec<String>,
    /// The server's last advertised heads, sorted hex; `None` before any
    /// sync message about this document.
    pub server_heads: Option<Vec<String>>,
}

impl SyncStatus {
    /// Connected, and neither side is missing a change of the other's.
    pub fn is_synced(&self) -> bool {
        self.connected && self.server_has_ours && self.we_have_servers
    }
}

impl fmt::Display for SyncStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if !self.connected {
            "未连接服务器 (offline)"
        } else if self.is_synced() {
            "已同步 (synced)"
        } else if !self.server_has_ours {
            "本地有未上传的修改 (local changes not yet on the server)"
        } else {
            "正在接收服务器的修改 (receiving the server's changes)"
        };
        write!(f, "{state}; local heads {:?}", self.local_heads)
    }
}
