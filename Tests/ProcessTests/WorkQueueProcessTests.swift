import Foundation
import Ginkgo
import GinkgoStdlib
import GinkgoZeroMQ
import Synchronization
import Testing

/// The work queue with workers in child processes (`messaging-fixture`), killed with SIGKILL
/// while they hold jobs.
@Suite(.timeLimit(.minutes(2)))
struct WorkQueueProcessTests {
    /// The fixture's job input and output.
    struct Job: Codable, Sendable {
        var n: Int
        var ms = 0
    }
    struct Result: Codable, Sendable {
        var n: Int
        var pid: Int32
    }

    /// Quick heartbeats, and room for a worker slowed by a busy machine before it counts as dead.
    static let producerSettings = ["jobs.heartbeat": "100ms", "jobs.liveness": "5"]

    func worker(_ discovery: [String], _ extra: [String] = []) async throws -> ChildProcess {
        let worker = try ChildProcess("messaging-fixture", ["FixtureWorker"] + discovery + extra)
        await worker.expect("fixture is ready.")
        return worker
    }

    func queue(_ registry: String) async throws -> WorkQueue {
        let queue = WorkQueue()
        queue.settings = try Settings(
            overrides: Self.producerSettings.merging(["discovery.endpoints": registry]) { $1 }
        )
        try await queue.start()
        return queue
    }

    @Test func aJobHeldByAKilledWorkerIsCompletedByAnother() async throws {
        try await withInProcessRegistry { registry, discovery in
            let holder = try await worker(discovery, ["--set", "fixture.hold=true"])
            let queue = try await queue(registry)
            async let receipt = queue.submit("hold", input: Job(n: 1))
            await holder.expect("Holding job 1.")
            let rescuer = try await worker(discovery)
            holder.signal(SIGKILL)
            let done = try await receipt
            #expect(done.worker == "\(ProcessInfo.processInfo.hostName)-\(rescuer.pid)")
            #expect(done.attempts >= 2)
            #expect(try done.output(as: Result.self).pid == rescuer.pid)
            await queue.stop()
            rescuer.signal(SIGTERM)
            await rescuer.expectCleanExit()
        }
    }

    @Test func noJobIsLostOverAThousandWhileAWorkerIsKilled() async throws {
        try await withInProcessRegistry { registry, discovery in
            var workers: [ChildProcess] = []
            for _ in 0..<3 { workers.append(try await worker(discovery)) }
            let queue = try await queue(registry)
            let completed = Counter()
            let victim = workers[0]
            let receipts = try await withThrowingTaskGroup(of: JobReceipt.self) { group in
                for n in 0..<1000 {
                    group.addTask {
                        let receipt = try await queue.submit("work", input: Job(n: n, ms: 2))
                        if completed.increment() == 300 { victim.signal(SIGKILL) }
                        return receipt
                    }
                }
                return try await group.reduce(into: [JobReceipt]()) { $0.append($1) }
            }
            let numbers = try receipts.map { try $0.output(as: Result.self).n }
            #expect(receipts.count == 1000)
            #expect(Set(numbers) == Set(0..<1000), "missing: \(Set(0..<1000).subtracting(numbers).sorted())")
            #expect(Set(receipts.map(\.id)).count == 1000)
            #expect(await victim.exitStatus() == SIGKILL)
            let redelivered = receipts.filter { $0.attempts > 1 }
            #expect(!redelivered.isEmpty, "the killed worker held jobs that others completed")
            await queue.stop()
            for worker in workers.dropFirst() {
                worker.signal(SIGTERM)
                await worker.expectCleanExit()
            }
        }
    }

    @Test func badInputToAWorkerProcessIsAnsweredAndLogged() async throws {
        try await withInProcessRegistry { _, discovery in
            let port = try LoopbackClient.freePort()
            let worker = try await worker(
                discovery,
                ["--set", "jobs.endpoint=tcp://127.0.0.1:\(port)", "--set", "jobs.max_message=1000"]
            )
            let client = try Socket(.dealer)
            defer { client.close() }
            try client.connect("tcp://127.0.0.1:\(port)")
            func ask(_ message: Message) async throws -> (MessagingEnvelope, [UInt8]) {
                try await client.send(message)
                return try MessagingEnvelope.parse(try await withTimeout(.seconds(10)) { try await client.receive() })
            }
            #expect(try await ask(["garbage"]).0.kind == .error)
            await worker.expect("Refused a message: bad_envelope: expected 2 frames (header, payload), got 1")
            let future = [Frame(#"{"v":2,"kind":"job","id":"1","method":"work"}"#), Frame("{}")]
            #expect(try await ask(Message(frames: future)).0.kind == .error)
            await worker.expect("unsupported_version")
            let big = MessagingEnvelope(kind: .job, id: "2", method: "work").message(
                payload: Array(repeating: 0x20, count: 5000)
            )
            #expect(try await ask(big).0 == MessagingEnvelope(kind: .error, id: "2"))
            await worker.expect("too_large")
            // Far over the limit: libzmq drops that connection, and the worker serves the next.
            let huge = Array(repeating: UInt8(0x20), count: 1_000_000)
            try await client.send(MessagingEnvelope(kind: .job, id: "3", method: "work").message(payload: huge))
            let next = try Socket(.dealer)
            defer { next.close() }
            try next.connect("tcp://127.0.0.1:\(port)")
            let job = MessagingEnvelope(kind: .job, id: "4", method: "work")
            try await next.send(job.message(payload: Array(#"{"n":4,"ms":0}"#.utf8)))
            let answer = try await withTimeout(.seconds(10)) { try await next.receive() }
            let (header, payload) = try MessagingEnvelope.parse(answer)
            #expect(header == MessagingEnvelope(kind: .ack, id: "4"))
            #expect(String(decoding: payload, as: UTF8.self).contains(#""n":4"#))
            worker.signal(SIGTERM)
            await worker.expectCleanExit()
        }
    }
}

/// Counts from any task.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)

    /// Adds one; returns the new count.
    func increment() -> Int { count.add(1, ordering: .relaxed).newValue }
}
