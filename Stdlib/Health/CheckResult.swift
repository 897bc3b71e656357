import Foundation

/// The latest result of one check, as `/health` shows it.
public struct CheckResult: Sendable, Hashable, Codable {
    /// The status after thresholds.
    public var status: HealthStatus
    /// What the last probe said: its output, or why it failed.
    public var output: String
    /// How long the last probe took, in milliseconds.
    public var durationMilliseconds: Double
    /// When the last probe ended.
    public var time: Date

    enum CodingKeys: String, CodingKey {
        case status, output, time
        case durationMilliseconds = "duration_ms"
    }
}
