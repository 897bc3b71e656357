/// Decides, for an ``RPCServer``'s receive loop, whether a call runs inline or in a task of its
/// own.
///
/// Inline, the handler starts on the loop's thread and runs there until it first suspends: a
/// call that finishes without waiting (most do) costs no thread hop and no wake-up of another
/// thread, which was about a third of the server's CPU per call. A handler that waits (for I/O,
/// another service, a sleep) goes on in its task from that point, like any other.
///
/// The loop must stay free for other calls and heartbeats, so:
/// - a method whose handler held the loop longer than ``longRun`` before it first waited runs in
///   tasks of its own from then on, and is tried inline again after ``recheck`` (so a stall of
///   the machine does not demote a fast method for good);
/// - the loop spends at most ``inlineShare`` of each ``window`` in handlers; past that, calls run
///   in tasks, in parallel on the other threads, which is what a busy server wants from handlers
///   that compute.
///
/// Owned by the one task that runs the receive loop, so it needs no lock.
struct InlineCallPolicy {
    static let longRun = Duration.milliseconds(1)
    static let recheck = Duration.seconds(10)
    static let window = Duration.milliseconds(1)
    static let inlineShare = Duration.microseconds(750)

    /// Methods demoted to tasks, with when each may be tried inline again.
    private var demoted: [String: ContinuousClock.Instant] = [:]
    private var windowStart: ContinuousClock.Instant
    private var busy = Duration.zero

    init(now: ContinuousClock.Instant) {
        windowStart = now
    }

    /// Whether the call of `method` arriving `now` runs inline.
    mutating func runsInline(_ method: String, now: ContinuousClock.Instant) -> Bool {
        if now - windowStart >= Self.window {
            windowStart = now
            busy = .zero
        }
        guard busy < Self.inlineShare else { return false }
        if !demoted.isEmpty, let retry = demoted[method] {
            guard now >= retry else { return false }
            demoted[method] = nil
        }
        return true
    }

    /// Records that an inline call of `method` held the loop for `duration`, ending `now`;
    /// `true` if that demoted the method to tasks of its own.
    mutating func ran(_ method: String, for duration: Duration, now: ContinuousClock.Instant) -> Bool {
        busy += duration
        guard duration > Self.longRun else { return false }
        demoted[method] = now + Self.recheck
        return true
    }
}
