import Foundation
import Synchronization

/// Bounds how many requests an ``RPCServer`` runs at once: `acquire()` waits, without blocking a
/// thread, until fewer than `limit` are running.
final class RPCSlots: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
        var idleWaiters: [UUID: CheckedContinuation<Void, any Error>] = [:]
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot if one is free.
    @inline(__always)
    func tryAcquire() -> Bool {
        state.withLock { state in
            guard state.running < limit else { return false }
            state.running += 1
            return true
        }
    }

    /// Takes a slot, waiting for one to be released when all are taken. The receive loop is the
    /// only caller, so waiting in order needs no cancellation: stopping the server ends the
    /// handlers, which release their slots. Out of line: its continuation, of a type whose size is
    /// known only at run time, costs the async function that holds it a task allocation.
    @inline(never)
    func acquire() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                guard state.running < limit else {
                    state.waiting.append(continuation)
                    return false
                }
                state.running += 1
                return true
            }
            if now { continuation.resume() }
        }
    }

    /// Waits until no slot is taken; ends with `CancellationError` when cancelled.
    func drained() async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let idle = state.withLock { state in
                    if state.running == 0 { return true }
                    state.idleWaiters[id] = continuation
                    return false
                }
                if idle { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.idleWaiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Gives a slot back, handing it to the next waiter if there is one.
    func release() {
        let (next, idle) = state.withLock {
            state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, any Error>]) in
            guard state.waiting.isEmpty else { return (state.waiting.removeFirst(), []) }
            state.running -= 1
            // Empty but for a stop waiting to drain: no array to make for every call that ends.
            guard state.running == 0, !state.idleWaiters.isEmpty else { return (nil, []) }
            defer { state.idleWaiters = [:] }
            return (nil, Array(state.idleWaiters.values))
        }
        next?.resume()
        for waiter in idle { waiter.resume() }
    }
}
