import ArgumentParser
import Foundation
import Ginkgo

/// A `ginkgo` command parsed by swift-argument-parser: usage errors print the parser's message
/// and exit 64, `--help` prints usage and exits 0; otherwise ``execute()`` gives the status.
protocol ToolCommand: ParsableCommand {
    func execute() async -> Int32
}

extension ToolCommand {
    /// The runner command `name`, with the usage line `usage`.
    static func runnerCommand(usage: String) -> Runner.Command {
        Runner.Command(name: configuration.commandName ?? "\(Self.self)", usage: usage) { arguments in
            do {
                let command = try Self.parse(arguments)
                return await command.execute()
            } catch {
                let message = Self.fullMessage(for: error)
                let status = Self.exitCode(for: error).rawValue
                FileHandle(fileDescriptor: status == 0 ? 1 : 2).write(Data((message + "\n").utf8))
                return status == 0 ? 0 : 64
            }
        }
    }
}
