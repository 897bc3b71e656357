import Ginkgo
import GinkgoNet
import GinkgoZeroMQ
import Hummingbird
import Synchronization
import Testing

@testable import GinkgoStdlib

/// Each kind of check against a real peer on loopback, passing and failing.
@Suite(.timeLimit(.minutes(1))) struct HealthCheckTests {
    /// One probe, bounded by the check's timeout when a test sets a short one; the default two
    /// seconds becomes ten, which a loaded CI machine needs to open a connection now and then.
    func outcome(_ check: HealthCheck) async -> (passed: Bool, output: String) {
        let bound = check.timeout == .seconds(2) ? .seconds(10) : check.timeout
        do {
            let output = try await withTimeout(bound) { try await check.probe() }
            return (output != nil, output ?? "nil")
        } catch {
            return (false, "\(error)")
        }
    }

    @Test func tcpPassesWhenAConnectionOpensAndNamesThePortWhenNot() async throws {
        let server = StreamServer(host: "127.0.0.1", port: 0) { _ in }
        try await server.start()
        let port = try #require(server.port)
        #expect(await outcome(.tcp(host: "127.0.0.1", port: port)).passed)
        await server.stop()
        let closed = await outcome(.tcp(host: "127.0.0.1", port: port))
        #expect(!closed.passed)
        #expect(closed.output.contains("connect to 127.0.0.1:\(port) failed"), "\(closed.output)")
    }

    @Test func httpChecksTheStatusAndTheBody() async throws {
        let router = Router()
        router.get("/ping") { _, _ in "pong" }
        router.get("/broken") { _, _ -> String in throw HTTPError(.internalServerError) }
        let server = HTTPServer(host: "127.0.0.1", port: 0, router: router)
        try await server.start()
        let base = "http://127.0.0.1:\(try #require(server.port))"
        #expect(await outcome(.http(url: base + "/ping", bodyContains: "pong")).passed)
        let wrongBody = await outcome(.http(url: base + "/ping", bodyContains: "ok"))
        #expect(!wrongBody.passed && wrongBody.output.contains(#"without "ok""#), "\(wrongBody.output)")
        let failing = await outcome(.http(url: base + "/broken"))
        #expect(!failing.passed && failing.output.contains("answered 500"), "\(failing.output)")
        await server.stop()
        // Refused or not answered: either way within three seconds.
        #expect(!(await outcome(.http(url: base + "/ping").with(timeout: .seconds(3))).passed))
    }

    @Test func zeroMQPassesWhenAHeartbeatIsAnswered() async throws {
        let router = try Socket(.router)
        defer { router.close() }
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(router.lastEndpoint)
        let answering = Task {
            for try await message in router.messages {
                try await router.send(message)  // identity, header, payload: a heartbeat back
            }
        }
        defer { answering.cancel() }
        #expect(await outcome(.zeroMQ(endpoint: endpoint)).passed)
        answering.cancel()
        router.close()
        let silent = await outcome(.zeroMQ(endpoint: endpoint).with(timeout: .milliseconds(300)))
        #expect(!silent.passed)
    }

    @Test func rpcPassesWhenTheMethodAnswersAndFailsWithItsError() async throws {
        let server = RPCServer(endpoint: "tcp://127.0.0.1:*")
        server.handle("ping") { "pong" }
        try await server.start()
        let endpoint = try #require(server.boundEndpoint)
        #expect(await outcome(.rpc(endpoint: endpoint, method: "ping")).passed)
        let missing = await outcome(.rpc(endpoint: endpoint, method: "nope"))
        #expect(!missing.passed && missing.output.contains("nope failed: unknown_method"), "\(missing.output)")
        await server.stop()
        #expect(!(await outcome(.rpc(endpoint: endpoint, method: "ping").with(timeout: .milliseconds(300))).passed))
    }

    @Test func serviceIsUpWhileTheServiceIsReady() async throws {
        let service = Service(name: "worker")
        let check = HealthCheck.service(service)
        #expect(await outcome(check).output.contains("worker is initial"))
        try await service.start()
        #expect(await outcome(check).passed)
        await service.stop()
        #expect(await outcome(check).output.contains("worker is stopped"))
    }
}
