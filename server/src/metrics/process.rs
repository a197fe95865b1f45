//! The process: resident memory and open file descriptors, read from
//! `/proc/self` when scraped, under the names Prometheus's own clients use
//! (`process_resident_memory_bytes`, `process_open_fds`, `process_max_fds`)
//! so ready-made dashboards and alerts find them. Parsing is a pure
//! function over the file's text; [`ProcessStats::read`] is the IO.
//!
//! Beside them, the heap in use (glibc's `mallinfo2`): resident memory
//! alone cannot tell data the server holds from memory the allocator keeps
//! after it was freed, and the first grows with the documents while the
//! second does not come back.

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

/// The process's figures at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessStats {
    /// Resident set size, in bytes (`VmRSS`).
    pub resident_bytes: u64,
    /// Virtual memory size, in bytes (`VmSize`).
    pub virtual_bytes: u64,
    /// File descriptors open (entries of `/proc/self/fd`).
    pub open_fds: u64,
    /// The soft limit on open files (`RLIMIT_NOFILE`).
    pub max_fds: u64,
    /// Bytes the allocator has handed out and not had back (glibc's
    /// `mallinfo2`: `uordblks + hblkhd`); `None` with another libc.
    pub heap_in_use_bytes: Option<u64>,
}

impl ProcessStats {
    /// Read them now; `None` where `/proc/self` cannot be read (not Linux).
    pub fn read() -> Option<ProcessStats> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let (resident_bytes, virtual_bytes) = memory_of(&status)?;
        let open_fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
        Some(ProcessStats {
            resident_bytes,
            virtual_bytes,
            open_fds,
            max_fds: max_fds(),
            heap_in_use_bytes: heap_in_use(),
        })
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn heap_in_use() -> Option<u64> {
    // SAFETY: mallinfo2 takes no arguments and returns a plain struct; it
    // walks glibc's arenas under their locks.
    let info = unsafe { libc::mallinfo2() };
    Some((info.uordblks + info.hblkhd) as u64)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn heap_in_use() -> Option<u64> {
    None
}

/// `VmRSS` and `VmSize` of a `/proc/<pid>/status` text, in bytes.
pub fn memory_of(status: &str) -> Option<(u64, u64)> {
    let kib = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        let value = line[key.len()..].trim().strip_suffix("kB")?.trim();
        value.parse::<u64>().ok().map(|k| k * 1024)
    };
    Some((kib("VmRSS:")?, kib("VmSize:")?))
}

fn max_fds() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes only into the struct passed.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    if got == 0 { limit.rlim_cur } else { 0 }
}

/// The gauges, registered without the `qunjian_` prefix.
#[derive(Debug, Clone, Default)]
pub(super) struct Gauges {
    resident: Gauge,
    virtual_memory: Gauge,
    open_fds: Gauge,
    max_fds: Gauge,
    heap: Gauge,
}

impl Gauges {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let g = Gauges::default();
        registry.register_with_unit(
            "process_resident_memory",
            "Resident memory size in bytes",
            Unit::Bytes,
            g.resident.clone(),
        );
        registry.register_with_unit(
            "process_virtual_memory",
            "Virtual memory size in bytes",
            Unit::Bytes,
            g.virtual_memory.clone(),
        );
        registry.register(
            "process_open_fds",
            "Number of open file descriptors",
            g.open_fds.clone(),
        );
        registry.register(
            "process_max_fds",
            "Maximum number of open file descriptors",
            g.max_fds.clone(),
        );
        registry.register_with_unit(
            "process_heap_in_use",
            "Heap memory allocated and not yet freed (glibc mallinfo2); resident memory above it is kept by the allocator",
            Unit::Bytes,
            g.heap.clone(),
        );
        g
    }

    pub(super) fn set(&self, stats: &ProcessStats) {
        let i = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.resident.set(i(stats.resident_bytes));
        self.virtual_memory.set(i(stats.virtual_bytes));
        self.open_fds.set(i(stats.open_fds));
        self.max_fds.set(i(stats.max_fds));
        if let Some(heap) = stats.heap_in_use_bytes {
            self.heap.set(i(heap));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_read_from_proc_status() {
        let status = "Name:\tqunjian-server\nVmPeak:\t  900000 kB\nVmSize:\t  812344 kB\n\
                      VmRSS:\t   41236 kB\nThreads:\t9\n";
        assert_eq!(memory_of(status), Some((41_236 * 1024, 812_344 * 1024)));
        assert_eq!(memory_of("Name:\tx\n"), None);
        assert_eq!(memory_of("VmRSS:\tlots\nVmSize:\t1 kB\n"), None);
    }

    #[test]
    fn this_process_has_memory_and_descriptors() {
        let stats = ProcessStats::read().expect("/proc/self on Linux");
        assert!(stats.resident_bytes > 0 && stats.virtual_bytes >= stats.resident_bytes);
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        assert!(stats.heap_in_use_bytes.is_some_and(|h| h > 0), "{stats:?}");
        assert!(
            stats.open_fds >= 3 && stats.open_fds <= stats.max_fds,
            "{stats:?}"
        );
    }
}
