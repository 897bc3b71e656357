/// Tells whoever waits for the start — the launching `ctl start` through the status pipe, and
/// systemd through `$NOTIFY_SOCKET` — whether the tree became ready.
struct StartupReporter: Sendable {
    let statusChannel: Int32?
    let notifier = SystemdNotifier()

    var daemonized: Bool { statusChannel != nil }

    /// Reports `error` and returns it, for `throw startup.failed(error)`.
    func failed(_ error: RunnerError) -> RunnerError {
        if let statusChannel { Daemon.report("ERROR \(error.message)", on: statusChannel) }
        notifier.notify("STATUS=Failed: \(error.message)")
        return error
    }

    func ready(_ name: String) {
        if let statusChannel { Daemon.report("READY", on: statusChannel) }
        notifier.notify("READY=1\nSTATUS=Running \(name)")
    }
}
