import Ginkgo
import GinkgoZeroMQ
import Testing
import TestSupport

@testable import GinkgoStdlib

/// What the work-queue tests submit and get back.
struct Square: Codable, Sendable, Hashable {
    var n: Int
}

/// A registry, and the settings that find it, with quick heartbeats.
struct WorkSystem: Sendable {
    let settings: [String: String]

    static func with(_ body: (WorkSystem) async throws -> Void) async throws {
        try await withRegistry { _, endpoint in
            try await body(
                WorkSystem(settings: [
                    "discovery.endpoints": endpoint, "discovery.timeout": "10s", "jobs.heartbeat": "100ms",
                    "announce.ttl": "2s",
                ])
            )
        }
    }

    /// A started worker announced as instance `id`, squaring numbers.
    func worker(_ id: String, extra: [String: String] = [:]) async throws -> JobWorker {
        let worker = JobWorker { jobs in
            jobs.handle("square") { (input: Square) in Square(n: input.n * input.n) }
            jobs.handle("fail") { (_: Square) -> Square in throw MessagingError(.handlerFailed, "failing on purpose") }
        }
        worker.settings = try Settings(overrides: settings.merging(extra) { $1 }.merging(["announce.id": id]) { $1 })
        try await worker.start()
        return worker
    }

    /// Binds `socket` (a ROUTER a test speaks the protocol through) and announces it as worker
    /// `id` of squares.
    func announceFakeWorker(_ id: String, on socket: Socket) async throws -> Announcer {
        try socket.bind("tcp://127.0.0.1:*")
        let announcer = Announcer(
            name: "jobs",
            endpoints: ["jobs": try #require(socket.lastEndpoint)],
            tags: ["job:square"]
        )
        // A long lease: on a loaded machine a lapse of the usual 2 s one made the queue drop the
        // fake's connection mid-test, and what the test sent then went to a routing id that was gone.
        announcer.settings = try Settings(
            overrides: settings.merging(["announce.id": id, "announce.ttl": "30s"]) { $1 }
        )
        try await announcer.start()
        return announcer
    }

    /// A started producer.
    func queue() async throws -> WorkQueue {
        let queue = WorkQueue()
        queue.settings = try Settings(overrides: settings)
        try await queue.start()
        return queue
    }
}

@Suite(.timeLimit(.minutes(1)))
struct WorkQueueTests {
    @Test func jobsAreSpreadOverTheWorkersAndEachIsAcknowledged() async throws {
        try await WorkSystem.with { system in
            let first = try await system.worker("w1")
            let second = try await system.worker("w2")
            let queue = try await system.queue()
            // Jobs go to the workers the queue has heard from: wait until that is both.
            try await eventually("both workers to answer heartbeats") { queue.liveWorkers == ["w1", "w2"] }
            let receipts = try await withThrowingTaskGroup(of: JobReceipt.self) { group in
                for n in 0..<200 { group.addTask { try await queue.submit("square", input: Square(n: n)) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(try receipts.map { try $0.output(as: Square.self).n }) == Set((0..<200).map { $0 * $0 }))
            #expect(Set(receipts.map(\.worker)) == ["w1", "w2"])
            #expect(queue.pendingJobs == 0)
            await queue.stop()
            await first.stop()
            await second.stop()
        }
    }

    @Test func aJobWaitsForAWorkerAndAFailureIsATypedError() async throws {
        try await WorkSystem.with { system in
            let queue = try await system.queue()
            async let early = queue.submit("square", input: Square(n: 3))
            try await eventually("the job to be queued") { queue.pendingJobs == 1 }
            let worker = try await system.worker("w1")
            #expect(try await early.output(as: Square.self) == Square(n: 9))
            await #expect(throws: MessagingError(.handlerFailed, "failing on purpose")) {
                try await queue.submit("fail", input: Square(n: 1))
            }
            await #expect(throws: MessagingError.self) {
                try await queue.submit("square", input: ["not": "a square"])
            }
            await queue.stop()
            await worker.stop()
        }
    }

    @Test func aStoppedWorkersQueuedJobsGoToAnotherWorker() async throws {
        try await WorkSystem.with { system in
            let first = try await system.worker("w1", extra: ["jobs.concurrency": "1"])
            let queue = try await system.queue()
            let receipts = try await withThrowingTaskGroup(of: JobReceipt.self) { group in
                for n in 0..<50 { group.addTask { try await queue.submit("square", input: Square(n: n)) } }
                var receipts: [JobReceipt] = [try await group.next()!]
                await first.stop()
                let second = try await system.worker("w2")
                for try await receipt in group { receipts.append(receipt) }
                await second.stop()
                return receipts
            }
            #expect(Set(try receipts.map { try $0.output(as: Square.self).n }) == Set((0..<50).map { $0 * $0 }))
            await queue.stop()
        }
    }

