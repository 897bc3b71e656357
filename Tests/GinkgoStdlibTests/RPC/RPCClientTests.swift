import Foundation
import Ginkgo
import GinkgoZeroMQ
import Testing
import TestSupport

@testable import GinkgoStdlib

/// An echo server announced as `id` through the registry at `registry`.
func startEcho(_ id: String, registry: String, name: String = "echo") async throws -> RPCEcho {
    let echo = RPCEcho()
    echo.settings = try Settings(overrides: [
        "discovery.endpoints": registry, "discovery.timeout": "10s", "announce.id": id, "rpc.name": name,
    ])
    try await echo.start()
    return echo
}

/// Counts the calls of `whoami` each instance answered.
func whoamiCounts(_ client: RPCClient, calls: Int, inFlight: Int = 16) async throws -> [String: Int] {
    try await withThrowingTaskGroup(of: String.self) { group in
        var counts: [String: Int] = [:]
        var started = 0
        while started < min(inFlight, calls) {
            group.addTask { try await client.call("whoami", [String: String](), as: RPCEcho.Identity.self).id }
            started += 1
        }
        for try await id in group {
            counts[id, default: 0] += 1
            if started < calls {
                group.addTask { try await client.call("whoami", [String: String](), as: RPCEcho.Identity.self).id }
                started += 1
            }
        }
        return counts
    }
}

