import Ginkgo

extension Service {
    /// Announces endpoints that are known only once bound: adds an ``Announcer`` child and waits
    /// until it has registered (or is retrying in the background). The caller removes it in
    /// `doStop()`, so that a restart announces the endpoints of the new sockets.
    func announce(
        _ name: String,
        endpoints: [String: String],
        tags: [String] = [],
        discovery: Discovery
    ) async throws -> Announcer {
        let announcer = Announcer(name: name, endpoints: endpoints, tags: tags, discovery: discovery)
        addService(announcer)
        try await announcer.start()
        return announcer
    }
}
