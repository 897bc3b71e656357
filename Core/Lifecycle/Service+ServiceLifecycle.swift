import ServiceLifecycle

/// A Ginkgo tree is a swift-service-lifecycle service: put it in a `ServiceGroup` beside other
/// services, and the group's graceful shutdown stops the tree in order.
///
/// ```swift
/// let group = ServiceGroup(services: [app], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
extension Service: ServiceLifecycle.Service {
    /// Starts the tree and runs it until a graceful shutdown (which stops it) or a failure
    /// (which is thrown). Cancellation stops the tree too.
    public func run() async throws {
        try await start()
        try await withGracefulShutdownHandler {
            try await serveForever()
        } onGracefulShutdown: {
            Task { await self.stop() }
        }
    }
}