    @Test func badInputToAWorkerGetsErrorRepliesAndTheWorkerGoesOn() async throws {
        try await WorkSystem.with { system in
            let worker = try await system.worker("w1", extra: ["jobs.max_message": "1000"])
            let client = try Socket(.dealer)
            defer { client.close() }
            try client.connect(try #require(worker.boundEndpoint))
            let job = MessagingEnvelope(kind: .job, id: "7", method: "square")
            let cases: [(Message, MessagingError.Code, String?)] = [
                (["garbage"], .badEnvelope, nil),
                ([Frame("{\"v\":1}"), Frame("{}")], .badEnvelope, nil),
                ([Frame(#"{"v":9,"kind":"job","id":"7","method":"square"}"#), Frame("{}")], .unsupportedVersion, nil),
                (job.message(payload: Array(repeating: 0x20, count: 2000)), .tooLarge, "7"),
                (
                    MessagingEnvelope(kind: .job, id: "8", method: "paint").message(payload: Array("{}".utf8)),
                    .unknownMethod, "8"
                ),
                (MessagingEnvelope(kind: .request, id: "9", method: "square").message(payload: []), .badEnvelope, "9"),
                (job.message(payload: Array(#"{"n":"four"}"#.utf8)), .badPayload, "7"),
            ]
            for (message, code, id) in cases {
                try await client.send(message)
                let reply = try await withTimeout(.seconds(10)) { try await client.receive() }
                let (header, payload) = try MessagingEnvelope.parse(reply)
                #expect(header.kind == .error && header.id == id, "\(message)")
                #expect(try MessagingPayload.decode(MessagingError.self, from: payload).code == code, "\(message)")
            }
            try await client.send(job.message(payload: Array(#"{"n":4}"#.utf8)))
            let (header, payload) = try MessagingEnvelope.parse(
                try await withTimeout(.seconds(10)) { try await client.receive() }
            )
            #expect(header.kind == .ack && header.id == "7")
            #expect(String(decoding: payload, as: UTF8.self) == #"{"n":16}"#)
            let queue = try await system.queue()
            #expect(try await queue.submit("square", input: Square(n: 5)).output(as: Square.self) == Square(n: 25))
            await queue.stop()
            await worker.stop()
        }
    }

    @Test func acknowledgementsSentJustBeforeTheWorkerLeavesAreNotLost() async throws {
        try await WorkSystem.with { system in
            // A worker that acknowledges a burst of jobs and closes its socket at once, as a
            // worker process exiting after its last jobs does.
            let fake = try Socket(.router)
            let announcer = try await system.announceFakeWorker("last", on: fake)
            let queue = try await system.queue()
            // Enough that the queue is still reading when the worker leaves (with ZMQ_IMMEDIATE on
            // its socket, every run lost some), and under the ROUTER's high-water mark of 1,000,
            // past which it drops what it is given to send.
            let count = 500
            try await withThrowingTaskGroup { group in
                for n in 1...count {
                    group.addTask {
                        let receipt = try await withTimeout(.seconds(20)) {
                            try await queue.submit("square", input: Square(n: n))
                        }
                        #expect(try receipt.output(as: Square.self) == Square(n: n * n))
                    }
                }
                // By job id: a job handed on after a stall (the fake falls silent on a loaded
                // machine) may come twice.
                var acks: [String: Message] = [:]
                while acks.count < count {
                    let message = try await withTimeout(.seconds(10)) { try await fake.receive() }
                    let (header, payload) = try MessagingEnvelope.parse(Message(frames: Array(message.dropFirst())))
                    if header.kind == .heartbeat {
                        let status = MessagingEnvelope(kind: .heartbeat, id: header.id)
                            .message(payload: Array(#"{"capacity":\#(count)}"#.utf8))
                        try await fake.send(Message(frames: [message[0]] + status.frames))
                    } else if header.kind == .job {
                        let n = try MessagingPayload.decode(Square.self, from: payload).n
                        let ack = MessagingEnvelope(kind: .ack, id: header.id)
                            .message(payload: try MessagingPayload.encode(Square(n: n * n)))
                        acks[header.id ?? ""] = Message(frames: [message[0]] + ack.frames)
                    }
                }
                #expect(try fake.trySend(contentsOf: Array(acks.values)) == count)
                fake.close()
                try await group.waitForAll()
            }
            #expect(queue.pendingJobs == 0)
            await queue.stop()
            await announcer.stop()
        }
    }

    @Test func badInputToTheProducerGetsErrorRepliesAndItGoesOn() async throws {
        try await WorkSystem.with { system in
            // A fake worker that answers the producer's heartbeats with garbage.
            let fake = try Socket(.router)
            defer { fake.close() }
            let announcer = try await system.announceFakeWorker("fake", on: fake)
            let queue = try await system.queue()
            let heartbeat = try await withTimeout(.seconds(10)) { try await fake.receive() }
            let producer = heartbeat[0]
            for (frames, code) in [
                ([Frame("garbage")], MessagingError.Code.badEnvelope),
                ([Frame(#"{"v":2,"kind":"heartbeat","id":"1"}"#), Frame("{}")], .unsupportedVersion),
                (MessagingEnvelope(kind: .job, id: "1", method: "x").message(payload: []).frames, .badEnvelope),
            ] {
                try await fake.send(Message(frames: [producer] + frames))
                let answer = try await withTimeout(.seconds(10)) {
                    while true {
                        let message = try await fake.receive()
                        if let (header, payload) = try? MessagingEnvelope.parse(
                            Message(frames: Array(message.dropFirst()))
                        ),
                            header.kind == .error
                        {
                            return try MessagingPayload.decode(MessagingError.self, from: payload)
                        }
                    }
                }
                #expect(answer.code == code)
            }
            let worker = try await system.worker("w1")
            #expect(try await queue.submit("square", input: Square(n: 6)).worker == "w1")
            await queue.stop()
            await worker.stop()
            await announcer.stop()
        }
    }
}
