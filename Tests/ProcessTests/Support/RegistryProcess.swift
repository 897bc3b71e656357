import Testing

/// A `ginkgo Registry` for a process test: a free loopback endpoint, and the `--set` that points
/// other `ginkgo` processes at it.
struct RegistryProcess {
    let endpoint: String
    let discovery: [String]

    init() throws {
        endpoint = "tcp://127.0.0.1:\(try LoopbackClient.freePort())"
        discovery = ["--set", "discovery.endpoints=\(endpoint)"]
    }

    /// Starts the registry and waits until it is ready.
    func start() async throws -> ChildProcess {
        let process = try ChildProcess("ginkgo", ["Registry", "--set", "registry.endpoint=\(endpoint)"])
        await process.expect("registry is ready.")
        return process
    }
}
