import ArgumentParser
import Foundation
import Ginkgo
import GinkgoStdlib

/// `ginkgo discover [NAME]`: prints the registered instances, one per line, from whichever
/// backend the settings select.
struct DiscoverCommand: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Print the registered instances (of NAME, or all): name, id, endpoints, health, host, pid"
    )

    static let command = runnerCommand(usage: "discover [NAME] [--config FILE] [--set key=value]...")

    @Argument(help: "A service name; every name when absent")
    var name: String?

    @Option(name: .customLong("config"), help: "A YAML/JSON file with discovery.* settings")
    var config: String?

    @Option(name: .customLong("set"), help: "Override a setting (key=value), such as discovery.backend=etcd")
    var overrides: [String] = []

    func execute() async -> Int32 {
        guard let settings = ToolSettings.prepare("discover", file: config, overrides: overrides) else { return 78 }
        let discovery = Discovery()
        discovery.settings = settings
        do {
            try await discovery.start()
            let instances = try await discovery.backend.instances(named: name)
            await discovery.stop()
            for instance in instances { print(instance) }
            return 0
        } catch {
            await discovery.stop()
            ToolSettings.fail("discover", error)
            return 1
        }
    }
}
