import Foundation

extension Runner {
    /// The executable's name, as typed.
    var appName: String { URL(fileURLWithPath: CommandLine.arguments.first ?? "ginkgo").lastPathComponent }

    var usage: String {
        """
        usage: \(appName) <ServiceName | config-file> [--set key=value]... [--help]
               \(appName) ctl <ServiceName | config-file> start|stop|restart|reload|status|log|logtail
               \(appName) ctl --pid <pid | pidfile> stop|reload|status
               \(appName) --version
        """ + commands.map { "\n       \(appName) \($0.usage)" }.joined()
    }

    var serviceList: String {
        "services: " + registry.keys.sorted().joined(separator: ", ")
    }

    /// Usage, then every builtin setting and every setting of the tree: key, type, help,
    /// default, and the current value with its source.
    func help(builtins: RunnerSettings, app: Service) -> String {
        var text = usage + "\n\n" + serviceList + "\n\nconfig settings:\n"
        text += describe(builtins.settings.describeTree(builtins))
        let serviceSettings = app.settings.describeTree(app)
        text += "\nservice settings (\(app.name)):\n"
        text += serviceSettings.isEmpty ? "  (none)\n" : describe(serviceSettings)
        return text
    }

    private func describe(_ infos: [SettingInfo]) -> String {
        let width = (infos.map(\.key.count).max() ?? 0) + 2
        return infos.map { info in
            let key = info.key.padding(toLength: width, withPad: " ", startingAt: 0)
            let type = info.type.padding(toLength: 10, withPad: " ", startingAt: 0)
            var line = "  \(key)\(type)\(info.help) [\(info.defaultValue.isEmpty ? "none" : info.defaultValue)]\n"
            if info.source != .default {
                let indent = String(repeating: " ", count: width + 12)
                line += "\(indent)current: \(info.currentValue) (\(info.source))\n"
            }
            return line
        }.joined()
    }
}
