//! Counts samod's compactions from its tracing events, so the report can
//! say how many full `doc.save()`s ran inside the build and inside the
//! timed edits (they are what makes an occasional edit slow).

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;

/// Compactions samod has started (its debug event "compacting changes"):
/// each is a full `doc.save()` inside whatever call made the change.
pub static COMPACTIONS: AtomicUsize = AtomicUsize::new(0);

struct CompactionCounter;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CompactionCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(bool);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" && format!("{value:?}") == "compacting changes" {
                    self.0 = true;
                }
            }
        }
        let mut m = Message(false);
        event.record(&mut m);
        if m.0 {
            COMPACTIONS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

pub fn count_compactions() -> anyhow::Result<()> {
    use tracing_subscriber::prelude::*;
    let only = tracing_subscriber::filter::Targets::new().with_target(
        "samod_core::actors::document::on_disk_state",
        tracing::Level::DEBUG,
    );
    tracing_subscriber::registry()
        .with(CompactionCounter.with_filter(only))
        .try_init()
        .context("installing the compaction counter")
}
