//! One way to stop: a `Shutdown` is triggered by SIGINT/SIGTERM or by the
//! code that started the server (tests), and every long-running task
//! watches it. The order of what happens after is in `serve::RunningServer::stop`.

use tokio::sync::watch;

/// The trigger; clone the receiver for every task that must stop.
#[derive(Clone)]
pub struct Shutdown {
    tx: watch::Sender<bool>,
}

impl Shutdown {
    /// A trigger that has not fired.
    pub fn new() -> Self {
        let (tx, _) = watch::channel(false);
        Shutdown { tx }
    }

    /// Fire it. Idempotent.
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    /// A receiver that sees `true` once fired.
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.tx.subscribe()
    }

    /// Resolves once fired.
    pub async fn fired(&self) {
        let mut rx = self.subscribe();
        // wait_for only errs if the sender is gone, and we hold it.
        let _ = rx.wait_for(|fired| *fired).await;
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (systemd, kill).
pub async fn signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        _ = term => tracing::info!("SIGTERM received, shutting down"),
    }
}
