import Logging

/// The builtin settings of every process the ``Runner`` runs; they come from the same sources as
/// the tree's settings (`--set`, environment, config file).
///
/// | key | type | default | meaning |
/// | --- | --- | --- | --- |
/// | `daemon` | bool | false | detach and run in the background |
/// | `pidfile` | string | `/tmp/<Service>.pid` | pidfile, written atomically and locked |
/// | `logfile` | string | `/tmp/<Service>.log` | log file of a daemon |
/// | `loglevel` | string | info | debug, info, notice, warning, error, critical |
/// | `logconfig.levels` | [string] | [] | levels per logger label: `App/Cluster=debug` |
/// | `logconfig.output` | string | (stderr, or the logfile for a daemon) | stderr, file or syslog |
/// | `logconfig.format` | string | `{timestamp} {level} {label}: {message}` | line template |
/// | `user`, `group` | string | none | drop privileges to these after the tree started |
/// | `umask` | string | none | octal file mode creation mask, such as `022` |
/// | `rundir` | string | none | directory to change to before starting |
/// | `shutdown_timeout` | duration | 30s | how long a stop may take before the process gives up |
final class RunnerSettings: Service, @unchecked Sendable {
    @Setting("daemon", default: false, help: "True or False whether to daemonize")
    var daemon: Bool

    @Setting("pidfile", default: "", help: "Path to pidfile to use when daemonizing")
    var pidfile: String

    @Setting("logfile", default: "", help: "Path to primary log file (used when daemonized)")
    var logfile: String

    @Setting("loglevel", default: "info", help: "Log level: debug, info, notice, warning, error, critical")
    var loglevel: String

    @Setting("logconfig.levels", default: [], help: "Log levels per logger label, as label=level")
    var levels: [String]

    @Setting("logconfig.output", default: nil, help: "Log output: stderr, file (the logfile) or syslog")
    var output: String?

    @Setting("logconfig.format", default: LogFormat.default.template, help: "Log line template")
    var format: String

    @Setting("user", default: nil, help: "Change to a different user after starting")
    var user: String?

    @Setting("group", default: nil, help: "Change to a different group after starting")
    var group: String?

    @Setting("umask", default: nil, help: "Change file mode creation mask (octal) before running")
    var umask: String?

    @Setting("rundir", default: nil, help: "Change to a directory before running")
    var rundir: String?

    @Setting("shutdown_timeout", default: .seconds(30), help: "Time a graceful stop may take")
    var shutdownTimeout: Duration

    /// The service name, for the default pidfile and logfile.
    let serviceName: String

    init(serviceName: String) {
        self.serviceName = serviceName
        super.init(name: "runner")
        _pidfile = Setting("pidfile", default: "/tmp/\(serviceName).pid", help: _pidfile.help)
        _logfile = Setting("logfile", default: "/tmp/\(serviceName).log", help: _logfile.help)
    }

    /// A path setting, resolved against the config file's directory when the file set it.
    func path(_ setting: Setting<String>) -> String {
        settings.resolvePath(settings.value(of: setting), of: setting)
    }

    var pidfilePath: String { path(_pidfile) }
    var logfilePath: String { path(_logfile) }
    var rundirPath: String? { rundir.map { settings.resolvePath($0, of: _rundir) } }

    /// Checks the values no type check catches.
    func checkValues() throws(RunnerError) {
        if Logger.Level(name: loglevel) == nil {
            throw RunnerError(
                .configuration,
                "setting loglevel: expected one of \(Logger.Level.names), got \"\(loglevel)\" (\($loglevel.source))"
            )
        }
        for entry in levels {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, Logger.Level(name: parts[1]) != nil else {
                throw RunnerError(
                    .configuration,
                    "setting logconfig.levels: expected label=level, got \"\(entry)\" (\($levels.source))"
                )
            }
        }
        if let output, !["stderr", "file", "syslog"].contains(output) {
            throw RunnerError(
                .configuration,
                "setting logconfig.output: expected stderr, file or syslog, got \"\(output)\" (\($output.source))"
            )
        }
        if let umask, UInt32(umask, radix: 8) == nil {
            throw RunnerError(
                .configuration,
                "setting umask: expected an octal mask such as 022, got \"\(umask)\" (\($umask.source))"
            )
        }
    }
}
