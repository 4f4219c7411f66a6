// Package admit shares the upstream application's capacity fairly between
// identities: it decides which request may go to the app now, which waits,
// and which is shed.
//
// # Capacity
//
// The app can work on a limited number of requests at once (its workers).
// The Controller admits at most Limit requests at a time. Limit is either
// fixed (Options.MaxInflight) or adaptive (Options.Auto): it compares each
// upstream time with the fastest time recently seen for the same identity.
// When the app queues internally, upstream times grow past those baselines
// and the limit drops to the number of workers that were busy (Little's law);
// while the limit is in use and times stay flat, it grows, then probes one
// above its settled value now and then, less often after each failed probe.
// It settles at the app's worker count, or one above it for large apps whose
// extra queueing is within the noise. Windows of light traffic that leave
// the app mostly idle say nothing of its capacity and change nothing, and a
// request a few ms late on a busy machine is not queueing. While several
// identities are active the limit grows only by rare probes, since a probe
// past the app's workers makes some light request wait behind slow ones.
//
// # Fairness
//
// A request that finds no room waits in its identity's queue. Identities are
// served by start-time fair queuing on virtual time: each identity carries a
// finish tag, the upstream time it has used divided by its weight. A freed
// slot goes to the waiting identity with the smallest tag. The cost of a
// request is not known when it is admitted, so the identity's recent average
// is charged then and corrected with the measured time on Release: an
// identity sending 200 ms requests pays forty times what one sending 5 ms
// requests pays, and gets that many fewer through. An identity that becomes
// active again starts at the current virtual time, not with credit saved
// while idle, so a newly arriving light identity is served before a heavy
// one that has been using the app.
//
// # Headroom
//
// Queueing alone cannot keep light identities fast. If one identity holds
// every slot, a light request that arrives waits for one of its slow requests
// to finish: up to a whole service time, 200 ms behind a 200 ms endpoint,
// however fair the order. So while more than one identity has been seen
// recently (Options.Recent), a request from an identity that already has one
// in flight is admitted only while fewer than Limit − reserve are in flight
// (reserve = max(1, Limit/8)). The reserve stays free for identities holding
// nothing, which then start at once. When a single identity is active it may
// use the whole capacity, so the app is never idle while work waits.
//
// # Bounds
//
// Per-identity queues are bounded (MaxQueue), so is the total (MaxQueued),
// and so is a request's wait (MaxWait): past them the caller should answer
// 503 with RetryAfter. A waiter whose context ends leaves its queue at once.
// State for an identity exists only while it has requests waiting or in
// flight, and for Options.Recent after (bounded by a cap), to keep its tag.
//
// The package knows nothing of HTTP; it is not a rate limiter (see package
// limit) and it keeps state only in this process.
package admit
