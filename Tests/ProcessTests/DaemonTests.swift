import Foundation
import Testing

/// `quickstart ctl ...` managing a real daemon, as an operator would.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DaemonTests {
    @Test func startStatusReloadStopCycle() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        try sandbox.writeConfig(message: "Services all the way down.", rate: 60)

        let started = try await sandbox.ctl("start")
        #expect(started.status == 0, "\(started.output)")
        #expect(FileManager.default.fileExists(atPath: sandbox.pidfile))
        let status = try await sandbox.ctl("status")
        #expect(status.status == 0 && status.output.contains("running (pid \(sandbox.pidOfDaemon() ?? -1))"))
        await sandbox.waitFor("INFO HelloWorld: Services all the way down.", in: "hello.log")

        try sandbox.writeConfig(message: "Reloaded at 1200.", rate: 1200)
        #expect(try await sandbox.ctl("reload").status == 0)
        await sandbox.waitFor("INFO HelloWorld: Reloaded at 1200.", in: "hello.log", count: 6)
        // The new rate: 1200 a minute is 50 ms apart, where 60 a minute was a second.
        let gaps = Self.gaps(between: "Reloaded at 1200.", in: sandbox.read("hello.log"))
        #expect(gaps.sorted()[gaps.count / 2] < 0.5, "gaps: \(gaps)")

        let stopped = try await sandbox.ctl("stop")
        #expect(stopped.status == 0 && stopped.output.contains("stopped"))
        #expect(try await sandbox.ctl("status").status == 3)
        #expect(!FileManager.default.fileExists(atPath: sandbox.pidfile))
        #expect(sandbox.read("hello.log").contains("INFO HelloWorld: Goodbye."))
        #expect(try await sandbox.ctl("stop").output.contains("not running"))
    }

    @Test func secondStartIsRefusedWhileRunning() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        try sandbox.writeConfig(message: "one", rate: 60)
        #expect(try await sandbox.ctl("start").status == 0)
        let pid = sandbox.pidOfDaemon()
        let second = try await sandbox.ctl("start")
        #expect(second.status == 1)
        #expect(second.output.contains("already running with pid \(pid ?? -1)"))
        #expect(try await sandbox.ctl("stop").status == 0)
    }

    @Test func stalePidfileOfAKilledDaemonIsReplaced() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        try sandbox.writeConfig(message: "killed", rate: 60)
        #expect(try await sandbox.ctl("start").status == 0)
        let killed = try #require(sandbox.pidOfDaemon())
        kill(killed, SIGKILL)
        await Self.waitUntilGone(killed)
        #expect(FileManager.default.fileExists(atPath: sandbox.pidfile))
        let status = try await sandbox.ctl("status")
        #expect(status.status == 3, "\(status.output)")
        let restarted = try await sandbox.ctl("start")
        #expect(restarted.status == 0, "\(restarted.output)")
        #expect(sandbox.pidOfDaemon() != killed)
        #expect(try await sandbox.ctl("stop").status == 0)
    }

    @Test func restartLeavesExactlyOneDaemon() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        let config = try sandbox.writeConfig(message: "restarted", rate: 60)
        #expect(try await sandbox.ctl("start").status == 0)
        let first = try #require(sandbox.pidOfDaemon())
        let restart = try await sandbox.ctl("restart")
        #expect(restart.status == 0, "\(restart.output)")
        let second = try #require(sandbox.pidOfDaemon())
        #expect(second != first)
        #expect(Self.processes(mentioning: config) == [second])
        #expect(try await sandbox.ctl("stop").status == 0)
        #expect(Self.processes(mentioning: config).isEmpty)
    }

    @Test func failedStartMakesCtlStartFailWithTheError() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        try sandbox.writeConfig(message: "never", rate: 0)
        let started = try await sandbox.ctl("start")
        #expect(started.status == 1)
        #expect(started.output.contains("rate_per_minute must be at least 1, got 0"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.pidfile))
        #expect(try await sandbox.ctl("status").status == 3)
    }

    @Test func brokenFileOnReloadKeepsTheOldConfiguration() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        try sandbox.writeConfig(message: "still good", rate: 600)
        #expect(try await sandbox.ctl("start").status == 0)
        await sandbox.waitFor("still good", in: "hello.log")
        try "service: HelloWorld\nmessage: [broken\npidfile: hello.pid\nlogfile: hello.log\n"
            .write(toFile: sandbox.path("service.conf.yaml"), atomically: true, encoding: .utf8)
        // ctl cannot read the broken file either, so the operator names the pidfile.
        let refused = try await sandbox.ctl("reload")
        #expect(refused.status == 78 && refused.output.contains("service.conf.yaml, line 3"))
        let reload = try await ChildProcess.run("quickstart", ["ctl", "--pid", sandbox.pidfile, "reload"])
        #expect(reload.status == 0)
        await sandbox.waitFor("Keeping the old configuration", in: "hello.log")
        let before = sandbox.read("hello.log").components(separatedBy: "still good").count
        await sandbox.waitFor("still good", in: "hello.log", count: before + 2)
        #expect(sandbox.read("hello.log").contains("service.conf.yaml, line 3"))
        #expect(try await ChildProcess.run("quickstart", ["ctl", "--pid", sandbox.pidfile, "stop"]).status == 0)
    }

    @Test func logFileIsReopenedAfterLogrotateAndSIGHUP() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        try sandbox.writeConfig(message: "rotating", rate: 600)
        #expect(try await sandbox.ctl("start").status == 0)
        await sandbox.waitFor("rotating", in: "hello.log")
        try FileManager.default.moveItem(atPath: sandbox.logfile, toPath: sandbox.path("hello.log.1"))
        #expect(try await sandbox.ctl("reload").status == 0)
        await sandbox.waitFor("INFO HelloWorld: rotating", in: "hello.log", count: 2)
        #expect(try await sandbox.ctl("stop").status == 0)
        #expect(sandbox.read("hello.log").contains("Goodbye."))
        #expect(!sandbox.read("hello.log.1").contains("Goodbye."))
    }

    @Test func logAndLogtailShowTheLog() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        try sandbox.writeConfig(message: "tailed", rate: 600)
        #expect(try await sandbox.ctl("start").status == 0)
        await sandbox.waitFor("tailed", in: "hello.log")
        let log = try await sandbox.ctl("log")
        #expect(log.status == 0 && log.output.contains("Starting up!"))
        let tail = try ChildProcess(
            "quickstart",
            ["ctl", "service.conf.yaml", "logtail"],
            directory: sandbox.directory
        )
        let count = sandbox.read("hello.log").components(separatedBy: "tailed").count
        // Lines written after logtail started reach it: it follows the file.
        await sandbox.waitFor("tailed", in: "hello.log", count: count + 3)
        #expect(try await sandbox.ctl("stop").status == 0)
        await tail.expect("Goodbye.")
        #expect(tail.output.components(separatedBy: "tailed").count >= 4)
        // SIGKILL and reap: a test runner started in the background ignores SIGINT, its children
        // inherit that, and logtail outlived such runs.
        tail.signal(SIGKILL)
        _ = await tail.exitStatus()
    }

    @Test func ctlWithPidOrPidfile() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        try sandbox.writeConfig(message: "by pid", rate: 60)
        #expect(try await sandbox.ctl("start").status == 0)
        let pid = try #require(sandbox.pidOfDaemon())
        let status = try await ChildProcess.run("quickstart", ["ctl", "--pid", sandbox.pidfile, "status"])
        #expect(status.status == 0 && status.output.contains("running (pid \(pid))"))
        let byPid = try await ChildProcess.run("quickstart", ["ctl", "--pid", "\(pid)", "reload"])
        #expect(byPid.status == 0)
        let stop = try await ChildProcess.run("quickstart", ["ctl", "--pid", "\(pid)", "stop"])
        #expect(stop.status == 0)
        let bad = try await ChildProcess.run("quickstart", ["ctl", "--pid", "\(pid)", "start"])
        #expect(bad.status == 64 && bad.output.contains("stop|reload|status"))
        let unknown = try await sandbox.ctl("explode")
        #expect(unknown.status == 64 && unknown.output.contains("unknown action \"explode\""))
    }

    @Test func systemdNotifySocketHearsReadyReloadingStopping() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        let listener = try NotifyListener(path: sandbox.path("notify.sock"))
        defer { listener.close() }
        let child = try ChildProcess("quickstart", ["HelloWorld"], environment: ["NOTIFY_SOCKET": listener.path])
        await listener.wait(for: "READY=1")
        child.signal(SIGHUP)
        await listener.wait(for: "RELOADING=1")
        child.signal(SIGTERM)
        await listener.wait(for: "STOPPING=1")
        await child.expectCleanExit()
        #expect(listener.received.contains { $0.contains("STATUS=Running HelloWorld") })
    }

    @Test(.enabled(if: getuid() == 0, "needs root to create a user"))
    func privilegesAreDroppedAfterStart() async throws {
        let sandbox = try Sandbox()
        defer { Task { await sandbox.cleanUp() } }
        let user = "ginkgo\(UInt16.random(in: 1000...60000))"
        let added = try await Self.run("/usr/sbin/useradd", ["--system", "--no-create-home", user])
        try #require(added == 0)
        defer { _ = try? Process.run(URL(fileURLWithPath: "/usr/sbin/userdel"), arguments: [user]).waitUntilExit() }
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: sandbox.directory)
        try sandbox.writeConfig(message: "unprivileged", rate: 600, extra: "user: \(user)")
        let started = try await sandbox.ctl("start")
        #expect(started.status == 0, "\(started.output)")
        let pid = try #require(sandbox.pidOfDaemon())
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let uid = try #require(status.split(separator: "\n").first { $0.hasPrefix("Uid:") })
        #expect(!uid.split(separator: "\t").dropFirst().contains("0"), "\(uid)")
        #expect(try await sandbox.ctl("stop").status == 0)
        #expect(!FileManager.default.fileExists(atPath: sandbox.pidfile))
        let unknownUser = try await ChildProcess.run("quickstart", ["HelloWorld", "--set", "user=nobody-\(user)"])
        #expect(unknownUser.status == 78 && unknownUser.output.contains("no such user"))
    }

    // MARK: Helpers

    /// Seconds between consecutive log lines containing `text`.
    static func gaps(between text: String, in log: String) -> [Double] {
        let times = log.split(separator: "\n").filter { $0.contains(text) }.compactMap { line -> Double? in
            let time = line.split(separator: " ").dropFirst().first ?? ""
            let parts = time.split(whereSeparator: { $0 == ":" || $0 == "," }).compactMap { Double($0) }
            guard parts.count == 4 else { return nil }
            return parts[0] * 3600 + parts[1] * 60 + parts[2] + parts[3] / 1000
        }
        return zip(times.dropFirst(), times).map { $0 - $1 }
    }

    /// The pids of processes whose command line mentions `text`.
    static func processes(mentioning text: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(pid_t.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(text) && DaemonTestsAlive.isAlive(pid)
        }
    }

    static func waitUntilGone(_ pid: pid_t) async {
        while DaemonTestsAlive.isAlive(pid) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    static func run(_ executable: String, _ arguments: [String]) async throws -> Int32 {
        let process = try Process.run(URL(fileURLWithPath: executable), arguments: arguments)
        process.waitUntilExit()
        return process.terminationStatus
    }
}

enum DaemonTestsAlive {
    /// Alive and not a zombie.
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(close, offsetBy: 2)] != "Z"
    }
}
