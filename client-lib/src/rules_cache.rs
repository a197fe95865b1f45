//! The county's rules on the device: fetched from `GET /api/rules` on each
//! successful sync and kept in the replica file's `qunjian_meta`, so the
//! township's 应建未建 and rates computed offline use the thresholds and
//! targets the county's reports use. Before the first fetch the built-in
//! defaults (the seed documents' values) stand in, and [`RulesSource`]
//! says which is in effect so a screen can tell its user.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use qunjian_shared::rules::Rules;

use crate::{ClientError, Replica};

/// The rules as JSON, exactly as the server sent them (parsed once).
const RULES: &str = "county_rules";
/// When they were fetched, in seconds since the Unix epoch.
const RULES_AT: &str = "county_rules_fetched_at";

/// Where the rules in effect come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesSource {
    /// The county's, fetched from its server at this time.
    County {
        /// When the rules were fetched.
        fetched_at: SystemTime,
    },
    /// The built-in defaults: never fetched, or what was stored cannot be
    /// read by this program (a newer server's rules).
    BuiltIn,
}

/// The rules a device computes with, and where they come from.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesInEffect {
    /// The thresholds and targets.
    pub rules: Rules,
    /// Whose they are.
    pub source: RulesSource,
}

impl Replica {
    /// Fetch the county's rules from the server at `server` (its sync or
    /// HTTP address) with this replica's token, within `timeout`, and keep
    /// them in the replica file for [`Replica::rules`].
    pub async fn fetch_rules(&self, server: &str, timeout: Duration) -> Result<Rules, ClientError> {
        let token = self.token().ok_or_else(|| {
            ClientError::Http(
                "获取县里的规则需要令牌 (fetching the county's rules needs a token)".into(),
            )
        })?;
        let tls = self.tls()?;
        let rules: Rules =
            crate::me::get_api(server, "api/rules", token, &tls, Some(timeout)).await?;
        let json = serde_json::to_string(&rules)
            .map_err(|e| ClientError::Http(format!("规则无法保存 (rules not storable): {e}")))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
            .to_string();
        self.meta_put(&[(RULES, &json), (RULES_AT, &now)])?;
        Ok(rules)
    }

    /// The rules to compute with offline: the county's as last fetched,
    /// else the built-in defaults. Never fails: a device without the
    /// county's rules still answers, and says so through the source.
    pub fn rules(&self) -> RulesInEffect {
        let stored = self.meta_get(RULES).and_then(|json| {
            serde_json::from_str::<Rules>(&json)
                .inspect_err(|e| tracing::warn!("stored county rules unreadable: {e}"))
                .ok()
        });
        let fetched_at = self
            .meta_get(RULES_AT)
            .and_then(|s| s.parse::<u64>().ok())
            .map(|secs| UNIX_EPOCH + Duration::from_secs(secs));
        match (stored, fetched_at) {
            (Some(rules), Some(fetched_at)) => RulesInEffect {
                rules,
                source: RulesSource::County { fetched_at },
            },
            _ => RulesInEffect {
                rules: Rules::default(),
                source: RulesSource::BuiltIn,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A replica file of its own under the system's temporary directory.
    async fn scratch_replica(name: &str) -> (Replica, std::path::PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("qunjian-rules-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let replica = Replica::open(dir.join("r.db")).await.expect("open");
        (replica, dir)
    }

    #[tokio::test]
    async fn stored_rules_are_used_and_unreadable_ones_fall_back_to_the_defaults() {
        let (replica, dir) = scratch_replica("roundtrip").await;
        assert_eq!(replica.rules().source, RulesSource::BuiltIn);
        assert_eq!(replica.rules().rules, Rules::default());

        let mut county = Rules::default();
        county.thresholds.union_employees = 20;
        let json = serde_json::to_string(&county).expect("json");
        replica
            .meta_put(&[(RULES, &json), (RULES_AT, "1764547200")])
            .expect("store");
        let in_effect = replica.rules();
        assert_eq!(in_effect.rules, county);
        assert_eq!(
            in_effect.source,
            RulesSource::County {
                fetched_at: UNIX_EPOCH + Duration::from_secs(1_764_547_200)
            }
        );

        // A newer server's rules this program cannot read: the defaults,
        // and said so, rather than half of the county's.
        replica
            .meta_put(&[(RULES, "{\"thresholds\": {\"new_rule\": 1}}")])
            .expect("store");
        assert_eq!(replica.rules().source, RulesSource::BuiltIn);
        assert_eq!(replica.rules().rules, Rules::default());
        replica.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
