import Ginkgo
import GinkgoStdlib
import Testing

/// Runs `body` with a registry in the test process, bound to a free loopback port, and the
/// `--set` arguments that point a child process at it.
func withInProcessRegistry(_ body: (_ endpoint: String, _ arguments: [String]) async throws -> Void) async throws {
    let registry = Registry(endpoint: "tcp://127.0.0.1:*")
    try await registry.start()
    let endpoint = try #require(registry.boundEndpoint)
    do {
        try await body(endpoint, ["--set", "discovery.endpoints=\(endpoint)", "--set", "announce.ttl=2s"])
    } catch {
        await registry.stop()
        throw error
    }
    await registry.stop()
}

/// Runs `body` with a registry, a bus proxy and a started `MessageBus` client in the test
/// process, and the `--set` arguments that point a child process at the registry.
func withInProcessBus(_ body: (BusProxy, MessageBus, _ arguments: [String]) async throws -> Void) async throws {
    try await withInProcessRegistry { registry, arguments in
        let settings = try Settings(overrides: [
            "discovery.endpoints": registry, "discovery.timeout": "10s", "bus.publish_endpoint": "tcp://127.0.0.1:*",
            "bus.subscribe_endpoint": "tcp://127.0.0.1:*",
        ])
        let proxy = BusProxy(discovery: nil)
        proxy.settings = settings
        try await proxy.start()
        let bus = MessageBus()
        bus.settings = settings
        try await bus.start()
        do {
            try await body(proxy, bus, arguments)
        } catch {
            await bus.stop()
            await proxy.stop()
            throw error
        }
        await bus.stop()
        await proxy.stop()
    }
}
