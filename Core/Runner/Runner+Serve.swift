import Foundation
import Logging
import UnixSignals

extension Runner {
    /// `APP <target>`: checks the configuration, then runs the tree in the foreground, or
    /// launches it as a daemon and waits for its startup report.
    func serve(_ command: ServeCommand) async throws -> Int32 {
        guard let targetName = command.target else {
            print(usage + "\n\n" + serviceList)
            return command.help ? 0 : RunnerError.Code.usage.exitStatus
        }
        let target = try resolve(targetName, overrides: command.overrides)
        let app = target.type.init()
        app.settings = target.settings
        let builtins = RunnerSettings(serviceName: target.name)
        builtins.settings = target.settings
        if command.help {
            print(help(builtins: builtins, app: app), terminator: "")
            return 0
        }
        try check(builtins: builtins, app: app)
        let statusChannel = Daemon.statusChannel()
        if builtins.daemon && statusChannel == nil {
            return try await launchDaemon(target: target, overrides: command.overrides, builtins: builtins)
        }
        return try await runTree(app, builtins: builtins, statusChannel: statusChannel)
    }

    /// Validates every builtin and service setting; a bad one is a configuration error (78).
    func check(builtins: RunnerSettings, app: Service) throws(RunnerError) {
        do {
            try builtins.settings.validateTree(builtins)
            try builtins.checkValues()
            try app.settings.validateTree(app)
        } catch let error as RunnerError {
            throw error
        } catch {
            throw RunnerError(.configuration, "\(error)")
        }
    }

    /// Starts the daemon and reports how its start went.
    func launchDaemon(target: Target, overrides: [String], builtins: RunnerSettings) async throws -> Int32 {
        if let pid = PidFile.livePid(at: builtins.pidfilePath) {
            throw RunnerError(.failure, "\(target.name) is already running with pid \(pid) (\(builtins.pidfilePath))")
        }
        // `serve` named, so that a tool whose default is another command (ginkgoctl) runs it too.
        var arguments = ["serve", target.configFile ?? target.name]
        for override in overrides { arguments += ["--set", override] }
        arguments += ["--set", "daemon=true"]
        switch try await Daemon.launch(arguments: arguments, logfile: builtins.logfilePath) {
        case .ready(let pid):
            print("\(target.name) started (pid \(pid)); logging to \(builtins.logfilePath)")
            return 0
        case .failed(let message):
            throw RunnerError(.failure, "\(target.name) failed to start: \(message)")
        }
    }

    /// Runs the tree in this process until SIGTERM/SIGINT, or until it stops by itself.
    func runTree(_ app: Service, builtins: RunnerSettings, statusChannel: Int32?) async throws -> Int32 {
        let startup = StartupReporter(statusChannel: statusChannel)
        defer { startup.finish() }
        let pidfile = try prepareProcess(builtins, startup: startup)
        defer { pidfile?.remove() }
        return try await serve(app, builtins: builtins, pidfile: pidfile, startup: startup)
    }

    /// Logging, `umask`, `rundir` and the pidfile (always for a daemon; in the foreground when
    /// `pidfile` is set).
    private func prepareProcess(_ builtins: RunnerSettings, startup: StartupReporter) throws(RunnerError) -> PidFile? {
        do {
            try LoggingSetup.apply(builtins, daemonized: startup.daemonized)
            try applyProcessSettings(builtins)
            guard startup.daemonized || builtins.$pidfile.source != .default else { return nil }
            return try PidFile(acquiring: builtins.pidfilePath)
        } catch {
            throw startup.failed(error)
        }
    }

