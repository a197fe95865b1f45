//! Roles and what each may reach: pure functions over plain data, so the
//! whole access matrix is tested without a socket.

use std::fmt;

/// Who a token speaks for. A township token always names its township, so
/// "township role without a township" cannot be written down.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    /// Every document read-write, every API, the admin API.
    CountyAdmin,
    /// Every township's document read-only, every report.
    CountyViewer,
    /// One township's document read-write and its own reports.
    Township(String),
}

/// What a peer may do with one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Nothing: the document is not even admitted to exist.
    None,
    /// Receive the document; its changes are ignored.
    ReadOnly,
    /// Receive and send changes.
    ReadWrite,
}

/// Why a role string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    /// Not one of the three roles.
    #[error("没有角色“{0}”：应为 county-admin、county-viewer 或 township")]
    Unknown(String),
    /// `township` without `--township <code>`.
    #[error("township 角色需要乡镇代码 (--township <code>)")]
    MissingTownship,
    /// A county role given a township.
    #[error("{0} 角色不属于某个乡镇，不要给 --township")]
    UnexpectedTownship(String),
}

impl Role {
    /// Build a role from its name and, for `township`, the township code.
    pub fn parse(name: &str, township: Option<&str>) -> Result<Role, RoleError> {
        let township = township.map(str::trim).filter(|t| !t.is_empty());
        match (name.trim(), township) {
            ("county-admin", None) => Ok(Role::CountyAdmin),
            ("county-viewer", None) => Ok(Role::CountyViewer),
            ("township", Some(code)) => Ok(Role::Township(code.to_string())),
            ("township", None) => Err(RoleError::MissingTownship),
            (n @ ("county-admin" | "county-viewer"), Some(_)) => {
                Err(RoleError::UnexpectedTownship(n.to_string()))
            }
            (other, _) => Err(RoleError::Unknown(other.to_string())),
        }
    }

    /// The role's name as stored and shown.
    pub fn name(&self) -> &'static str {
        match self {
            Role::CountyAdmin => "county-admin",
            Role::CountyViewer => "county-viewer",
            Role::Township(_) => "township",
        }
    }

    /// The township of a township token.
    pub fn township(&self) -> Option<&str> {
        match self {
            Role::Township(code) => Some(code),
            _ => None,
        }
    }

    /// Access to a document of `doc_township` (`None`: a document that is
    /// no township's — one a county admin made, or an id nobody has). Only
    /// an admin reaches those: anyone else asking for unknown ids is probing.
    pub fn document_access(&self, doc_township: Option<&str>) -> Access {
        match self {
            Role::CountyAdmin => Access::ReadWrite,
            Role::CountyViewer if doc_township.is_some() => Access::ReadOnly,
            Role::CountyViewer => Access::None,
            Role::Township(own) if doc_township == Some(own.as_str()) => Access::ReadWrite,
            Role::Township(_) => Access::None,
        }
    }

    /// Whether this role may see `township`'s records and reports.
    pub fn may_see(&self, township: &str) -> bool {
        match self {
            Role::CountyAdmin | Role::CountyViewer => true,
            Role::Township(own) => own == township,
        }
    }

    /// Whether this role may use the admin API (tokens, audit).
    pub fn is_admin(&self) -> bool {
        matches!(self, Role::CountyAdmin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Township(code) => write!(f, "township {code}"),
            other => f.write_str(other.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_exactly_the_three_roles() {
        assert_eq!(Role::parse("county-admin", None), Ok(Role::CountyAdmin));
        assert_eq!(Role::parse("county-viewer", None), Ok(Role::CountyViewer));
        assert_eq!(
            Role::parse("township", Some("330825101")),
            Ok(Role::Township("330825101".into()))
        );
        assert_eq!(
            Role::parse("township", Some("  ")),
            Err(RoleError::MissingTownship)
        );
        assert_eq!(
            Role::parse("county-viewer", Some("330825101")),
            Err(RoleError::UnexpectedTownship("county-viewer".into()))
        );
        assert_eq!(
            Role::parse("admin", None),
            Err(RoleError::Unknown("admin".into()))
        );
    }

    #[test]
    fn the_document_matrix() {
        let own = Some("101");
        let other = Some("102");
        let admin = Role::CountyAdmin;
        let viewer = Role::CountyViewer;
        let township = Role::Township("101".into());
        for doc in [own, other, None] {
            assert_eq!(admin.document_access(doc), Access::ReadWrite);
        }
        assert_eq!(viewer.document_access(own), Access::ReadOnly);
        assert_eq!(viewer.document_access(other), Access::ReadOnly);
        assert_eq!(viewer.document_access(None), Access::None);
        assert_eq!(township.document_access(own), Access::ReadWrite);
        assert_eq!(township.document_access(other), Access::None);
        assert_eq!(township.document_access(None), Access::None);
    }

    #[test]
    fn townships_see_only_their_own_and_only_admins_administer() {
        let township = Role::Township("101".into());
        assert!(township.may_see("101"));
        assert!(!township.may_see("102"));
        assert!(Role::CountyViewer.may_see("102"));
        assert!(Role::CountyAdmin.is_admin());
        assert!(!Role::CountyViewer.is_admin());
        assert!(!township.is_admin());
    }
}
