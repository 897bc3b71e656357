import Synchronization

/// Records events in order and lets a test wait for one without sleeping.
final class Recorder: Sendable {
    private struct State {
        var events: [String] = []
        var waiters: [(event: String, continuation: CheckedContinuation<Void, Never>)] = []
    }
    private let state = Mutex(State())

    func record(_ event: String) {
        let ready = state.withLock { state in
            state.events.append(event)
            let ready = state.waiters.filter { $0.event == event }
            state.waiters.removeAll { $0.event == event }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    var events: [String] { state.withLock { $0.events } }

    func count(_ event: String) -> Int { events.filter { $0 == event }.count }

    /// Waits until `event` has been recorded (the test's time limit is the backstop).
    func wait(for event: String) async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.events.contains(event) { return true }
                state.waiters.append((event, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }
}
