/// What a service does when one of its spawned tasks throws.
///
/// The default, ``stopTree``, fails fast: the error is logged with the service path and the whole
/// tree stops from its root, so a runner exits non-zero instead of limping on. A service can
/// choose ``restart(maxRestarts:within:initialBackoff:maximumBackoff:)`` to be restarted like an
/// Erlang/OTP supervisor child, or ``ignore`` to log and carry on.
///
/// ```swift
/// final class Poller: Service {
///     override var failurePolicy: FailurePolicy { .restart(maxRestarts: 5, within: .seconds(60)) }
/// }
/// ```
public struct FailurePolicy: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Hashable, Sendable {
        case stopTree
        case restart(RestartLimits)
        case ignore
    }
    let kind: Kind

    /// Log the error, then stop the whole tree from its root (fail fast).
    public static let stopTree = FailurePolicy(kind: .stopTree)

    /// Log the error and keep running.
    public static let ignore = FailurePolicy(kind: .ignore)

    /// Stop and start the failing service again after an exponential backoff.
    ///
    /// After `maxRestarts` restarts within `within`, the failure escalates to the parent, which
    /// handles it with its own policy as if one of its own tasks had failed.
    public static func restart(
        maxRestarts: Int = 3,
        within: Duration = .seconds(60),
        initialBackoff: Duration = .milliseconds(100),
        maximumBackoff: Duration = .seconds(10)
    ) -> FailurePolicy {
        FailurePolicy(
            kind: .restart(
                RestartLimits(
                    maxRestarts: maxRestarts,
                    window: within,
                    initialBackoff: initialBackoff,
                    maximumBackoff: maximumBackoff
                )
            )
        )
    }

    public var description: String {
        switch kind {
        case .stopTree: "stopTree"
        case .ignore: "ignore"
        case .restart(let limits): "restart(max \(limits.maxRestarts) within \(limits.window))"
        }
    }
}

/// The limits of a restart policy.
struct RestartLimits: Hashable, Sendable {
    var maxRestarts: Int
    var window: Duration
    var initialBackoff: Duration
    var maximumBackoff: Duration
}
