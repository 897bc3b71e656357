import Foundation
import Testing

/// `ginkgo HealthChecker` registering a program that is not a Ginkgo daemon (a Python TCP
/// listener) and reporting its health into discovery.
@Suite(.timeLimit(.minutes(2)))
struct HealthCheckerTests {
    @Test func anExternalProgramIsRegisteredWithItsHealth() async throws {
        let tools = try DiscoveryToolTests()
        let registry = try await tools.startRegistry()
        let port = try LoopbackClient.freePort()
        let listen =
            "import socket, sys, time\ns = socket.socket()\ns.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen()\nprint('listening', flush=True)\ntime.sleep(600)"
        let program = try ChildProcess("/usr/bin/python3", ["-c", listen, "\(port)"])
        await program.expect("listening")
        let checker = try ChildProcess(
            "ginkgo",
            [
                "HealthChecker", "--set", "announce.name=legacy", "--set", "announce.endpoints=tcp://127.0.0.1:\(port)",
                "--set", "health.checks=tcp://127.0.0.1:\(port)", "--set", "health.interval=100ms",
                "--set", "health.failures=2", "--set", "health.successes=1",
            ] + tools.discovery
        )
        await checker.expect("healthchecker is ready.")
        try await waitUntil("legacy to be registered") {
            try await tools.discover("legacy").output.contains(" healthy ")
        }

        program.signal(SIGKILL)
        try await waitUntil("legacy to turn unhealthy") {
            try await tools.discover("legacy").output.contains(" unhealthy ")
        }
        await checker.expect("Check \"tcp 127.0.0.1:\(port)\" is down: connect to 127.0.0.1:\(port) failed")

        checker.signal(SIGTERM)
        await checker.expectCleanExit()
        #expect(try await tools.discover("legacy") == (0, ""))
        registry.signal(SIGTERM)
        await registry.expectCleanExit()
    }

    @Test func aCheckItCannotReadIsAClearError() async throws {
        let result = try await ChildProcess.run(
            "ginkgo",
            ["HealthChecker", "--set", "announce.name=x", "--set", "health.checks=ftp://nowhere"]
        )
        #expect(result.status == 78)
        #expect(
            result.output.contains(#"setting health.checks: "ftp://nowhere" is not tcp://HOST:PORT"#),
            "\(result.output)"
        )
    }
}
