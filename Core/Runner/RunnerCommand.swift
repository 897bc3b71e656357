import ArgumentParser

/// The runner's command line, parsed by swift-argument-parser:
/// ```
/// APP <ServiceName | config-file> [--set key=value]... [--help]
/// APP ctl <ServiceName | config-file> start|stop|restart|reload|status|log|logtail
/// APP ctl --pid <pid | pidfile> stop|reload|status
/// APP --version
/// ```
struct RunnerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        subcommands: [ServeCommand.self, CtlCommand.self],
        defaultSubcommand: ServeCommand.self,
        helpNames: []
    )
}

/// `APP <target>`: run a service in the foreground, or as a daemon with `daemon: true`.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", helpNames: [])

    @Argument(help: "A registered service name, or a YAML/JSON config file whose `service` key names one")
    var target: String?

    @Option(name: .customLong("set"), help: "Override a setting (key=value); repeatable")
    var overrides: [String] = []

    @Flag(name: [.customShort("h"), .customLong("help")], help: "Show usage and every setting")
    var help = false
}

/// `APP ctl ...`: manage a daemon.
struct CtlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ctl", helpNames: [])

    @Option(name: [.customShort("p"), .customLong("pid")], help: "A pid or pidfile to use instead of a target")
    var pid: String?

    @Option(name: .customLong("set"), help: "Override a setting (key=value); repeatable")
    var overrides: [String] = []

    @Flag(name: [.customShort("h"), .customLong("help")], help: "Show usage")
    var help = false

    @Argument(help: "The target (unless --pid) and the action")
    var words: [String] = []
}

/// A manager action.
enum CtlAction: String, CaseIterable {
    case start, stop, restart, reload, status, log, logtail

    /// The actions that work with `--pid` alone.
    static let withPid: [CtlAction] = [.stop, .reload, .status]
}
