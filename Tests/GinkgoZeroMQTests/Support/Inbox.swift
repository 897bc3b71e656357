import GinkgoZeroMQ
import Synchronization

/// Collects the messages a handler gets and lets a test wait for a number of them, without
/// sleeping.
final class Inbox: Sendable {
    private struct State {
        var messages: [Message] = []
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }
    private let state = Mutex(State())

    func add(_ message: Message) {
        let ready = state.withLock { state in
            state.messages.append(message)
            let count = state.messages.count
            let ready = state.waiters.filter { $0.count <= count }
            state.waiters.removeAll { $0.count <= count }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    var messages: [Message] { state.withLock { $0.messages } }

    /// Waits until at least `count` messages have arrived (the test's time limit is the backstop).
    func wait(for count: Int) async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.messages.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }
}