@Suite(.timeLimit(.minutes(1))) struct RPCClientTests {
    var fast: RPCClient.Configuration {
        var configuration = RPCClient.Configuration()
        configuration.heartbeatInterval = .milliseconds(100)
        configuration.timeout = .seconds(10)
        return configuration
    }

    @Test func typedCallsAndTypedErrors() async throws {
        try await withCalculator { _, endpoint in
            let client = RPCClient(endpoints: [endpoint], configuration: fast)
            try await client.start()
            defer { Task { await client.stop() } }
            #expect(try await client.call("add", Numbers(a: 20, b: 22), as: Sum.self) == Sum(sum: 42))
            await #expect(throws: MessagingError(.handlerFailed, "fail failed: boom")) {
                try await client.call("fail", Numbers(a: 1, b: 1), as: Sum.self)
            }
            await #expect(throws: MessagingError.self) { try await client.call("add", ["a": "x"], as: Sum.self) }
            let unknown = await #expect(throws: MessagingError.self) {
                try await client.call("nope", [Int](), as: Sum.self)
            }
            #expect(unknown?.code == .unknownMethod)
            let slow = await #expect(throws: MessagingError.self) {
                try await client.call("slow", [Int](), as: Sum.self, timeout: .milliseconds(200))
            }
            #expect(slow?.code == .timeout)
            let reply = try await client.call("echo", json: Array(#"{"hello":"world"}"#.utf8))
            #expect(String(decoding: reply, as: UTF8.self) == #"{"hello":"world"}"#)
        }
    }

    @Test func manyCallsInFlightOnOneConnection() async throws {
        try await withCalculator { _, endpoint in
            let client = RPCClient(endpoints: [endpoint], configuration: fast)
            try await client.start()
            defer { Task { await client.stop() } }
            let sums = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<500 {
                    group.addTask { try await client.call("add", Numbers(a: n, b: 1), as: Sum.self).sum }
                }
                return try await group.reduce(0, +)
            }
            #expect(sums == (1...500).reduce(0, +))
        }
    }

    /// Callers on the client's executor, on Swift's pool, and both at once: the receiver follows
    /// the latest caller, and no reply is lost when it moves.
    @Test func callersOnTheClientsExecutorOrElsewhereAllGetTheirReplies() async throws {
        try await withCalculator { _, endpoint in
            let client = RPCClient(endpoints: [endpoint], configuration: fast)
            try await client.start()
            defer { Task { await client.stop() } }
            func sums(_ range: Range<Int>, onExecutor: (Int) -> Bool) async throws -> Int {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for n in range {
                        let add = { @Sendable in try await client.call("add", Numbers(a: n, b: 1), as: Sum.self).sum }
                        if onExecutor(n) {
                            group.addTask(executorPreference: client.executor, operation: add)
                        } else {
                            group.addTask(operation: add)
                        }
                    }
                    return try await group.reduce(0, +)
                }
            }
            #expect(try await sums(0..<300) { _ in true } == (1...300).reduce(0, +))
            let followed = client.callersOnExecutor.load(ordering: .relaxed)
            #expect(followed)
            #expect(try await sums(0..<300) { _ in false } == (1...300).reduce(0, +))
            let left = client.callersOnExecutor.load(ordering: .relaxed)
            #expect(!left)
            #expect(try await sums(0..<1000) { $0 % 2 == 0 } == (1...1000).reduce(0, +))
        }
    }

    /// Calls placed on the reactor are held until its turn ends, or until enough are held: a lone
    /// caller's calls still go out at once, and a crowd's go out in batches, each call once.
    @Test func callsHeldOnTheReactorGoOutAloneAndInCrowds() async throws {
        try await withCalculator { _, endpoint in
            var configuration = fast
            configuration.timeout = .seconds(10)
            let client = RPCClient(endpoints: [endpoint], configuration: configuration)
            try await client.start()
            defer { Task { await client.stop() } }
            // One caller: each call is the only one held, and must not wait for company. One
            // that waited for a flush that never came would end with `timeout`, and throw here.
            let alone = try await Task(executorPreference: client.executor) {
                var total = 0
                for n in 0..<200 { total += try await client.call("add", Numbers(a: n, b: 1), as: Sum.self).sum }
                return total
            }.value
            #expect(alone == (1...200).reduce(0, +))
            // A crowd: more callers than one batch holds, resumed together by bursts of replies.
            let crowd = RPCConnection.heldCallsLimit * 5 + 3
            let sums = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<crowd {
                    group.addTask(executorPreference: client.executor) {
                        var total = 0
                        for round in 0..<20 {
                            total += try await client.call("add", Numbers(a: n, b: round), as: Sum.self).sum
                        }
                        return total
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(sums == (0..<crowd).reduce(0) { $0 + 20 * $1 } + crowd * (0..<20).reduce(0, +))
        }
    }

    @Test func aSilentInstanceIsNoticedByHeartbeatsAndItsCallsGoElsewhere() async throws {
        // A ROUTER that takes requests and never answers: a hung or dead server.
        let silent = try Socket(.router)
        defer { silent.close() }
        try silent.bind("tcp://127.0.0.1:*")
        try await withCalculator { _, endpoint in
            // Calls sent to the silent one would end with a timeout error after 30 s: every call
            // answering, well before, is the heartbeats' doing.
            var configuration = fast
            configuration.timeout = .seconds(30)
            let client = RPCClient(
                endpoints: [try #require(silent.lastEndpoint), endpoint],
                configuration: configuration
            )
            try await client.start()
            defer { Task { await client.stop() } }
            let started = ContinuousClock.now
            let sums = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<20 {
                    group.addTask { try await client.call("add", Numbers(a: n, b: 0), as: Sum.self).sum }
                }
                return try await group.reduce(0, +)
            }
            #expect(sums == (0..<20).reduce(0, +))
            #expect(ContinuousClock.now - started < .seconds(15), "noticed by heartbeats, not by the 30 s timeout")
            // A waited-for state, not a snapshot: on a loaded machine the answering instance too
            // can miss its 300 ms liveness window for a moment, and answer again at the next beat.
            try await eventually("only the answering instance to be usable") { client.usableInstances == [endpoint] }
        }
    }

    @Test func aServerThatStopsCleanlyLosesNoCall() async throws {
        func server(_ id: String) async throws -> RPCServer {
            let server = RPCServer(endpoint: "tcp://127.0.0.1:*")
            server.handle("who") { () -> String in
                try await Task.sleep(for: .milliseconds(20))
                return id
            }
            try await server.start()
            return server
        }
        let first = try await server("first")
        let second = try await server("second")
        let endpoints = [try #require(first.boundEndpoint), try #require(second.boundEndpoint)]
        let client = RPCClient(endpoints: endpoints, configuration: fast)
        try await client.start()
        // Each answer, and whether its call began after the stop had ended.
        let stopped = Flag()
        let answers = try await withThrowingTaskGroup(of: (String, Bool)?.self) { group in
            @Sendable func call() async throws -> (String, Bool)? {
                let late = stopped.isSet
                return (try await client.call("who", [Int](), as: String.self), late)
            }
            var launched = 0
            var answers: [(String, Bool)] = []
            while launched < 32 {
                group.addTask { try await call() }
                launched += 1
            }
            for try await answer in group {
                guard let answer else { continue }
                answers.append(answer)
                if answers.count == 50 {
                    group.addTask {
                        await first.stop()
                        stopped.set()
                        return nil
                    }
                }
                if launched < 300 {
                    group.addTask { try await call() }
                    launched += 1
                }
            }
            return answers
        }
        #expect(answers.count == 300)
        let late = answers.filter(\.1).map(\.0)
        #expect(!late.isEmpty && Set(late) == ["second"])
        #expect(client.usableInstances == [endpoints[1]])
        await client.stop()
        await second.stop()
    }

    @Test func callsSpreadOverInstancesAndFollowDiscovery() async throws {
        try await withRegistry { _, registry in
            let first = try await startEcho("one", registry: registry)
            let second = try await startEcho("two", registry: registry)
            let client = RPCClient(service: "echo", configuration: fast)
            client.settings = try Settings(overrides: ["discovery.endpoints": registry, "discovery.timeout": "10s"])
            try await client.start()
            #expect(client.usableInstances == ["one", "two"])
            let counts = try await whoamiCounts(client, calls: 200)
            #expect(counts.keys.sorted() == ["one", "two"])
            #expect(counts.values.allSatisfy { $0 >= 50 }, "\(counts)")

            await first.server.announcer?.setHealth(.unhealthy)
            try await eventually("the unhealthy instance to get no calls") { client.usableInstances == ["two"] }
            #expect(try await whoamiCounts(client, calls: 50) == ["two": 50])

            await second.stop()
            let third = try await startEcho("three", registry: registry)
            try await eventually("the new instance to be used") { client.usableInstances == ["three"] }
            #expect(try await whoamiCounts(client, calls: 50) == ["three": 50])

            await client.stop()
            await #expect(throws: MessagingError.self) { try await client.call("echo", json: Array("1".utf8)) }
            await third.stop()
            await first.stop()
        }
    }
}
