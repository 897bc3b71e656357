import Synchronization

/// Tells whoever waits for the start — the launching `ctl start` through the status pipe, and
/// systemd through `$NOTIFY_SOCKET` — whether the tree became ready.
///
/// A failure is only recorded by ``failed(_:)``; ``finish()`` reports it once the process has
/// cleaned up (removed its pidfile), so `ctl start` never returns before that.
final class StartupReporter: Sendable {
    private struct State {
        var channel: Int32?
        var failure: String?
    }

    private let state: Mutex<State>
    let notifier = SystemdNotifier()
    let daemonized: Bool

    init(statusChannel: Int32?) {
        state = Mutex(State(channel: statusChannel))
        daemonized = statusChannel != nil
    }

    /// Records `error` as the start's outcome and returns it, for `throw startup.failed(error)`.
    func failed(_ error: RunnerError) -> RunnerError {
        state.withLock { $0.failure = $0.failure ?? error.message }
        notifier.notify("STATUS=Failed: \(error.message)")
        return error
    }

    /// Reports that the tree is ready.
    func ready(_ name: String) {
        if let channel = takeChannel() { Daemon.report("READY", on: channel) }
        notifier.notify("READY=1\nSTATUS=Running \(name)")
    }

    /// Reports the recorded failure, if the start was never reported.
    func finish() {
        let failure = state.withLock { $0.failure } ?? "the daemon stopped before it was ready"
        if let channel = takeChannel() { Daemon.report("ERROR \(failure)", on: channel) }
    }

    private func takeChannel() -> Int32? {
        state.withLock { state in
            defer { state.channel = nil }
            return state.channel
        }
    }
}
