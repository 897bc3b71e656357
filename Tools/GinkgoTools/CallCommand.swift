import ArgumentParser
import Foundation
import Ginkgo
import GinkgoStdlib

/// `ginkgo call NAME METHOD JSON`: calls METHOD of an instance of NAME found through discovery
/// and prints the JSON result, the way grpcurl calls gRPC services.
struct CallCommand: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract:
            "Call METHOD of the service NAME (found through discovery) with JSON parameters; print the JSON result"
    )

    static let command = runnerCommand(
        usage: "call NAME METHOD JSON [--timeout 5s] [--config FILE] [--set key=value]..."
    )

    @Argument(help: "The service name, as announced in discovery")
    var name: String

    @Argument(help: "The method to call")
    var method: String

    @Argument(help: "The parameters, as JSON")
    var json: String

    @Option(help: "How long to wait for the result, such as 500ms or 5s")
    var timeout: String = "5s"

    @Option(name: .customLong("config"), help: "A YAML/JSON file with discovery.* settings")
    var config: String?

    @Option(name: .customLong("set"), help: "Override a setting (key=value), such as discovery.endpoints=tcp://...")
    var overrides: [String] = []

    func validate() throws {
        if let problem = JSONSyntax.problem(in: Array(json.utf8)) {
            throw ValidationError("JSON: the parameters are not valid JSON (\(problem)): \(json)")
        }
        guard Duration(settingString: timeout) != nil else {
            throw ValidationError("--timeout: expected a duration such as 500ms or 5s, got \"\(timeout)\"")
        }
    }

    func execute() async -> Int32 {
        guard let settings = ToolSettings.prepare("call", file: config, overrides: overrides) else { return 78 }
        let timeout = Duration(settingString: timeout) ?? .seconds(5)
        var configuration = RPCClient.Configuration()
        configuration.timeout = timeout
        // One call: a slow instance is waited for until the timeout, not given up on earlier.
        configuration.liveness = Int(timeout / configuration.heartbeatInterval) + 1
        let client = RPCClient(service: name, configuration: configuration)
        client.settings = settings
        do {
            try await client.start()
            if client.usableInstances.isEmpty {
                throw MessagingError(.unavailable, "no instance of \"\(name)\" is registered in discovery")
            }
            let result = try await client.call(method, json: Array(json.utf8), timeout: timeout)
            await client.stop()
            FileHandle.standardOutput.write(Data(result + [UInt8(ascii: "\n")]))
            return 0
        } catch {
            await client.stop()
            // A failed start is discovery's error: say that, not which service wrapped it.
            ToolSettings.fail("call", (error as? ServiceError)?.underlying ?? error)
            return 1
        }
    }
}
