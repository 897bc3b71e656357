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
