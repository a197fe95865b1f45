//! Giving freed memory back to the system, every so often.
//!
//! Why: glibc keeps memory the program freed in its arenas (one per thread
//! that allocated, up to eight per core) for reuse, and returns it to the
//! kernel only from the top of each heap. The server allocates large
//! short-lived buffers (a township's sync message, a compaction's `save()`)
//! on whichever worker thread runs, so freed memory piles up in many
//! arenas: `bench-history` measured 384 MB resident with 51 MB of heap in
//! use after three devices synced a 100,000-change township. Resident
//! memory is what an operator watches and what the OOM killer counts.
//! `malloc_trim(0)` releases the free pages of every arena (glibc 2.8+);
//! it takes milliseconds, so once a minute costs nothing.

use std::time::Duration;

use tokio::sync::watch;

/// How often the server trims.
pub const TRIM_EVERY: Duration = Duration::from_secs(60);

/// Trim every `every` until `stop` turns true.
pub async fn run(every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(every) => {}
        }
        // It walks every arena under its lock: not on a runtime thread.
        match tokio::task::spawn_blocking(trim).await {
            Ok(true) => tracing::debug!("returned freed heap memory to the system"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "the heap trim task failed"),
        }
    }
}

/// Releases free heap memory to the system; `true` if any was released.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn trim() -> bool {
    // SAFETY: malloc_trim only inspects and releases glibc's own free
    // memory; it is safe to call from any thread at any time.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Other allocators give memory back on their own.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_large_heap_goes_back_to_the_system() {
        let resident = || -> u64 {
            let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
            let line = status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .expect("VmRSS");
            let kib = line["VmRSS:".len()..].trim().trim_end_matches("kB").trim();
            kib.parse::<u64>().expect("a number") * 1024
        };
        // Many mid-sized blocks (below the mmap threshold, so they live in
        // the arena), touched, then freed: glibc keeps them.
        let blocks: Vec<Vec<u8>> = (0..2_000).map(|i| vec![i as u8; 64 * 1024]).collect();
        let kept = blocks.iter().step_by(100).cloned().collect::<Vec<_>>();
        drop(blocks);
        let before = resident();
        trim();
        let after = resident();
        drop(kept);
        assert!(
            after + 50 * 1024 * 1024 < before,
            "trim released too little: {before} -> {after} bytes resident"
        );
    }
}
