import AsyncHTTPClient
import Ginkgo
import NIOCore
import Synchronization
import Testing
import TestSupport

@testable import GinkgoStdlib

@Suite(.timeLimit(.minutes(1))) struct HealthEndpointTests {
    /// Holds its stop until released, so a test can look at a daemon that is stopping.
    final class SlowToStop: Service, @unchecked Sendable {
        let recorder = Recorder()
        let release = AsyncStream<Void>.makeStream()
        override func doStop() async throws {
            recorder.record("stopping")
            for await _ in release.stream { break }
        }
    }

    func get(_ url: String) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    @Test func healthLiveAndReadyAnswerWithTheRightCodesIncludingDuringAGracefulStop() async throws {
        let passing = Mutex(true)
        let check = HealthCheck("custom", interval: .milliseconds(10), failures: 1, successes: 1) {
            passing.withLock { $0 } ? "fine" : nil
        }
        let slow = SlowToStop(name: "slow")
        let monitor = HealthMonitor(checks: [check])
        let endpoint = HealthEndpoint(monitor: monitor, port: 0)
        let daemon = Service(name: "daemon")
        daemon.addService(monitor)
        daemon.addService(endpoint)
        daemon.addService(slow)
        try await daemon.start()
        let base = "http://127.0.0.1:\(try #require(endpoint.port))"
        try await eventually("the check to pass") { monitor.status == .up }

        let health = try await get(base + "/health")
        #expect(health.status == 200)
        #expect(health.body.hasPrefix(#"{"checks":{"custom":{"duration_ms":"#), "\(health.body)")
        #expect(health.body.contains(#""output":"fine","status":"up","time":"20"#), "\(health.body)")
        #expect(health.body.hasSuffix(#""status":"up"}"#))
        #expect(try await get(base + "/health/live").status == 200)
        #expect(try await get(base + "/health/ready").status == 200)

        passing.withLock { $0 = false }
        try await eventually("the check to fail") { monitor.status == .down }
        #expect(try await get(base + "/health").status == 503)
        #expect(try await get(base + "/health/ready") == (503, #"{"status":"down"}"#))
        #expect(try await get(base + "/health/live").status == 200)
        passing.withLock { $0 = true }
        try await eventually("the check to pass again") { monitor.status == .up }
        #expect(try await get(base + "/health/ready").status == 200)

        // A graceful stop: not ready from its first moment, while everything still serves.
        let stopping = Task { await daemon.stop() }
        await slow.recorder.wait(for: "stopping")
        #expect(try await get(base + "/health/ready").status == 503)
        #expect(try await get(base + "/health/live").status == 200)
        slow.release.continuation.yield()
        await stopping.value
    }

    @Test func unknownPathsAnswer404AndTheEndpointKeepsServing() async throws {
        let endpoint = HealthEndpoint(monitor: nil, port: 0)
        try await endpoint.start()
        let base = "http://127.0.0.1:\(try #require(endpoint.port))"
        #expect(try await get(base + "/health/nope").status == 404)
        #expect(try await get(base + "/health").status == 200)
        await endpoint.stop()
    }
}
