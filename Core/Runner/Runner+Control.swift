import Foundation

extension Runner {
    /// `APP ctl ...`: the manager.
    func control(_ command: CtlCommand) async throws -> Int32 {
        let actions = CtlAction.allCases.map(\.rawValue).joined(separator: "|")
        if command.help {
            print(usage)
            return 0
        }
        if let pid = command.pid {
            guard command.words.count == 1, let action = CtlAction(rawValue: command.words[0]),
                CtlAction.withPid.contains(action)
            else {
                throw RunnerError(.usage, "ctl --pid takes one action: stop|reload|status")
            }
            return try await control(DaemonHandle(pidOrPidfile: pid), action: action, timeout: .seconds(30))
        }
        guard command.words.count == 2 else {
            throw RunnerError(.usage, "ctl takes a service name or config file, and an action: \(actions)")
        }
        guard let action = CtlAction(rawValue: command.words[1]) else {
            throw RunnerError(.usage, "unknown action \"\(command.words[1])\"; expected \(actions)")
        }
        let target = try resolve(command.words[0], overrides: command.overrides)
        let builtins = RunnerSettings(serviceName: target.name)
        builtins.settings = target.settings
        let app = target.type.init()
        app.settings = target.settings
        try check(builtins: builtins, app: app)
        let handle = DaemonHandle(pidfile: builtins.pidfilePath)
        let timeout = builtins.shutdownTimeout + .seconds(5)
        switch action {
        case .start:
            return try await launchDaemon(target: target, overrides: command.overrides, builtins: builtins)
        case .restart:
            _ = try await control(handle, action: .stop, timeout: timeout)
            return try await launchDaemon(target: target, overrides: command.overrides, builtins: builtins)
        case .log:
            guard let data = FileManager.default.contents(atPath: builtins.logfilePath) else {
                throw RunnerError(.failure, "no log file at \(builtins.logfilePath)")
            }
            FileHandle.standardOutput.write(data)
            return 0
        case .logtail:
            try await LogTail(path: builtins.logfilePath).follow()
            return 0
        case .stop, .reload, .status:
            return try await control(handle, action: action, timeout: timeout)
        }
    }

    /// stop, reload and status of the daemon `handle` points at.
    private func control(_ handle: DaemonHandle, action: CtlAction, timeout: Duration) async throws -> Int32 {
        guard let pid = handle.livePid() else {
            handle.removeStalePidfile()
            print("not running")
            if action == .stop { return 0 }
            return RunnerError.Code.notRunning.exitStatus
        }
        switch action {
        case .status:
            print("running (pid \(pid))")
            return 0
        case .reload:
            kill(pid, SIGHUP)
            print("reloading (pid \(pid))")
            return 0
        default:
            kill(pid, SIGTERM)
            guard await handle.waitForExit(of: pid, timeout: timeout) else {
                throw RunnerError(.failure, "pid \(pid) did not stop within \(timeout)")
            }
            handle.removeStalePidfile()
            print("stopped (pid \(pid))")
            return 0
        }
    }
}

/// What `ctl` knows a daemon by: its pidfile (whose lock tells whether it lives) or a bare pid.
struct DaemonHandle {
    let pidfile: String?
    let pid: pid_t?

    init(pidfile: String) {
        self.pidfile = pidfile
        self.pid = nil
    }

    init(pidOrPidfile: String) {
        if let pid = pid_t(pidOrPidfile) {
            self.pid = pid
            self.pidfile = nil
        } else {
            self.pid = nil
            self.pidfile = pidOrPidfile
        }
    }

    /// The daemon's pid if it is running.
    func livePid() -> pid_t? {
        if let pidfile { return PidFile.livePid(at: pidfile) }
        guard let pid, Self.isAlive(pid) else { return nil }
        return pid
    }

    /// Removes a pidfile whose daemon is gone (killed, so it could not clean up).
    func removeStalePidfile() {
        if let pidfile, PidFile.livePid(at: pidfile) == nil { unlink(pidfile) }
    }

    /// Waits until the daemon has exited: its pidfile lock released and the process `pid` gone
    /// (a zombie counts as gone). The daemon releases the lock before its last steps, so the
    /// lock alone would let `restart` start the new daemon beside the old one.
    func waitForExit(of pid: pid_t, timeout: Duration) async -> Bool {
        let gone = { livePid() == nil && !Self.isAlive(pid) }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if gone() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return gone()
    }

    /// Whether `pid` is a live process (not a zombie).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(close, offsetBy: 2)] != "Z"
    }
}
