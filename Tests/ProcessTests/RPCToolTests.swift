import Foundation
import Ginkgo
import GinkgoStdlib
import Synchronization
import Testing

/// `ginkgo RPCEcho`, `ginkgo call` and `RPCClient` against real processes found through a
/// `ginkgo Registry`, on loopback.
@Suite(.timeLimit(.minutes(2)))
struct RPCToolTests {
    let registry: RegistryProcess

    init() throws {
        registry = try RegistryProcess()
    }

    /// Discovery at the registry, waited for up to 10 s: with the whole suite on 2 cores, a
    /// registry starved past the default 2 s once failed a call (CI, 2026-12-02).
    var discovery: [String] { registry.discovery + ["--set", "discovery.timeout=10s"] }

    func startEcho(_ extra: [String] = []) async throws -> ChildProcess {
        let echo = try ChildProcess("ginkgo", ["RPCEcho"] + discovery + extra)
        await echo.expect("rpcecho is ready.")
        return echo
    }

    func call(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        // The arguments last, so that their `--set`s win over the discovery's.
        try await ChildProcess.run("ginkgo", ["call"] + discovery + arguments)
    }

    @Test func tenThousandCallsSurviveAnInstanceKilledMidway() async throws {
        let registryProcess = try await registry.start()
        let echoes = [try await startEcho(), try await startEcho()]
        let host = ProcessInfo.processInfo.hostName
        let ids = echoes.map { "\(host)-\($0.pid)" }

        var configuration = RPCClient.Configuration()
        configuration.heartbeatInterval = .milliseconds(100)
        configuration.timeout = .seconds(10)
        let client = RPCClient(service: "echo", configuration: configuration)
        // A registry process starved for 2 s (the default timeout) failed the start once, with
        // the whole suite running on 2 cores.
        client.settings = try Settings(overrides: [
            "discovery.endpoints": registry.endpoint, "discovery.timeout": "10s",
        ])
        try await client.start()
        try await waitUntil("both instances to be known") { client.usableInstances == ids.sorted() }

        let total = 10_000
        let killAfter = 3_000
        let victim = echoes[1]
        let killedAt = Mutex<ContinuousClock.Instant?>(nil)
        let started = ContinuousClock.now
        // Who answered (or the error code), and when.
        let outcomes = try await withThrowingTaskGroup(of: (String, ContinuousClock.Instant).self) { group in
            @Sendable func one() async -> (String, ContinuousClock.Instant) {
                do {
                    let me = try await client.call("whoami", [String: String](), as: RPCEcho.Identity.self)
                    return (me.id, .now)
                } catch let error as MessagingError {
                    return ("error \(error.code)", .now)
                } catch {
                    return ("untyped \(error)", .now)
                }
            }
            var launched = 0
            while launched < 64 {
                group.addTask { await one() }
                launched += 1
            }
            var outcomes: [(String, ContinuousClock.Instant)] = []
            for try await outcome in group {
                outcomes.append(outcome)
                if outcomes.count == killAfter {
                    victim.signal(SIGKILL)
                    killedAt.withLock { $0 = .now }
                }
                if launched < total {
                    group.addTask { await one() }
                    launched += 1
                }
            }
            return outcomes
        }
        let elapsed = ContinuousClock.now - started
        let kill = try #require(killedAt.withLock { $0 })
        var counts: [String: Int] = [:]
        for (what, _) in outcomes { counts[what, default: 0] += 1 }
        // Only replies already on their way when it died can come from the killed instance.
        let lateFromVictim = outcomes.filter { $0.0 == ids[1] && $0.1 > kill }.count
        print("RPC kill test: \(counts) in \(elapsed); \(lateFromVictim) answers of the killed one after its kill")

        #expect(outcomes.count == total, "every call ended")
        #expect(counts.keys.allSatisfy { ids.contains($0) || $0.hasPrefix("error ") }, "\(counts)")
        #expect((counts[ids[0]] ?? 0) > killAfter / 4 && (counts[ids[1]] ?? 0) > killAfter / 4, "spread: \(counts)")
        #expect(lateFromVictim <= 64)
        #expect(client.usableInstances == [ids[0]])
        let after = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<200 {
                group.addTask { try await client.call("whoami", [String: String](), as: RPCEcho.Identity.self).id }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(after == [ids[0]], "all calls go to the survivor")

        await client.stop()
        echoes[0].signal(SIGTERM)
        await echoes[0].expectCleanExit()
        registryProcess.signal(SIGTERM)
        await registryProcess.expectCleanExit()
    }

    @Test func ginkgoCallPrintsTheResultAndTypedErrors() async throws {
        let unreachable = try await call(["echo", "echo", "{}", "--set", "discovery.timeout=300ms"])
        #expect(unreachable.status == 1)
        #expect(
            unreachable.output.hasSuffix(
                "ginkgo call: unreachable: registry \(registry.endpoint) did not answer list within 0.3 seconds\n"
            ),
            "\(unreachable.output)"
        )

        let registryProcess = try await registry.start()
        let echo = try await startEcho()

        let echoed = try await call(["echo", "echo", #"{"hello":"world"}"#])
        #expect(echoed == (0, "{\"hello\":\"world\"}\n"), "\(echoed.output)")
        let whoami = try await call(["echo", "whoami", "{}", "--timeout", "2s"])
        #expect(whoami.status == 0)
        #expect(whoami.output.contains(#""pid":\#(echo.pid)"#), "\(whoami.output)")

        let unknown = try await call(["echo", "nope", "{}"])
        #expect(unknown.status == 1)
        #expect(unknown.output.hasPrefix("ginkgo call: unknown_method: "), "\(unknown.output)")
        let missing = try await call(["nosuch", "echo", "{}"])
        #expect(missing.status == 1)
        #expect(missing.output.contains(#"unavailable: no instance of "nosuch""#), "\(missing.output)")
        let invalid = try await call(["echo", "echo", "{not json"])
        #expect(invalid.status == 64)
        #expect(invalid.output.contains("JSON: the parameters are not valid JSON"), "\(invalid.output)")
        let usage = try await call(["echo", "echo"])
        #expect(usage.status == 64)

        echo.signal(SIGTERM)
        await echo.expectCleanExit()
        #expect(echo.output.contains("Deregistered echo/"))
        registryProcess.signal(SIGTERM)
        await registryProcess.expectCleanExit()
    }

    @Test func pyzmqMalformedEnvelopesLeaveRPCEchoServing() async throws {
        let registryProcess = try await registry.start()
        let endpoint = "tcp://127.0.0.1:\(try LoopbackClient.freePort())"
        let echo = try await startEcho(["--set", "rpc.endpoint=\(endpoint)", "--set", "rpc.max_message_size=65536"])
        let script = """
            import json, sys, zmq
            socket = zmq.Context().socket(zmq.DEALER)
            socket.setsockopt(zmq.LINGER, 0)
            socket.connect(sys.argv[1])
            def ask(frames):
                socket.send_multipart(frames)
                if socket.poll(10000) == 0:
                    sys.exit("no reply to %r" % frames[:1])
                header, payload = socket.recv_multipart()
                header = json.loads(header)
                return header["kind"], header.get("id"), json.loads(payload)
            kind, _, error = ask([b"one frame"])
            print(kind, error["code"])
            kind, id, error = ask([json.dumps({"v": 7, "kind": "request", "id": "a", "method": "echo"}).encode(), b"{}"])
            print(kind, id, error["code"])
            big = json.dumps({"v": 1, "kind": "request", "id": "b", "method": "echo"}).encode()
            kind, id, error = ask([big, b"[" + b"1," * 32760 + b"1]"])
            print(kind, id, error["code"])
            kind, id, result = ask([json.dumps({"v": 1, "kind": "request", "id": "c", "method": "echo"}).encode(), b'{"hello":"world"}'])
            print(kind, id, result)
            """
        let peer = try await ChildProcess.run("/usr/bin/python3", ["-c", script, endpoint])
        #expect(
            peer.output
                == "error bad_envelope\nerror a unsupported_version\nerror b too_large\nreply c {'hello': 'world'}\n",
            "\(peer.output)"
        )
        #expect(echo.output.contains("Refused a request: unsupported_version"))
        echo.signal(SIGTERM)
        await echo.expectCleanExit()
        registryProcess.signal(SIGTERM)
        await registryProcess.expectCleanExit()
    }
}
