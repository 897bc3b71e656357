import Synchronization

/// Bounds how many requests an ``RPCServer`` runs at once: `acquire()` waits, without blocking a
/// thread, until fewer than `limit` are running.
final class RPCSlots: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a slot, waiting for one to be released when all are taken. The receive loop is the
    /// only caller, so waiting in order needs no cancellation: stopping the server ends the
    /// handlers, which release their slots.
    func acquire() async {
        let admitted = state.withLock { state in
            guard state.running < limit else { return false }
            state.running += 1
            return true
        }
        if admitted { return }
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

    /// Gives a slot back, handing it to the next waiter if there is one.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
