import Foundation
import Ginkgo
import GinkgoStdlib
import GinkgoZeroMQ
import Testing

/// `ginkgo BusProxy` as a child process: bad input is logged and dropped, and subscribers resume
/// after the proxy is killed and started again.
@Suite(.timeLimit(.minutes(2)))
struct BusProcessTests {
    struct Note: Codable, Sendable {
        var n: Int
    }

    @Test func aKilledProxyRestartsAndSubscribersResumeAndBadInputIsDropped() async throws {
        try await withInProcessRegistry { registry, discovery in
            let ports = (try LoopbackClient.freePort(), try LoopbackClient.freePort())
            let arguments =
                [
                    "BusProxy", "--set", "bus.publish_endpoint=tcp://127.0.0.1:\(ports.0)",
                    "--set", "bus.subscribe_endpoint=tcp://127.0.0.1:\(ports.1)", "--set", "bus.max_message=1000",
                ] + discovery
            var proxy = try ChildProcess("ginkgo", arguments)
            await proxy.expect("bus is ready.")
            let bus = MessageBus()
            bus.settings = try Settings(overrides: ["discovery.endpoints": registry])
            try await bus.start()
            var notes = try bus.subscribe("notes", as: Note.self).makeAsyncIterator()

            try await expectDelivery(of: 1, through: bus, to: &notes)
            let raw = try Socket(.pub)
            defer { raw.close() }
            try raw.connect("tcp://127.0.0.1:\(ports.0)")
            let bad: [Message] = [
                ["notes", "garbage"],
                [Frame("notes"), Frame(#"{"v":2,"kind":"publish","topic":"notes"}"#), Frame("{}")],
                [Frame("notes"), Frame(#"{"v":1,"kind":"publish","topic":"other"}"#), Frame("{}")],
                BusWireMessage.publish("notes", payload: Array(repeating: 0x20, count: 5000)),
            ]
            for (message, line) in zip(bad, ["got 2", "version 2", "topic other", "too_large"]) {
                try await waitUntil("the proxy to log \(line)") {
                    try await raw.send(message)
                    return proxy.output.contains(line)
                }
            }
            try await expectDelivery(of: 2, through: bus, to: &notes)

            proxy.signal(SIGKILL)
            _ = await proxy.exitStatus()
            proxy = try ChildProcess("ginkgo", arguments)
            await proxy.expect("bus is ready.")
            try await expectDelivery(of: 3, through: bus, to: &notes)
            await bus.stop()
            proxy.signal(SIGTERM)
            await proxy.expectCleanExit()
        }
    }

    /// Starts a `messaging-fixture BusListener` on `topic`.
    func listener(_ topic: String, _ discovery: [String]) async throws -> ChildProcess {
        let listener = try ChildProcess(
            "messaging-fixture",
            ["BusListener", "--set", "fixture.topic=\(topic)"] + discovery
        )
        await listener.expect("listener is ready.")
        return listener
    }

    /// The notes a listener logged, in order: (topic, n).
    static func received(by listener: ChildProcess) -> [(String, Int)] {
        listener.output.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "Received ") else { return nil }
            let words = line[range.upperBound...].dropLast().split(separator: " ")
            guard words.count == 2, let n = Int(words[1]) else { return nil }
            return (String(words[0]), n)
        }
    }

    @Test func threeSubscriberProcessesOnTwoTopicsReceiveExactlyTheirMessages() async throws {
        try await withInProcessBus { _, publisher, discovery in
            let topics = ["red", "red", "blue"]
            var listeners: [ChildProcess] = []
            for topic in topics { listeners.append(try await listener(topic, discovery)) }
            try await waitUntil("every listener to hear a warm-up note") {
                for topic in ["red", "blue"] { try await publisher.publish(topic, value: Note(n: -1)) }
                return listeners.allSatisfy { Self.received(by: $0).contains { $0.1 == -1 } }
            }
            for n in 0..<200 { try await publisher.publish(["red", "blue", "redder"][n % 3], value: Note(n: n)) }
            for topic in ["red", "blue"] { try await publisher.publish(topic, value: Note(n: 1000)) }
            for listener in listeners { await listener.expect(" 1000.") }
            let expected = [
                "red": Array(stride(from: 0, to: 200, by: 3)) + [1000],
                "blue": Array(stride(from: 1, to: 200, by: 3)) + [1000],
            ]
            for (listener, topic) in zip(listeners, topics) {
                let notes = Self.received(by: listener).filter { $0.1 >= 0 }
                #expect(notes.allSatisfy { $0.0 == topic })
                #expect(notes.map(\.1) == expected[topic])
                listener.signal(SIGTERM)
                await listener.expectCleanExit()
            }
        }
    }

    @Test func aSubscriberProcessKilledMidStreamResumesWhenStartedAgain() async throws {
        try await withInProcessBus { _, publisher, discovery in
            let publishing = Task {
                for n in 0... {
                    try await publisher.publish("ticks", value: Note(n: n))
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            defer { publishing.cancel() }
            let first = try await listener("ticks", discovery)
            try await waitUntil("20 ticks") { Self.received(by: first).count >= 20 }
            first.signal(SIGKILL)
            _ = await first.exitStatus()
            let last = try #require(Self.received(by: first).last?.1)
            let second = try await listener("ticks", discovery)
            try await waitUntil("20 more ticks") { Self.received(by: second).count >= 20 }
            let resumed = Self.received(by: second).map(\.1)
            #expect(resumed.first! > last)
            #expect(resumed == resumed.sorted())
            second.signal(SIGTERM)
            await second.expectCleanExit()
        }
    }

    /// Publishes note `n` until the subscription yields it (messages published before the
    /// subscription has reached the publisher are not delivered: that is publish/subscribe).
    func expectDelivery(
        of n: Int,
        through bus: MessageBus,
        to notes: inout BusSubscription<Note>.Iterator
    ) async throws {
        let publishing = Task {
            while !Task.isCancelled {
                try await bus.publish("notes", value: Note(n: n))
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        defer { publishing.cancel() }
        while let note = try await notes.next() {
            if note.value.n == n { return }
        }
        Issue.record("the subscription ended before note \(n)")
    }
}

/// A valid bus message, built by hand as a foreign publisher would.
enum BusWireMessage {
    static func publish(_ topic: String, payload: [UInt8]) -> Message {
        let header = MessagingEnvelope(kind: .publish, id: "raw", topic: topic).message(payload: payload)
        return Message(frames: [Frame(topic)] + header.frames)
    }
}
