import Ginkgo
import GinkgoZeroMQ
import Testing
import TestSupport

@testable import GinkgoStdlib

/// `RPCClient.withCaller`: the same calls as plain ones, with one cancellation handler per scope.
@Suite(.timeLimit(.minutes(1))) struct RPCCallerTests {
    var configuration: RPCClient.Configuration {
        var configuration = RPCClient.Configuration()
        configuration.timeout = .seconds(20)
        return configuration
    }

    /// A `WaitingServer` started, and a client of it.
    func startWaiting() async throws -> (WaitingServer, RPCClient) {
        let waiting = try WaitingServer(result: 1)
        try await waiting.server.start()
        let client = RPCClient(endpoints: [try #require(waiting.server.boundEndpoint)], configuration: configuration)
        try await client.start()
        return (waiting, client)
    }

    func stop(_ waiting: WaitingServer, _ client: RPCClient) {
        Task {
            await client.stop()
            await waiting.server.stop()
        }
    }

    /// Results and every kind of error, on the client's executor and off it; a caller goes on
    /// after an error.
    @Test(arguments: [true, false]) func callsThroughACallerGetTheResultsAndErrorsOfPlainOnes(onExecutor: Bool)
        async throws
    {
        try await withCalculator { _, endpoint in
            let client = RPCClient(endpoints: [endpoint], configuration: configuration)
            try await client.start()
            defer { Task { await client.stop() } }
            try await withTaskExecutorPreference(onExecutor ? client.executor : nil) {
                try await client.withCaller { caller in
                    #expect(try await caller.call("add", Numbers(a: 20, b: 22), as: Sum.self) == Sum(sum: 42))
                    await #expect(throws: MessagingError(.handlerFailed, "fail failed: boom")) {
                        try await caller.call("fail", Numbers(a: 1, b: 1), as: Sum.self)
                    }
                    let unknown = await #expect(throws: MessagingError.self) {
                        try await caller.call("nope", [Int](), as: Sum.self)
                    }
                    #expect(unknown?.code == .unknownMethod)
                    let badPayload = await #expect(throws: MessagingError.self) {
                        try await caller.call("echo", json: Array("{not json".utf8))
                    }
                    #expect(badPayload?.code == .badPayload)
                    let slow = await #expect(throws: MessagingError.self) {
                        try await caller.call("slow", [Int](), as: Sum.self, timeout: .milliseconds(200))
                    }
                    #expect(slow?.code == .timeout)
                    for n in 0..<200 {
                        #expect(try await caller.call("add", Numbers(a: n, b: 1), as: Sum.self).sum == n + 1)
                    }
                    let reply = try await caller.call("echo", json: Array(#"{"hello":"world"}"#.utf8))
                    #expect(String(decoding: reply, as: UTF8.self) == #"{"hello":"world"}"#)
                }
            }
        }
    }

    /// The task cancelled while a call waits: that call ends with `CancellationError` long before
    /// its timeout, and so does the next one, at once, without reaching the server.
    @Test func cancellingTheTaskEndsTheCallInFlightAndEveryLaterOne() async throws {
        let (waiting, client) = try await startWaiting()
        defer { stop(waiting, client) }

        let task = Task(executorPreference: client.executor) {
            try await client.withCaller { caller -> [String] in
                var outcomes: [String] = []
                for method in ["wait", "echo"] {
                    do {
                        _ = try await caller.call(method, json: Array("[]".utf8))
                        outcomes.append("\(method) answered")
                    } catch is CancellationError {
                        outcomes.append("\(method) cancelled")
                    }
                }
                return outcomes
            }
        }
        try await eventually(timeout: .seconds(10), "the call of wait to start") { waiting.started.isSet }
        task.cancel()
        #expect(try await task.value == ["wait cancelled", "echo cancelled"])
        // The client goes on: a plain call, and a new caller.
        #expect(try await client.call("echo", json: Array("[1]".utf8)) == Array("[1]".utf8))
        #expect(try await client.withCaller { try await $0.call("echo", json: Array("[2]".utf8)) } == Array("[2]".utf8))
        waiting.release.yield()
    }

    /// A task cancelled before its caller's first call: the call fails at once.
    @Test func aCallOfATaskCancelledBeforeItFailsAtOnce() async throws {
        try await withCalculator { _, endpoint in
            let client = RPCClient(endpoints: [endpoint], configuration: configuration)
            try await client.start()
            defer { Task { await client.stop() } }
            let task = Task {
                // Not `eventually`: its sleep would throw the cancellation before the caller is made.
                while !Task.isCancelled { await Task.yield() }
                return try await client.withCaller { try await $0.call("slow", [Int](), as: Sum.self) }
            }
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
        }
    }

    /// Many callers cancelled at moments spread over their calls' placing and waiting: every one
    /// ends, with its calls answered or cancelled, and none waits for a timeout (20 s, past the
    /// suite's limit).
    @Test func callersCancelledAtAnyMomentAllEnd() async throws {
        try await withCalculator { _, endpoint in
            let client = RPCClient(endpoints: [endpoint], configuration: configuration)
            try await client.start()
            defer { Task { await client.stop() } }
            for round in 0..<20 {
                let tasks = (0..<16).map { caller in
                    Task(executorPreference: caller % 2 == 0 ? client.executor : nil) {
                        try await client.withCaller { caller in
                            var answered = 0
                            while true {
                                _ = try await caller.call("add", Numbers(a: answered, b: round), as: Sum.self)
                                answered += 1
                            }
                        }
                    }
                }
                _ = try await client.call("add", Numbers(a: round, b: 0), as: Sum.self)
                for task in tasks { task.cancel() }
                for task in tasks {
                    await #expect(throws: CancellationError.self) { try await task.value }
                }
            }
        }
    }

    /// A caller kept past its scope makes plain calls, which a cancellation still ends.
    @Test func aCallerUsedAfterItsScopeMakesPlainCalls() async throws {
        let (waiting, client) = try await startWaiting()
        defer { stop(waiting, client) }

        let task = Task {
            let kept = try await client.withCaller { $0 }
            #expect(try await kept.call("echo", json: Array("[3]".utf8)) == Array("[3]".utf8))
            _ = try await kept.call("wait", json: Array("[]".utf8))
        }
        try await eventually(timeout: .seconds(10), "the call of wait to start") { waiting.started.isSet }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        waiting.release.yield()
    }

    /// A client that is not running refuses a caller's calls with `unavailable`.
    @Test func aStoppedClientRefusesACallersCalls() async throws {
        let client = RPCClient(endpoints: ["tcp://127.0.0.1:1"], configuration: configuration)
        let refusal = await #expect(throws: MessagingError.self) {
            try await client.withCaller { try await $0.call("echo", json: Array("[]".utf8)) }
        }
        #expect(refusal?.code == .unavailable)
        #expect(refusal?.message.contains("not running") == true, "\(String(describing: refusal))")
    }
}
