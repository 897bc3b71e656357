import Synchronization

/// Records events in order and lets a test wait for one without sleeping; shared by the test
/// targets.
public final class Recorder: Sendable {
    public init() {}

    private struct Waiter {
        let id: Int
        let event: String
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var events: [String] = []
        var waiters: [Waiter] = []
        var nextWaiter = 0
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

    /// Waits until `event` has been recorded, or the task is cancelled (as the test's time
    /// limit does, so a hung wait ends the test instead of the run).
    public func wait(for event: String) async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state in
                    if state.events.contains(event) || Task.isCancelled { return true }
                    state.waiters.append(Waiter(id: id, event: event, continuation: continuation))
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume()
        }
    }
}
