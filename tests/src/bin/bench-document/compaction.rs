//! Counts the storage's compactions from its tracing events, so the report
//! can say how many full `doc.save()`s ran during the build and during the
//! timed edits (they run on the storage's compactor thread, beside the
//! edits, since samod-core no longer compacts on the document's actor).

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;

/// Compactions the storage has started (its debug event "compacting a
/// document's rows"): each is a full `doc.save()` on the compactor thread.
pub static COMPACTIONS: AtomicUsize = AtomicUsize::new(0);

struct CompactionCounter;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CompactionCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(bool);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message"
                    && format!("{value:?}") == "compacting a document's rows"
                {
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
    let only = tracing_subscriber::filter::Targets::new()
        .with_target("qunjian_shared::storage::compactor", tracing::Level::DEBUG);
    tracing_subscriber::registry()
        .with(CompactionCounter.with_filter(only))
        .try_init()
        .context("installing the compaction counter")
}
