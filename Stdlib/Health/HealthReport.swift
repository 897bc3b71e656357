import Foundation

/// The body of `/health`: the overall status and each check's latest result.
///
/// ```json
/// {"checks": {"tcp 127.0.0.1:5432": {"duration_ms": 0.4, "output": "connected ...", "status": "up",
///  "time": "2026-11-22T06:40:00Z"}}, "status": "up"}
/// ```
public struct HealthReport: Sendable, Hashable, Codable {
    /// `up` when the daemon is ready and every check is up; `down` otherwise.
    public var status: HealthStatus
    /// The latest result of each check, by name.
    public var checks: [String: CheckResult]

    /// The report as JSON, keys sorted.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // A struct of strings, numbers and dates always encodes.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
