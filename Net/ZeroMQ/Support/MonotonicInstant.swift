#if canImport(Glibc)
    import Glibc
#endif

/// A reading of the monotonic clock, in nanoseconds, for the hot paths of the services.
///
/// `ContinuousClock.Instant` is not frozen: its size is known only at run time, and so is the
/// size of any struct that holds one. Such a struct is copied, moved and destroyed through its
/// type's metadata, and held in an async frame it takes a task allocation. The RPC client's calls
/// and instances hold these instead: 8 bytes, copied as an integer.
///
/// ```swift
/// let deadline = MonotonicInstant.now + .seconds(5)
/// if MonotonicInstant.now >= deadline { print("late by \(MonotonicInstant.now - deadline)") }
/// ```
package struct MonotonicInstant: Comparable, Hashable, Sendable {
    /// Nanoseconds since an unspecified start (the machine's boot).
    package var nanoseconds: Int64

    package init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// Now, from `CLOCK_MONOTONIC`.
    package static var now: MonotonicInstant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(nanoseconds: Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec))
    }

    /// `duration` later; an instant past 292 years from boot is the last one.
    package static func + (instant: MonotonicInstant, duration: Duration) -> MonotonicInstant {
        instant.advanced(byNanoseconds: duration.saturatingNanoseconds)
    }

    /// `nanoseconds` later, saturating. Cheaper than `+` for a duration converted once: reading a
    /// `Duration`'s nanoseconds divides a 128-bit number (190 instructions).
    package func advanced(byNanoseconds nanoseconds: Int64) -> MonotonicInstant {
        let (sum, overflow) = self.nanoseconds.addingReportingOverflow(nanoseconds)
        return MonotonicInstant(nanoseconds: overflow ? (sum < 0 ? .max : .min) : sum)
    }

    /// The time from `earlier` to `later`.
    package static func - (later: MonotonicInstant, earlier: MonotonicInstant) -> Duration {
        .nanoseconds(later.nanoseconds &- earlier.nanoseconds)
    }

    package static func < (a: MonotonicInstant, b: MonotonicInstant) -> Bool { a.nanoseconds < b.nanoseconds }
}

extension Duration {
    /// The whole nanoseconds of this duration, or the nearest `Int64` (292 years either way).
    package var saturatingNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (sum, overflowed) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowed ? (sum < 0 ? .max : .min) : sum
    }
}
