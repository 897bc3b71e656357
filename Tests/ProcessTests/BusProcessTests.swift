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
            let ports = (try ZMQDemoTests.freePort(), try ZMQDemoTests.freePort())
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
