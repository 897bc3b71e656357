import Foundation
import Testing

/// A temporary directory holding a test's config file, pidfile and log file, so tests running
/// at once never share them. `ctl` commands run from here.
struct Sandbox {
    let directory: String

    init() throws {
        directory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("ginkgo-process-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory + "/" + name }

    var pidfile: String { path("hello.pid") }
    var logfile: String { path("hello.log") }

    /// Writes `service.conf.yaml`: HelloWorld with `message` and `rate`, pidfile and log file
    /// relative to the sandbox (they resolve against the config file's directory).
    @discardableResult
    func writeConfig(message: String, rate: Int, extra: String = "") throws -> String {
        let config = """
            service: HelloWorld
            message: \(message)
            rate_per_minute: \(rate)
            pidfile: hello.pid
            logfile: hello.log
            shutdown_timeout: 10s
            \(extra)
            """
        try config.write(toFile: path("service.conf.yaml"), atomically: true, encoding: .utf8)
        return path("service.conf.yaml")
    }

    func read(_ name: String) -> String {
        (try? String(contentsOfFile: path(name), encoding: .utf8)) ?? ""
    }

    /// Waits until the file `name` contains `text` `count` times, checking every 20 ms for up to
    /// 30 s; records an issue with the file's contents if it never does.
    func waitFor(
        _ text: String,
        in name: String,
        count: Int = 1,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if read(name).components(separatedBy: text).count - 1 >= count { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(name) never had \(count)× \"\(text)\":\n\(read(name))", sourceLocation: sourceLocation)
    }

    /// Runs `quickstart ctl <config> <action>` from the sandbox.
    func ctl(_ action: String, config: String = "service.conf.yaml", _ extra: [String] = []) async throws
        -> (status: Int32, output: String)
    {
        try await ChildProcess.run("quickstart", ["ctl", config, action] + extra, directory: directory)
    }

    /// Stops a daemon left running and removes the directory.
    func cleanUp() async {
        if let pid = pidOfDaemon() {
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func pidOfDaemon() -> pid_t? {
        pid_t(read("hello.pid").trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
