import Ginkgo
import Synchronization
import TestSupport
import Testing

@testable import GinkgoStdlib

/// A stop that begins while a lease renewal is under way deregisters after it, and nothing
/// registers the instance again: no ghost stays in the registry until its lease expires.
@Suite(.timeLimit(.minutes(1))) struct AnnouncerStopTests {
    /// A backend that records what it is asked, and holds the first renewal until released; the
    /// renewal then fails as if the registry had lost the lease (which makes an announcer register
    /// again, unless it is stopping).
    final class HeldRenewal: DiscoveryBackend {
        private struct State {
            var calls: [String] = []
            var release: CheckedContinuation<Void, Never>?
            var held = false
        }
        private let state = Mutex(State())

        var description: String { "a backend holding a renewal" }
        var calls: [String] { state.withLock { $0.calls } }
        var isHoldingARenewal: Bool { state.withLock { $0.release != nil } }

        func run() async throws {}

        func register(_ instance: ServiceInstance, ttl: Duration) async throws {
            state.withLock { $0.calls.append("register") }
        }

        func renew(_ instance: ServiceInstance.Key, ttl: Duration) async throws {
            let first = state.withLock { state in
                defer { state.held = true }
                state.calls.append("renew")
                return !state.held
            }
            guard first else { return }
            await withCheckedContinuation { continuation in state.withLock { $0.release = continuation } }
            throw DiscoveryError(.notRegistered, "lease gone")
        }

        func releaseRenewal() {
            state.withLock { state in
                defer { state.release = nil }
                return state.release
            }?.resume()
        }

        func deregister(_ instance: ServiceInstance.Key) async throws {
            state.withLock { $0.calls.append("deregister") }
        }

        func instances(named name: String?) async throws -> [ServiceInstance] { [] }

        func watch(_ name: String) -> AsyncThrowingStream<WatchUpdate, any Error> {
            AsyncThrowingStream { _ in }
        }
    }

    @Test func aStopDuringARenewalDeregistersAfterItAndDoesNotRegisterAgain() async throws {
        let backend = HeldRenewal()
        let discovery = Discovery(backend: backend)
        let announcer = Announcer(name: "echo", endpoints: ["rpc": "tcp://127.0.0.1:9"], discovery: discovery)
        let tree = Service(name: "tree")
        tree.addService(discovery)
        tree.addService(announcer)
        tree.settings = try Settings(overrides: ["announce.ttl": "300ms"])
        try await tree.start()
        try await eventually("a renewal to be held") { backend.isHoldingARenewal }
        let stopping = Task { await tree.stop() }
        try await eventually("the stop to begin") { announcer.instance == nil }
        backend.releaseRenewal()
        await stopping.value
        #expect(backend.calls == ["register", "renew", "deregister"])
    }
}
