/// Where a ``Service`` is in its lifecycle.
///
/// ```
/// initial → starting → ready → stopping → stopped
///              ↑                              │
///              └──────────────────────────────┘  (a stopped service can start again)
/// ```
/// A start that fails ends in ``stopped`` with the error kept in ``Service/lastError``.
public enum ServiceState: String, Sendable, Hashable, CustomStringConvertible {
    /// Created, never started.
    case initial
    /// `start()` is running: children and `doStart()` are starting.
    case starting
    /// Started and ready for work.
    case ready
    /// `stop()` is running: children, `doStop()` and spawned tasks are stopping.
    case stopping
    /// Stopped; may be started again.
    case stopped

    public var description: String { rawValue }
}
