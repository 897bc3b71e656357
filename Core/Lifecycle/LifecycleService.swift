import Logging
import ServiceLifecycle
import Synchronization

/// Runs any swift-service-lifecycle service — a Hummingbird `Application`, a database client —
/// as a child of a Ginkgo service: started with its parent, shut down gracefully with it, and a
/// failure (or an unexpected return) handled by the ``failurePolicy``.
///
/// ```swift
/// let app = Application(router: router)
/// addService(LifecycleService(app, name: "Web"))
/// ```
public final class LifecycleService: Service, @unchecked Sendable {
    /// Thrown through the failure policy when the wrapped service returns while still running.
    public struct ReturnedEarly: Error, CustomStringConvertible {
        /// The path of the ``LifecycleService`` whose service returned.
        public var path: String
        public var description: String { "\(path): the service returned while it should be running" }
    }

    private let service: any ServiceLifecycle.Service
    /// The group running the service and the task running the group, while started.
    private let running = Mutex<(group: ServiceGroup, task: SpawnedTask)?>(nil)

    /// Wraps `service`; the name defaults to its type's name.
    public init(_ service: any ServiceLifecycle.Service, name: String? = nil) {
        self.service = service
        super.init(name: name ?? String(describing: type(of: service)))
    }

    public override func doStart() async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [.init(service: service)], logger: logger)
        )
        let task = spawn {
            try await group.run()
            if self.isReady { throw ReturnedEarly(path: self.path) }
        }
        running.withLock { $0 = (group, task) }
    }

    public override func doStop() async throws {
        guard
            let (group, task) = running.withLock({ state in
                defer { state = nil }; return state
            })
        else { return }
        await group.triggerGracefulShutdown()
        try? await task.value
    }
}
