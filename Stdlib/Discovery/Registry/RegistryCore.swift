import Synchronization

/// A ``RegistryState`` behind a lock, with the queue of messages it produces: every change and
/// the messages it causes are queued under the same lock, so each watcher receives its events in
/// the order of their sequence numbers even though requests and lease expiry run in different
/// tasks.
final class RegistryCore: Sendable {
    private let state: Mutex<RegistryState>
    private let outbox: AsyncStream<RegistryState.Outgoing>.Continuation

    init(state: RegistryState, outbox: AsyncStream<RegistryState.Outgoing>.Continuation) {
        self.state = Mutex(state)
        self.outbox = outbox
    }

    deinit {
        outbox.finish()
    }

    /// Changes the state and queues the messages the change returns.
    func apply(_ change: (inout RegistryState) -> [RegistryState.Outgoing]) {
        state.withLock { state in
            for outgoing in change(&state) { outbox.yield(outgoing) }
        }
    }

    /// Reads the state.
    func withState<T>(_ body: (RegistryState) -> T) -> T {
        state.withLock { body($0) }
    }
}
