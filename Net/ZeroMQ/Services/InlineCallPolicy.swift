#if canImport(Glibc)
    import Glibc
#endif

/// Decides, for a receive loop that serves requests (``Replier``, and `RPCServer` in
/// GinkgoStdlib), whether a request runs inline or in a task of its own.
///
/// Inline, the handler starts on the loop's thread and runs there until it first suspends: a
/// request that finishes without waiting (most do) costs no thread hop and no wake-up of another
/// thread, which was about a third of an RPC server's CPU per call. A handler that waits (for
/// I/O, another service, a sleep) goes on in its task from that point, like any other.
///
/// The loop must stay free for other requests (and an RPC server's heartbeats), so:
/// - a kind of request (an RPC method) whose handler held the loop longer than ``longRun``
///   before it first waited, twice within ``strikeWindow``, runs in tasks of its own from then
///   on, and is tried inline again after ``recheck``. Once is not enough: a stall of the machine
///   (a virtual machine's stolen time, a page fault) makes a single call of a fast handler look
///   long. Demoted on one, the echo of `Benchmarks/run` row 5 ran in tasks for 10 s at a time, at
///   90k calls/s instead of 150k, about every 8 s on a 2-vCPU VM. A handler that computes for
///   milliseconds does so again on its next call, and holds the loop twice at most;
/// - the loop spends at most ``inlineShare`` of each ``window`` in handlers; past that, requests
///   run in tasks, in parallel on the other threads, which is what a busy server wants from
///   handlers that compute.
///
/// Owned by the one task that runs the receive loop, so it needs no lock.
package struct InlineCallPolicy {
    package static let longRun = Duration.milliseconds(1)
    package static let recheck = Duration.seconds(10)
    package static let strikeWindow = Duration.seconds(1)
    package static let window = Duration.milliseconds(1)
    package static let inlineShare = Duration.microseconds(750)

    /// A reading of the monotonic clock. The loop reads the clock twice per request it runs
    /// inline: with `ContinuousClock`'s instants (`Int128` attoseconds), the policy took 530
    /// instructions of the 9,600 an RPC call cost the server's loop; with these, 190.
    package typealias Instant = MonotonicInstant

    private static let longRunNanoseconds = longRun.saturatingNanoseconds
    private static let windowNanoseconds = window.saturatingNanoseconds
    private static let inlineShareNanoseconds = inlineShare.saturatingNanoseconds
    private static let strikeWindowNanoseconds = strikeWindow.saturatingNanoseconds

    /// Kinds of request demoted to tasks, with when each may be tried inline again.
    private var demoted: [String: Instant] = [:]
    /// Kinds of request with one long run not yet followed by another, with when it ended.
    private var strikes: [String: Instant] = [:]
    private var windowStart: Instant
    /// Nanoseconds spent in handlers since `windowStart`.
    private var busy: Int64 = 0

    package init(now: Instant) {
        windowStart = now
    }

    /// Whether a request of kind `method` arriving `now` runs inline.
    package mutating func runsInline(_ method: String, now: Instant) -> Bool {
        if now.nanoseconds - windowStart.nanoseconds >= Self.windowNanoseconds {
            windowStart = now
            busy = 0
        }
        guard busy < Self.inlineShareNanoseconds else { return false }
        if !demoted.isEmpty, let retry = demoted[method] {
            guard now >= retry else { return false }
            demoted[method] = nil
        }
        return true
    }

    /// Records that an inline request of kind `method` held the loop from `start` to `end`;
    /// `true` if that demoted the kind to tasks of its own (its second long run within
    /// ``strikeWindow``).
    package mutating func ran(_ method: String, from start: Instant, to end: Instant) -> Bool {
        let held = end.nanoseconds - start.nanoseconds
        busy += held
        guard held > Self.longRunNanoseconds else { return false }
        if let first = strikes[method], end.nanoseconds - first.nanoseconds <= Self.strikeWindowNanoseconds {
            strikes[method] = nil
            demoted[method] = end + Self.recheck
            return true
        }
        strikes[method] = end
        return false
    }
}

extension InlineCallPolicy {
    /// Adds `request` to `group`: started on this thread if the policy runs a `kind` inline now,
    /// else as a task of its own. Returns how long it held the loop when that demoted `kind`.
    package mutating func add(
        _ kind: String,
        to group: inout ThrowingDiscardingTaskGroup<any Error>,
        _ request: @escaping @Sendable () async throws -> Void
    ) -> Duration? {
        guard let start = beginInline(kind) else {
            group.addTask(operation: request)
            return nil
        }
        group.addImmediateTask(operation: request)
        return endInline(kind, startedAt: start)
    }

    /// For a request the loop runs itself, with no task (a handler that cannot wait): when it may
    /// run inline now, the time it starts, for ``endInline(_:startedAt:)``; `nil` when it must
    /// run in a task of its own.
    package mutating func beginInline(_ kind: String) -> Instant? {
        let start = Instant.now
        return runsInline(kind, now: start) ? start : nil
    }

    /// Ends an inline request of `kind` begun at `start`; returns how long it held the loop when
    /// that demoted `kind`.
    package mutating func endInline(_ kind: String, startedAt start: Instant) -> Duration? {
        let end = Instant.now
        return ran(kind, from: start, to: end) ? .nanoseconds(end.nanoseconds - start.nanoseconds) : nil
    }
}