    private func serve(
        _ app: Service,
        builtins: RunnerSettings,
        pidfile: PidFile?,
        startup: StartupReporter
    ) async throws -> Int32 {
        let logger = Logger(label: "runner")
        let signals = SignalListener(
            await UnixSignalsSequence(trapping: .sighup, .sigterm, .sigint),
            app: app,
            reload: { await reload(app, builtins: builtins, logger: logger) }
        )
        defer { signals.cancel() }
        logger.info("Starting \(app.name) (pid \(getpid())).")
        startup.notifier.notify("STATUS=Starting \(app.name)")
        do {
            try await app.start()
        } catch {
            if let signal = signals.stopRequest {
                logger.info("Stopped while starting (\(signal)).")
                _ = startup.failed(RunnerError(.failure, "stopped by \(signal) while starting"))
                return 0
            }
            // A setting that a service found unusable only when it started is still a
            // configuration error.
            let code: RunnerError.Code =
                (error as? ServiceError)?.underlying is SettingError ? .configuration : .failure
            throw startup.failed(RunnerError(code, "\(error)"))
        }
        do {
            try dropPrivileges(builtins, pidfile: pidfile, logger: logger)
        } catch {
            await app.stop()
            throw startup.failed(error)
        }
        startup.ready(app.name)
        logger.info("\(app.name) is ready.")

        let reason = await signals.waitForStop()
        startup.notifier.notify("STOPPING=1")
        logger.info("Stopping (\(reason)).")
        let timeout = builtins.shutdownTimeout
        guard await finishes(within: timeout, { await app.stop() }) else {
            let stuck = Self.unstopped(app).joined(separator: ", ")
            logger.critical("Did not stop within \(timeout.settingDescription): \(stuck)")
            throw RunnerError(.failure, "did not stop within \(timeout.settingDescription): \(stuck)")
        }
        if let failure = app.storage.withLock({ $0.stopFailure }) {
            logger.error("Stopped because \(failure)")
            return RunnerError.Code.failure.exitStatus
        }
        logger.info("Stopped.")
        return 0
    }

    /// `group` then `user`, once the tree has started; the pidfile and log file are given to
    /// the user first, so the daemon can still remove and reopen them.
    private func dropPrivileges(_ builtins: RunnerSettings, pidfile: PidFile?, logger: Logger) throws(RunnerError) {
        let privileges = try Privileges(user: builtins.user, group: builtins.group)
        guard !privileges.isEmpty else { return }
        let uid = privileges.uid ?? getuid()
        let gid = privileges.gid ?? getgid()
        pidfile?.chown(uid: uid, gid: gid)
        _ = chown(builtins.logfilePath, uid, gid)
        try privileges.drop()
        logger.info("Running as uid \(getuid()), gid \(getgid()).")
    }

    /// SIGHUP: re-read the config file (keeping the old one if the new one is broken), re-apply
    /// logging (reopening the log file), then reload the tree.
    func reload(_ app: Service, builtins: RunnerSettings, logger: Logger) async {
        let notifier = SystemdNotifier()
        notifier.notify("RELOADING=1")
        logger.info("Reloading.")
        do {
            try app.settings.reload(validating: [builtins, app])
            try builtins.checkValues()
        } catch {
            logger.error("Keeping the old configuration: \(error)")
        }
        do {
            try LoggingSetup.apply(builtins, daemonized: Daemon.statusChannel() != nil)
        } catch {
            logger.error("\(error)")
        }
        do {
            try await app.reload()
        } catch {
            logger.error("Reload failed: \(error)")
        }
        notifier.notify("READY=1")
    }

    /// `umask` and `rundir`.
    private func applyProcessSettings(_ builtins: RunnerSettings) throws(RunnerError) {
        if let mask = builtins.umask.flatMap({ UInt32($0, radix: 8) }) {
            umask(mode_t(mask))
        }
        if let rundir = builtins.rundirPath, chdir(rundir) != 0 {
            throw RunnerError(
                .configuration,
                "setting rundir: cannot change to \(rundir): \(String(cString: strerror(errno)))"
            )
        }
    }

    /// The paths of the services in the tree that have not stopped.
    static func unstopped(_ service: Service) -> [String] {
        let own = service.state == .stopped ? [] : [service.path]
        return own + service.children.flatMap { unstopped($0) }
    }
}
