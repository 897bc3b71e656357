import Foundation
import Testing

/// The cluster of `make demo` — registry, bus proxy, gateway, two workers — run by `make demo-run`
/// (what `make demo` runs once it has built; the build is done already here): traffic spreads
/// over both workers, survives a worker killed with SIGKILL, and the demo leaves nothing behind.
@Suite(.timeLimit(.minutes(3)))
struct ClusterDemoTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// `GET /hello` on the gateway: the HTTP status and the body.
    static func hello(port: Int) async throws -> (status: Int, body: String) {
        let response = try await LoopbackClient.exchange(
            port: port,
            send: "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        ) { _ in false }
        let status = Int(response.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = response.components(separatedBy: "\r\n\r\n").dropFirst().joined()
        return (status, body)
    }

    /// The worker named in a body such as `{"message":"Hello, world!","worker":"worker-2 (pid 1234)"}`.
    static func worker(in body: String) -> (name: String, pid: pid_t)? {
        guard let range = body.range(of: #"worker-\d \(pid \d+\)"#, options: .regularExpression) else { return nil }
        let text = body[range]
        let name = String(text.prefix { $0 != " " })
        let pid = pid_t(text.split(separator: " ").last!.dropLast()) ?? 0
        return (name, pid)
    }

    @Test func trafficSpreadsSurvivesAKilledWorkerAndNothingIsLeftBehind() async throws {
        let ports = try (0..<5).map { _ in try LoopbackClient.freePort() }
        let logs = NSTemporaryDirectory() + "cluster-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let bin = Executables.url("ginkgo").deletingLastPathComponent().path
        let demo = try ChildProcess(
            "/usr/bin/make",
            ["-s", "-C", Self.packageRoot, "demo-run", "BIN=\(bin)"],
            environment: [
                "REGISTRY_PORT": "\(ports[0])", "BUS_PORT": "\(ports[1])", "BUS_SUBSCRIBE_PORT": "\(ports[2])",
                "GATEWAY_PORT": "\(ports[3])",
                "GATEWAY_HEALTH_PORT": "\(ports[4])", "TMPDIR": logs,
            ]
        )
        await demo.expect("stops every process of the cluster.")
        let script = try #require(
            demo.output.components(separatedBy: "(or kill ").dropFirst().first.flatMap {
                pid_t($0.prefix { $0.isNumber })
            }
        )
        #expect(demo.output.contains("Try:        curl http://127.0.0.1:\(ports[3])/hello"), "\(demo.output)")
        #expect(demo.output.contains("ginkgo discover worker"))

        // Both workers answer.
        var answered: [String: pid_t] = [:]
        for _ in 0..<100 {
            let reply = try await Self.hello(port: ports[3])
            #expect(reply.status == 200, "\(reply)")
            if let worker = Self.worker(in: reply.body) { answered[worker.name] = worker.pid }
        }
        #expect(Set(answered.keys) == ["worker-1", "worker-2"], "\(answered)")
        let health = try await LoopbackClient.exchange(
            port: ports[4],
            send: "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        ) { _ in false }
        #expect(health.hasPrefix("HTTP/1.1 200"), "\(health)")

        // One killed: once discovery and the gateway have caught up, every call is answered by the other.
        let victim = try #require(answered["worker-2"])
        kill(victim, SIGKILL)
        try await waitUntil("every call answered by worker-1") {
            let reply = try await Self.hello(port: ports[3])
            return reply.status == 200 && Self.worker(in: reply.body)?.name == "worker-1"
        }
        for _ in 0..<50 {
            let reply = try await Self.hello(port: ports[3])
            #expect(reply.status == 200 && Self.worker(in: reply.body)?.name == "worker-1", "\(reply)")
        }

        // Stopped: no process and no port left. (SIGTERM to `make` itself would end make at once and
        // the script a second later; the script's own SIGTERM lets make exit 0.)
        kill(script, SIGTERM)
        await demo.expectCleanExit()
        #expect(demo.output.contains("Cluster stopped"))
        let survivor = try #require(answered["worker-1"])
        #expect(kill(survivor, 0) != 0, "worker-1 (pid \(survivor)) still runs")
        for port in [ports[0], ports[3], ports[4]] {
            await #expect(throws: (any Error).self, "port \(port) still answers") {
                _ = try await LoopbackClient.exchange(port: port) { _ in true }
            }
        }
    }
}
