#if canImport(Glibc)
    import Glibc
#endif

/// The monotonic clock in nanoseconds, read as the C references read it (`clock_gettime`):
/// where a benchmark times every operation, `ContinuousClock`'s instants (`Int128` attoseconds)
/// would charge its own clock 160 instructions a reading more than the reference's.
///
/// ```swift
/// let sent = Nanoseconds.now
/// // ...
/// trips.append(Nanoseconds.now - sent)
/// ```
public enum Nanoseconds {
    public static var now: Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
    }
}
