/// Whether a check — or a whole daemon — is healthy.
public enum HealthStatus: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Not checked yet.
    case unknown
    /// Passing.
    case up
    /// Failing.
    case down

    /// `unknown`, `up` or `down`.
    public var description: String { rawValue }
}
