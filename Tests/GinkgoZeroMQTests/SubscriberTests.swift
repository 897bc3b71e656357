import Ginkgo
import GinkgoZeroMQ
import Testing

@Suite(.timeLimit(.minutes(1)))
struct SubscriberTests {
    @Test func receivesOnlyItsTopicsFromAPublisher() async throws {
        let publisher = Publisher(.bind(.setting("zmq.pub", default: "tcp://127.0.0.1:5556")))
        publisher.settings = try Settings(overrides: ["zmq.pub": "tcp://127.0.0.1:*"])
        try await publisher.start()
        let inbox = Inbox()
        let subscriber = Subscriber(.connect(Endpoint(publisher.endpoints[0])), topics: ["tick", "hello"]) {
            inbox.add($0)
        }
        try await subscriber.start()
        // Subscriptions reach the publisher asynchronously: say hello until one is heard.
        let greeter = Task {
            while !Task.isCancelled {
                try await publisher.publish(topic: "hello")
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        await inbox.wait(for: 1)
        greeter.cancel()
        _ = try? await greeter.value

        try await publisher.publish(topic: "news", "ignored")
        for count in 1...3 { try await publisher.publish(topic: "tick", Frame(String(count))) }
        let before = inbox.messages.count
        await inbox.wait(for: before + 3)
        let ticks = inbox.messages.filter { $0[0].string != "hello" }
        #expect(ticks.map(\.strings) == [["tick", "1"], ["tick", "2"], ["tick", "3"]])

        await subscriber.stop()
        await publisher.stop()
        await #expect(throws: ZMQError.self) { try await publisher.publish(topic: "tick") }
    }
}
