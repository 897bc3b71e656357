import GinkgoStdlib

/// Runs `backend` in a child task while `body` uses it, then cancels it and waits for its end.
func withRunning<Backend: DiscoveryBackend, T: Sendable>(
    _ backend: Backend,
    _ body: (Backend) async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await backend.run() }
        defer { group.cancelAll() }
        return try await body(backend)
    }
}
