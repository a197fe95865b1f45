//! One answer to a poisoned lock, used everywhere the server locks one.
//!
//! A mutex is poisoned when a thread panicked while holding it. Every mutex
//! in the server guards a cache or a counter that stays consistent between
//! statements (a map of sessions, a rate bucket, an idle connection pool),
//! so the right answer is to keep using the value: refusing service for the
//! rest of the process's life over one panic would be worse.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Lock `m`, taking the value even if a panicking thread poisoned it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Read-lock `l`, taking the value even if it was poisoned.
pub fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

/// Write-lock `l`, taking the value even if it was poisoned.
pub fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}
