import Foundation
import Testing

/// `ginkgo Registry`, `ginkgo Announcer`, `ginkgo discover` and `ginkgoctl`, run as an operator
/// would, on loopback.
@Suite(.timeLimit(.minutes(2)))
struct DiscoveryToolTests {
    let fixture: RegistryProcess
    var registry: String { fixture.endpoint }
    var discovery: [String] { fixture.discovery }

    init() throws {
        fixture = try RegistryProcess()
    }

    func startRegistry() async throws -> ChildProcess {
        try await fixture.start()
    }

    func announce(_ name: String, ttl: String = "10s") async throws -> ChildProcess {
        try await Self.announce(name, ["--set", "announce.ttl=\(ttl)"] + discovery)
    }

    /// `ginkgo Announcer` of `name` at tcp://127.0.0.1:9999, with `settings`, once ready.
    static func announce(_ name: String, _ settings: [String]) async throws -> ChildProcess {
        let announcer = try ChildProcess(
            "ginkgo",
            ["Announcer", "--set", "announce.name=\(name)", "--set", "announce.endpoints=tcp://127.0.0.1:9999"]
                + settings
        )
        await announcer.expect("announcer is ready.")
        return announcer
    }

    func discover(_ name: String? = nil) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run("ginkgo", ["discover"] + (name.map { [$0] } ?? []) + discovery)
    }

    @Test func anAnnouncedServiceIsDiscoveredAndGoesWhenItsProcessIsKilled() async throws {
        let registryProcess = try await startRegistry()
        #expect(try await discover() == (0, ""))

        let announcer = try await announce("demo", ttl: "2s")
        let pid = announcer.pid
        let found = try await discover("demo")
        #expect(found.status == 0)
        let line = "demo \(ProcessInfo.processInfo.hostName)-\(pid) default=tcp://127.0.0.1:9999 healthy"
        #expect(found.output.hasPrefix(line), "\(found.output)")
        #expect(found.output.contains("pid=\(pid)"))
        #expect(found.output.components(separatedBy: "\n").count == 2)
        #expect(try await discover("other") == (0, ""))

        announcer.signal(SIGKILL)
        let killed = ContinuousClock.now
        try await waitUntil("the killed announcer's lease to expire") { try await discover("demo").output.isEmpty }
        let gone = ContinuousClock.now - killed
        #expect(gone < .seconds(2) + .milliseconds(1500), "took \(gone) with a TTL of 2 s")
        await registryProcess.expect("Lease of demo/")

        registryProcess.signal(SIGTERM)
        await registryProcess.expectCleanExit()
    }

    @Test func aCleanStopDeregistersAtOnce() async throws {
        let registryProcess = try await startRegistry()
        let announcer = try await announce("web")
        #expect(try await discover("web").output.contains("web "))
        announcer.signal(SIGTERM)
        await announcer.expectCleanExit()
        #expect(announcer.output.contains("Deregistered web/"))
        #expect(try await discover("web") == (0, ""))
        registryProcess.signal(SIGTERM)
        await registryProcess.expectCleanExit()
    }

    @Test func aRestartedRegistryGetsTheAnnouncerBack() async throws {
        let first = try await startRegistry()
        let announcer = try await announce("demo", ttl: "1500ms")
        #expect(try await discover("demo").output.hasPrefix("demo "))
        first.signal(SIGKILL)
        _ = await first.exitStatus()
        let second = try await startRegistry()
        try await waitUntil("the announcer to register again") { try await discover("demo").output.hasPrefix("demo ") }
        // Registered twice: by a renewal answered "not registered", or by a retry after renewals
        // went unanswered while no registry was there.
        try await waitUntil("the second registration in the log") {
            announcer.output.components(separatedBy: "Registered demo/").count == 3
        }
        announcer.signal(SIGTERM)
        await announcer.expectCleanExit()
        second.signal(SIGTERM)
        await second.expectCleanExit()
    }

    @Test func daemonsFindTheRegistryByItsBeacon() async throws {
        let port = Int.random(in: 40_000...50_000)
        // A beacon is awaited for 5 × discovery.timeout: generous, for a loaded machine.
        let beacon = ["--set", "beacon.port=\(port)", "--set", "discovery.timeout=6s"]
        let registryProcess = try ChildProcess(
            "ginkgo",
            [
                "Registry", "--set", "registry.endpoint=\(registry)", "--set", "registry.beacon=true",
                "--set", "beacon.address=127.255.255.255", "--set", "beacon.interval=200ms",
            ] + beacon
        )
        await registryProcess.expect("registry is ready.")
        let announcer = try await Self.announce("lan", ["--set", "discovery.endpoints=beacon"] + beacon)
        await announcer.expect("Found the registry at \(registry) by its beacon.")
        let found = try await ChildProcess.run(
            "ginkgo",
            ["discover", "lan", "--set", "discovery.endpoints=beacon"] + beacon
        )
        #expect(found.output.hasPrefix("lan "), "\(found.output)")
        announcer.signal(SIGTERM)
        await announcer.expectCleanExit()
        registryProcess.signal(SIGTERM)
        await registryProcess.expectCleanExit()
    }

    @Test func badInputGetsAClearErrorAndANonZeroExit() async throws {
        // No registry there: discover names it.
        let unreachable = try await discover("demo")
        #expect(unreachable.status == 1)
        #expect(
            unreachable.output.contains("unreachable: registry \(registry) did not answer"),
            "\(unreachable.output)"
        )

        let unnamed = try await ChildProcess.run("ginkgo", ["Announcer"] + discovery)
        #expect(unnamed.status == 78)
        #expect(unnamed.output.contains("announce.name"), "\(unnamed.output)")

        let backend = try await ChildProcess.run("ginkgo", ["discover", "--set", "discovery.backend=zookeeper"])
        #expect(backend.status == 1)
        #expect(backend.output.contains(#"discovery.backend: unknown backend "zookeeper""#), "\(backend.output)")

        let flag = try await ChildProcess.run("ginkgo", ["discover", "--bogus"])
        #expect(flag.status == 64)
        #expect(flag.output.contains("--bogus"), "\(flag.output)")
    }

    @Test func ginkgoctlRunsTheRegistryAsADaemon() async throws {
        let directory = NSTemporaryDirectory() + "ginkgoctl-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/registry.yaml"
        try """
        service: Registry
        pidfile: \(directory)/registry.pid
        logfile: \(directory)/registry.log
        registry:
          endpoint: \(registry)
        """.write(toFile: config, atomically: true, encoding: .utf8)

        let started = try await ChildProcess.run("ginkgoctl", [config, "start"])
        #expect(started.status == 0, "\(started.output)")
        #expect(try await ChildProcess.run("ginkgoctl", [config, "status"]).status == 0)
        let announcer = try await announce("worker")
        #expect(try await discover("worker").output.hasPrefix("worker "))
        announcer.signal(SIGTERM)
        await announcer.expectCleanExit()
        let stopped = try await ChildProcess.run("ginkgoctl", [config, "stop"])
        #expect(stopped.status == 0, "\(stopped.output)")
        #expect(try await ChildProcess.run("ginkgoctl", [config, "status"]).status == 3)
    }
}

/// Waits until `condition` holds, checking every 20 ms, at most 30 s.
func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting for \(what)")
}
