/// Whether an instance should receive work. Resolvers hand out healthy instances only.
public enum InstanceHealth: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Serving; resolvers return it.
    case healthy
    /// Registered but failing its checks; resolvers skip it until it recovers.
    case unhealthy

    /// `healthy` or `unhealthy`.
    public var description: String { rawValue }
}
