#if canImport(Glibc)
    import Glibc
#endif

/// Prints the `name value` lines that `Benchmarks/run` reads, unbuffered so a pipe sees each at
/// once.
public enum Report {
    /// Prints `name value`.
    public static func figure(_ name: String, _ value: Double) {
        print("\(name) \(value)")
        fflush(nil)
    }

    /// Prints `name seconds`.
    public static func figure(_ name: String, _ duration: Duration) {
        figure(name, duration.seconds)
    }

    /// Prints that a server listens on `port`, the line the script waits for.
    public static func listening(on port: Int) {
        print("listening \(port)")
        fflush(nil)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
