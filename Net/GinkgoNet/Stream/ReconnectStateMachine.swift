import Foundation

/// When a ``StreamClient`` connects again: exponential backoff with jitter, reset once a
/// connection has stayed up for a while.
///
/// A plain value with no I/O: the client reports what happened and sleeps as long as the
/// returned action says. Time comes in as instants of any clock, so tests drive it by hand.
package struct ReconnectStateMachine<Instant: InstantProtocol> where Instant.Duration == Duration {
    /// What the owner does next.
    package enum Action: Equatable {
        /// Wait this long, then connect.
        case reconnect(after: Duration)
    }

    package let policy: ReconnectPolicy
    /// Failed connects (or short-lived connections) since the last stable connection.
    package private(set) var failures = 0
    private var connectedAt: Instant?

    package init(policy: ReconnectPolicy) {
        self.policy = policy
    }

    /// A connection is up.
    package mutating func connected(at now: Instant) {
        connectedAt = now
    }

    /// The connection ended (the peer closed it, it failed, or the handler returned).
    package mutating func disconnected(at now: Instant, using random: inout some RandomNumberGenerator) -> Action {
        if let connectedAt, connectedAt.duration(to: now) >= policy.stableAfter {
            failures = 0
        }
        connectedAt = nil
        return nextAttempt(using: &random)
    }

    /// A connect attempt failed.
    package mutating func connectFailed(using random: inout some RandomNumberGenerator) -> Action {
        nextAttempt(using: &random)
    }

    private mutating func nextAttempt(using random: inout some RandomNumberGenerator) -> Action {
        let exponent = Double(min(failures, 62))
        failures += 1
        let initial = Self.nanoseconds(policy.initialDelay)
        let maximum = Self.nanoseconds(policy.maximumDelay)
        let base = min(initial * pow(policy.multiplier, exponent), maximum)
        let jitter = min(max(policy.jitter, 0), 1)
        // A fraction in [0, 1) from the top 53 bits: one draw, so a test's fixed generator works.
        let fraction = Double(random.next() >> 11) / Double(UInt64(1) << 53)
        let factor = 1 - jitter * fraction
        return .reconnect(after: .nanoseconds(Int64((base * factor).rounded())))
    }

    private static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds / 1_000_000_000)
    }
}

/// How a ``StreamClient`` backs off between connect attempts.
///
/// The n-th attempt in a row waits `initialDelay × multiplierⁿ⁻¹`, at most `maximumDelay`,
/// shortened by a random fraction of up to `jitter` so that many clients do not reconnect in
/// step. A connection that stayed up for `stableAfter` resets the count.
public struct ReconnectPolicy: Sendable, Hashable {
    /// The wait before the first reconnect. Default 100 ms.
    public var initialDelay: Duration
    /// The longest wait. Default 30 s.
    public var maximumDelay: Duration
    /// How much each wait grows. Default 2.
    public var multiplier: Double
    /// The largest fraction taken off a wait at random, 0 to 1. Default 0.2.
    public var jitter: Double
    /// How long a connection must last to reset the backoff. Default 10 s.
    public var stableAfter: Duration

    /// The defaults, changed by any argument given.
    public init(
        initialDelay: Duration = .milliseconds(100),
        maximumDelay: Duration = .seconds(30),
        multiplier: Double = 2,
        jitter: Double = 0.2,
        stableAfter: Duration = .seconds(10)
    ) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = multiplier
        self.jitter = jitter
        self.stableAfter = stableAfter
    }
}
