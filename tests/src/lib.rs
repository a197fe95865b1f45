//! Helpers for the end-to-end tests: start real county servers (as
//! processes or in-process) on loopback ports with temporary data dirs.
