import ArgumentParser
import Foundation
import Synchronization

/// Turns service types into a complete Unix daemon command: foreground or daemon runs from a
/// service name or a config file, with `--set` overrides, `--help` listing every setting, and
/// `ctl` to manage the daemon.
///
/// ```swift
/// @main
/// struct Quickstart {
///     static func main() {
///         Runner(services: [HelloWorld.self, HelloWorldServer.self], version: "1.0.0").main()
///     }
/// }
/// ```
/// ```
/// quickstart HelloWorld                        # run in the foreground; Ctrl-C stops it
/// quickstart service.conf.yaml --set message=hi
/// quickstart ctl service.conf.yaml start|stop|restart|reload|status|log|logtail
/// ```
/// Exit status: 0 after a clean stop, 1 when the tree fails to start (the message names the
/// failing service's path) or does not stop within `shutdown_timeout`, 64 for a usage error,
/// 78 for a configuration error (naming key, source and value), 3 from `ctl status` when the
/// daemon is not running.
public struct Runner: Sendable {
    let registry: [String: any RunnableService.Type]
    let commands: [Command]
    /// The version `--version` prints.
    public let version: String

    /// A runner for `services`, each runnable by its type's name, with `commands` of its own
    /// besides running and managing them.
    public init(services: [any RunnableService.Type], version: String = "0.1.0", commands: [Command] = []) {
        var registry: [String: any RunnableService.Type] = [:]
        for service in services { registry[service.runnerName] = service }
        self.registry = registry
        self.version = version
        self.commands = commands
    }

    /// A command a tool adds to its runner, such as `ginkgo discover`: it receives the
    /// arguments after its name and returns the exit status.
    ///
    /// ```swift
    /// let hello = Runner.Command(name: "hello", usage: "hello [NAME]") { arguments in
    ///     print("Hello, \(arguments.first ?? "world")!")
    ///     return 0
    /// }
    /// Runner(services: [], commands: [hello]).main()
    /// ```
    public struct Command: Sendable {
        /// The word that selects the command.
        public let name: String
        /// The usage line after the executable's name, such as `hello [NAME]`.
        public let usage: String
        /// Runs the command.
        public let run: @Sendable (_ arguments: [String]) async -> Int32

        /// A command.
        public init(name: String, usage: String, run: @escaping @Sendable (_ arguments: [String]) async -> Int32) {
            self.name = name
            self.usage = usage
            self.run = run
        }
    }

    /// Runs the command line of this process and exits with its status. Call it from a
    /// synchronous `main`.
    ///
    /// The main thread waits here while the runner works on Swift's concurrency threads, rather
    /// than leaving as an `async main` does: a process whose main thread has exited keeps showing
    /// that thread's user in `ps` and `/proc/PID/status` after `user` dropped privileges.
    public func main(arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        let status = Mutex<Int32>(0)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result = await run(arguments: arguments)
            status.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        exit(status.withLock { $0 })
    }

    /// Runs one command line (without the executable's name) and returns the exit status.
    public func run(arguments: [String]) async -> Int32 {
        if arguments == ["--version"] || arguments == ["-v"] {
            print("\(appName) \(version)")
            return 0
        }
        if let name = arguments.first, let command = commands.first(where: { $0.name == name }) {
            return await command.run(Array(arguments.dropFirst()))
        }
        do {
            switch try RunnerCommand.parseAsRoot(arguments) {
            case let command as ServeCommand:
                return try await serve(command)
            case let command as CtlCommand:
                return try await control(command)
            default:
                print(usage)
                return 0
            }
        } catch let error as RunnerError {
            printError(error.message)
            return error.code.exitStatus
        } catch {
            printError(RunnerCommand.message(for: error))
            printError(usage)
            return RunnerError.Code.usage.exitStatus
        }
    }

    func printError(_ message: String) {
        FileHandle.standardError.write(Data("\(appName): \(message)\n".utf8))
    }

    /// A service type, its name, and the settings it runs with.
    struct Target {
        let type: any RunnableService.Type
        let name: String
        let settings: Settings
        /// The absolute path of the config file, if the target was one.
        let configFile: String?
    }

    /// Resolves `<ServiceName | config-file>` with the `--set` overrides.
    func resolve(_ target: String, overrides: [String]) throws(RunnerError) -> Target {
        var pairs: [String: String] = [:]
        for override in overrides {
            guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
                throw RunnerError(.usage, "--set expects key=value, got \"\(override)\"")
            }
            pairs[String(override[..<equals])] = String(override[override.index(after: equals)...])
        }
        let environment = ProcessInfo.processInfo.environment
        let isFile =
            target.contains("/") || [".yaml", ".yml", ".json", ".conf"].contains { target.hasSuffix($0) }
            || FileManager.default.fileExists(atPath: target)
        guard isFile else {
            guard let type = registry[target] else {
                throw RunnerError(.usage, "unknown service \"\(target)\"; \(serviceList)")
            }
            let settings = try configuration { () throws(SettingError) in
                try Settings(overrides: pairs, environment: environment)
            }
            return Target(type: type, name: target, settings: settings, configFile: nil)
        }
        let path = URL(fileURLWithPath: target).standardizedFileURL.path
        let settings = try configuration { () throws(SettingError) in
            try Settings(file: path, overrides: pairs, environment: environment)
        }
        guard let named = settings.fileString(forKey: "service") else {
            throw RunnerError(
                .configuration,
                "config file \(path) names no service: add `service: <ServiceName>` (\(serviceList))"
            )
        }
        // `service: quickstart.HelloWorld` (the original's module path) names HelloWorld too.
        let name = registry[named] == nil ? String(named.split(separator: ".").last ?? "") : named
        guard let type = registry[name] else {
            throw RunnerError(.configuration, "config file \(path): unknown service \"\(named)\"; \(serviceList)")
        }
        return Target(type: type, name: name, settings: settings, configFile: path)
    }

    private func configuration<T>(_ body: () throws(SettingError) -> T) throws(RunnerError) -> T {
        do {
            return try body()
        } catch {
            throw RunnerError(.configuration, "\(error)")
        }
    }
}
