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
    /// never run because the service was not running, or if the waiting task is cancelled (the
    /// spawned task goes on).
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
            case pending([Waiter])
            case finished(Result<Void, any Error>)
        }
        struct Waiter {
            let id: Int
            let continuation: CheckedContinuation<Void, any Error>
        }

        private let state = Mutex(State.pending([]))
        private let nextWaiter = Atomic<Int>(0)

        var isFinished: Bool {
            state.withLock { if case .finished = $0 { true } else { false } }
        }

        func finish(_ result: Result<Void, any Error>) {
            let waiters: [Waiter] = state.withLock { state in
                guard case .pending(let waiters) = state else { return [] }
                state = .finished(result)
                return waiters
            }
            for waiter in waiters { waiter.continuation.resume(with: result) }
        }

        func wait() async throws {
            // Most joins come after the end: no continuation then.
            if case .finished(let result) = state.withLock({ $0 }) { return try result.get() }
            let id = nextWaiter.wrappingAdd(1, ordering: .relaxed).oldValue
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let result: Result<Void, any Error>? = state.withLock { state in
                        switch state {
                        case .finished(let result):
                            return result
                        case .pending(var waiters):
                            if Task.isCancelled { return .failure(CancellationError()) }
                            waiters.append(Waiter(id: id, continuation: continuation))
                            state = .pending(waiters)
                            return nil
                        }
                    }
                    if let result { continuation.resume(with: result) }
                }
            } onCancel: {
                let waiter: Waiter? = state.withLock { state in
                    guard case .pending(var waiters) = state,
                        let index = waiters.firstIndex(where: { $0.id == id })
                    else { return nil }
                    let waiter = waiters.remove(at: index)
                    state = .pending(waiters)
                    return waiter
                }
                waiter?.continuation.resume(throwing: CancellationError())
            }
        }
    }
}
