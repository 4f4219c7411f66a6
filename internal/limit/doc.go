// Package limit holds per-key limiters in memory: GCRA rate limiting
// (Limiter) and counters of in-flight requests or open connections (Counter).
//
// Both tables are bounded by a maximum number of keys and fail closed when
// full: a new key that finds no room is denied, never admitted with a fresh
// budget. A rate entry is dropped only once its bucket is full again, so
// dropping it gives its key no budget it would not otherwise have; a counter
// entry is dropped as soon as it reaches zero.
//
// Time is passed in as a value, so callers and tests control the clock.
// The package knows nothing of HTTP, identities or configuration, and it
// keeps state only in this process; sharing limits between replicas is the
// job of another store.
package limit
