import Synchronization

/// Thrown by ``withTimeout(_:_:)`` when the operation did not finish in time.
public struct TimeoutError: Error, CustomStringConvertible {
    /// The time the operation had.
    public var timeout: Duration?

    /// An error for an operation that had `timeout`.
    public init(timeout: Duration? = nil) { self.timeout = timeout }

    public var description: String { timeout.map { "timed out after \($0)" } ?? "timed out" }
}

/// Runs `operation`, cancelling it and throwing ``TimeoutError`` if it takes longer than
/// `timeout`. The operation must end when cancelled (as ZeroMQ receives and sleeps do).
///
/// ```swift
/// let reply = try await withTimeout(.seconds(2)) { try await socket.receive() }
/// ```
public func withTimeout<T: Sendable>(
    _ timeout: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimeoutError(timeout: timeout)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Waits for `operation` at most `timeout`; returns whether it finished in time. Unlike
/// ``withTimeout(_:_:)``, it does not wait for an operation that ignores cancellation (such as a
/// stop that hangs): the operation runs on, unobserved, and the caller can give up on it.
func finishes(within timeout: Duration, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
    let outcome = Mutex<CheckedContinuation<Bool, Never>?>(nil)
    let resume: @Sendable (Bool) -> Void = { finished in
        outcome.withLock { continuation in
            continuation?.resume(returning: finished)
            continuation = nil
        }
    }
    return await withCheckedContinuation { continuation in
        outcome.withLock { $0 = continuation }
        let timer = Task {
            // Only a sleep that ran its course times out: a cancelled one means the operation won.
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            resume(false)
        }
        Task {
            await operation()
            resume(true)
            timer.cancel()
        }
    }
}
