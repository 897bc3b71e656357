/// One health check: a probe run every `interval`, at most `timeout` each, whose results pass
/// through thresholds (`failures` in a row to turn down, `successes` in a row to recover).
///
/// ```swift
/// let checks: [HealthCheck] = [
///     .tcp("db", host: "127.0.0.1", port: 5432),
///     .http("api", url: "http://127.0.0.1:8080/ping", bodyContains: "pong"),
///     HealthCheck("disk", interval: .seconds(30)) { try await freeSpace() > 1_000_000_000 ? "ok" : nil },
/// ]
/// ```
/// A probe passes by returning its output (shown in `/health`), and fails by throwing or by
/// returning `nil`.
public struct HealthCheck: Sendable {
    /// The check's name in reports.
    public var name: String
    /// Time between probes.
    public var interval: Duration
    /// How long one probe may take before it counts as failed.
    public var timeout: Duration
    /// Failures in a row that turn the check down.
    public var failures: Int
    /// Successes in a row that bring it back up.
    public var successes: Int
    let probe: @Sendable () async throws -> String?

    /// A check running `probe`.
    public init(
        _ name: String,
        interval: Duration = .seconds(5),
        timeout: Duration = .seconds(2),
        failures: Int = 3,
        successes: Int = 2,
        probe: @escaping @Sendable () async throws -> String?
    ) {
        self.name = name
        self.interval = interval
        self.timeout = timeout
        self.failures = failures
        self.successes = successes
        self.probe = probe
    }

    /// The same check with other timing and thresholds.
    public func with(
        interval: Duration? = nil,
        timeout: Duration? = nil,
        failures: Int? = nil,
        successes: Int? = nil
    ) -> HealthCheck {
        var check = self
        check.interval = interval ?? self.interval
        check.timeout = timeout ?? self.timeout
        check.failures = failures ?? self.failures
        check.successes = successes ?? self.successes
        return check
    }
}

/// Why a probe failed, in words for `/health`.
struct ProbeFailure: Error, CustomStringConvertible {
    let description: String
}
