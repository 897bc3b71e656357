import Synchronization

/// Records events in order and lets a test wait for one without sleeping; shared by the test
/// targets.
public final class Recorder: Sendable {
    public init() {}

    private struct State {
        public var events: [String] = []
        var waiters: [(event: String, continuation: CheckedContinuation<Void, Never>)] = []
    }
    private let state = Mutex(State())

    public func record(_ event: String) {
        let ready = state.withLock { state in
            state.events.append(event)
            let ready = state.waiters.filter { $0.event == event }
            state.waiters.removeAll { $0.event == event }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    public var events: [String] { state.withLock { $0.events } }

    public func count(_ event: String) -> Int { events.filter { $0 == event }.count }

    /// Waits until `event` has been recorded (the test's time limit is the backstop).
    public func wait(for event: String) async {
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
