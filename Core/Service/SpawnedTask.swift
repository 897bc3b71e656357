import Synchronization

/// A handle on work started with ``Service/spawn(_:)``: wait for it to finish.
///
/// The task belongs to the service that spawned it and is cancelled when that service stops.
/// ```swift
/// let job = spawn { try await self.refreshCache() }
/// try await job.value
/// ```
public struct SpawnedTask: Sendable {
    let completion: Completion

    /// Waits for the task to end; rethrows the error it threw, or `CancellationError` if it was
    /// never run because the service was not running.
    public var value: Void {
        get async throws { try await completion.wait() }
    }

    /// Whether the task has ended.
    public var isFinished: Bool { completion.isFinished }
}

extension SpawnedTask {
    /// One-shot completion that any number of waiters can await.
    final class Completion: Sendable {
        private enum State {
            case pending([CheckedContinuation<Void, any Error>])
            case finished(Result<Void, any Error>)
        }
        private let state = Mutex(State.pending([]))

        var isFinished: Bool {
            state.withLock { if case .finished = $0 { true } else { false } }
        }

        func finish(_ result: Result<Void, any Error>) {
            let waiters: [CheckedContinuation<Void, any Error>] = state.withLock { state in
                guard case .pending(let waiters) = state else { return [] }
                state = .finished(result)
                return waiters
            }
            for waiter in waiters { waiter.resume(with: result) }
        }

        func wait() async throws {
            let finished: Result<Void, any Error>? = state.withLock { state in
                if case .finished(let result) = state { result } else { nil }
            }
            if let finished { return try finished.get() }
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let result: Result<Void, any Error>? = state.withLock { state in
                    switch state {
                    case .finished(let result):
                        return result
                    case .pending(var waiters):
                        waiters.append(continuation)
                        state = .pending(waiters)
                        return nil
                    }
                }
                if let result { continuation.resume(with: result) }
            }
        }
    }
}
