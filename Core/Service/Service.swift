import Logging
import Synchronization

/// A component of a daemon that starts, stops and reloads, owns its async work, exposes
/// settings, and may contain child services.
///
/// Subclass it and override the hooks you need; an application is a tree of services built with
/// ``addService(_:)``.
///
/// ```swift
/// final class ExampleService: Service {
///     @Setting("example.setting", default: "Foobar", help: "An example setting")
///     var setting: String
///
///     let child = AnotherService()
///
///     required init() {
///         super.init()
///         addService(child)
///     }
///
///     override func doStart() async throws {
///         logger.info("Service is starting.")
///         spawn { try await self.somethingAsync() }
///     }
///     override func doStop() async throws { logger.info("Service is stopping.") }
///     override func doReload() async throws { logger.info("Service is reloading.") }
/// }
/// ```
///
/// `start()` starts the children in the order they were added, then calls `doStart()` (the other
/// way round when ``startBefore`` is `true`). `stop()` stops the children in reverse order, calls
/// `doStop()`, then cancels and awaits every task the service spawned. `reload()` reaches every
/// node, ordered like start.
///
/// Thread safety: the lifecycle state lives in one `Mutex`, so every method may be called from
/// any task. Subclasses keep their own mutable state safe the same way (a `Mutex`, an actor or
/// immutable `let`s); that is why the class can be `@unchecked Sendable`.
open class Service: @unchecked Sendable {
    let storage = Mutex(Storage())
    private let customName: String?

    /// Creates a service, named after its type unless given a `name` of its own (for when a
    /// parent holds several of one type).
    ///
    /// A subclass that the ``Runner`` creates by name declares `required init()`, which calls
    /// `super.init()`.
    public init(name: String? = nil) {
        self.customName = name
    }

    // MARK: Identity

    /// The service's name: its type's name unless given one at init.
    open var name: String { customName ?? String(describing: type(of: self)) }

    /// The service's place in the tree: its ancestors' names and its own, joined by `/`,
    /// such as `App/Cluster/Registry`.
    public var path: String {
        let (cached, parent) = storage.withLock { ($0.path, $0.parent) }
        if let cached { return cached }
        let path = parent.map { $0.path + "/" + name } ?? name
        storage.withLock { $0.path = path }
        return path
    }

    /// A logger labelled with the service's path.
    public var logger: Logger {
        if let cached = storage.withLock({ $0.logger }) { return cached }
        let logger = Logger(label: path)
        storage.withLock { $0.logger = logger }
        return logger
    }

    // MARK: Hooks and class-level configuration

    /// Starts this service's own part; its children are already started (unless
    /// ``startBefore``). Bind ports, open connections, spawn loops here; do the actual work in
    /// spawned tasks. Call ``deferReady()`` to become ready later with ``setReady()``.
    open func doStart() async throws {}

    /// Stops this service's own part; children are already stopped, and spawned tasks are
    /// cancelled after it returns.
    open func doStop() async throws {}

    /// Called as soon as a stop of this service or of an ancestor begins, on every started
    /// service of the stopping subtree, top-down, before any of them drains or stops. Stop taking
    /// new work here: deregister from discovery, fail readiness checks.
    ///
    /// ```swift
    /// override func willStop() async {
    ///     try? await registry.deregister(me)
    /// }
    /// ```
    open func willStop() async {}

    /// Applies a reload (`SIGHUP`) to this service: settings read through `@Setting` already
    /// show the new values.
    open func doReload() async throws {}

    /// Whether `doStart()` runs before the children start (and `doReload()` before theirs).
    open var startBefore: Bool { false }

    /// How long `start()` waits for a service that called ``deferReady()`` to call
    /// ``setReady()``.
    open var startTimeout: Duration { .seconds(30) }

    /// What happens when a task this service spawned throws.
    open var failurePolicy: FailurePolicy { .stopTree }

    // MARK: State

    /// Where the service is in its lifecycle.
    public var state: ServiceState { storage.withLock { $0.state } }

    /// Whether the service is ``ServiceState/ready``.
    public var isReady: Bool { state == .ready }

    /// The error of the last failed start, failed `doStop()`, or failure that stopped the tree.
    public var lastError: (any Error)? { storage.withLock { $0.lastError } }

    /// Says, from `doStart()`, that the service becomes ready later, when it calls
    /// ``setReady()``; `start()` then waits up to ``startTimeout`` for that.
    public func deferReady() {
        storage.withLock { $0.readyDeferred = true }
    }

    /// Marks a service that called ``deferReady()`` as ready.
    public func setReady() {
        mutate { $0.selfReady = true }
    }

    /// Fails the start of a service that called ``deferReady()``: `start()` throws `error`
    /// (wrapped in a ``ServiceError`` naming the service) without waiting for ``startTimeout``.
    /// Does nothing once the service is ready.
    public func failStart(_ error: any Error) {
        mutate { storage in
            if storage.state == .starting { storage.deferredStartError = error }
        }
    }

    // MARK: The tree

    /// The service this one was added to, if any.
    public var parent: Service? { storage.withLock { $0.parent } }

    /// The child services, in the order they were added.
    public var children: [Service] { storage.withLock { $0.children } }

    /// The top of the tree this service belongs to.
    public var root: Service {
        var node = self
        while let parent = node.parent { node = parent }
        return node
    }

    /// Adds a child service: it starts before this one's `doStart()` and stops before its
    /// `doStop()`. On a running parent the child starts at once.
    ///
    /// A service has at most one parent and cannot contain itself; such an `addService` is
    /// rejected: it is logged, and the next `start()` of this service throws
    /// ``ServiceError/Code/invalidTree``.
    public func addService(_ child: Service) {
        if let problem = treeProblem(adding: child) {
            logger.error("\(problem)")
            storage.withLock { $0.treeError = $0.treeError ?? problem }
            return
        }
        child.clearLoggers()
        let running = storage.withLock { storage in
            storage.children.append(child)
            return storage.state == .starting || storage.state == .ready
        }
        if running {
            spawn { try await child.start() }
        }
    }

    /// Removes a child service; on a running parent the child stops.
    public func removeService(_ child: Service) {
        let (removed, running) = storage.withLock { storage in
            guard let index = storage.children.firstIndex(where: { $0 === child }) else { return (false, false) }
            storage.children.remove(at: index)
            return (true, storage.state == .starting || storage.state == .ready)
        }
        guard removed else { return }
        child.storage.withLock { $0.parent = nil }
        child.clearLoggers()
        if running {
            spawn { await child.stop() }
        }
    }

    private func treeProblem(adding child: Service) -> ServiceError? {
        if child === self {
            return ServiceError(.invalidTree, path: path, reason: "a service cannot be added to itself")
        }
        var ancestor = parent
        while let node = ancestor {
            if node === child {
                return ServiceError(.invalidTree, path: child.path, reason: "it is an ancestor of \(path)")
            }
            ancestor = node.parent
        }
        let attached = child.storage.withLock { storage -> Service? in
            if let existing = storage.parent { return existing }
            storage.parent = self
            return nil
        }
        if let attached {
            return ServiceError(
                .invalidTree,
                path: child.path,
                reason: "it already belongs to \(attached.path); cannot add it to \(path) too"
            )
        }
        return nil
    }

    /// Forgets the cached paths and loggers in this subtree, whose paths changed.
    private func clearLoggers() {
        let children = storage.withLock { storage in
            storage.path = nil
            storage.logger = nil
            return storage.children
        }
        for child in children { child.clearLoggers() }
    }
}
