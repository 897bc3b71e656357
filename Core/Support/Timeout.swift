/// Thrown by ``withTimeout(_:_:)`` when the operation did not finish in time.
struct TimeoutError: Error {}

/// Runs `operation`, cancelling it and throwing ``TimeoutError`` if it takes longer than
/// `timeout`.
func withTimeout<T: Sendable>(
    _ timeout: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
