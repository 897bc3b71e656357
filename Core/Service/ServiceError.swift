/// An error from the lifecycle of a ``Service``: it names the service by its path in the tree.
///
/// ```swift
/// do {
///     try await app.start()
/// } catch let error as ServiceError {
///     print(error)  // "App/Cluster/Registry failed to start: address already in use"
/// }
/// ```
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Hashable, Sendable {
            case startFailed = "failed to start"
            case startTimedOut = "did not become ready in time"
            case startInterrupted = "was stopped while starting"
            case notReady = "is not ready"
            case invalidTree = "cannot be added to the service tree"
            case timedOut = "timed out"
            case reloadFailed = "failed to reload"
            case taskFailed = "failed in a spawned task"
        }
        let base: Base

        /// `start()` failed: `doStart()` or a child's start threw.
        public static let startFailed = Code(base: .startFailed)
        /// The service deferred readiness and did not call `setReady()` within its `startTimeout`.
        public static let startTimedOut = Code(base: .startTimedOut)
        /// `stop()` was called while `start()` was still running.
        public static let startInterrupted = Code(base: .startInterrupted)
        /// A method that needs a ready service was called on one that is not.
        public static let notReady = Code(base: .notReady)
        /// `addService` was given a service that already has a parent, or the parent itself.
        public static let invalidTree = Code(base: .invalidTree)
        /// `waitUntil(_:timeout:)` ran out of time.
        public static let timedOut = Code(base: .timedOut)
        /// `reload()` failed in `doReload()` of this service or a child.
        public static let reloadFailed = Code(base: .reloadFailed)
        /// A spawned task threw, and the failure policy stopped the tree.
        public static let taskFailed = Code(base: .taskFailed)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The path of the service it happened to, such as `App/Cluster/Registry`.
    public var path: String
    /// Details, in words.
    public var reason: String
    /// The error that caused this one, if any.
    public var underlying: (any Error)?

    /// Creates an error for the service at `path`.
    public init(_ code: Code, path: String, reason: String = "", underlying: (any Error)? = nil) {
        self.code = code
        self.path = path
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String {
        var text = "\(path) \(code)"
        if !reason.isEmpty { text += ": \(reason)" }
        if let underlying { text += ": \(underlying)" }
        return text
    }
}
