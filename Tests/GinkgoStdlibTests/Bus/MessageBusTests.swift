import Ginkgo
import GinkgoStdlib
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(1)))
struct MessageBusTests {
    @Test func threeSubscribersOnTwoTopicsReceiveExactlyTheirMessages() async throws {
        try await BusSystem.with { system in
            let publisher = try await system.client()
            let subscriber = try await system.client()
            let subscriptions = [
                try subscriber.subscribe("red", as: Note.self),
                try subscriber.subscribe("red", as: Note.self),
                try subscriber.subscribe("blue", as: Note.self),
            ]
            try await Collected.collecting(subscriptions) { collected in
                try await warmUp(publisher, topics: ["red", "blue"], until: collected)
                for n in 0..<200 {
                    // "redder" starts with "red": ZeroMQ's prefix match lets it through, the bus does not.
                    try await publisher.publish(["red", "blue", "redder"][n % 3], value: Note(n: n))
                }
                try await publisher.publish("red", value: Note(n: 1000))
                try await publisher.publish("blue", value: Note(n: 1000))
                try await eventually("every subscriber to get the last note") {
                    collected.allSatisfy { $0.values.contains { $0.n == 1000 } }
                }
                Self.expectExactly(collected)
            }
            await publisher.stop()
            await subscriber.stop()
        }
    }

    /// The two red subscribers got every red note in order, the blue one every blue note, and
    /// nothing else.
    static func expectExactly(_ collected: [Collected<Note>]) {
        let red = Array(stride(from: 0, to: 200, by: 3)) + [1000]
        let blue = Array(stride(from: 1, to: 200, by: 3)) + [1000]
        let expected = [("red", red), ("red", red), ("blue", blue)]
        for index in 0..<3 {
            let notes = collected[index].messages.filter { !$0.value.warmUp }
            let (topic, numbers) = expected[index]
            #expect(notes.allSatisfy { $0.topic == topic })
            #expect(notes.map(\.value.n) == numbers)
        }
    }

    @Test func aSubscriberRestartedMidStreamResumes() async throws {
        try await BusSystem.with { system in
            let publisher = try await system.client()
            let subscriber = try await system.client()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for n in 0... {
                        try await publisher.publish("ticks", value: Note(n: n))
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
                defer { group.cancelAll() }
                var last = -1
                for round in 0..<2 {
                    var received = 0
                    for try await message in try subscriber.subscribe("ticks", as: Note.self) {
                        #expect(message.value.n > last, "round \(round): \(message.value.n) after \(last)")
                        last = message.value.n
                        received += 1
                        if received == 20 { break }
                    }
                    #expect(received == 20)
                    await subscriber.stop()
                    try await subscriber.start()
                }
            }
            await publisher.stop()
            await subscriber.stop()
        }
    }

    @Test func publishersAndSubscribersFollowTheProxyToItsNextAddress() async throws {
        try await BusSystem.with { system in
            let publisher = try await system.client()
            let subscriber = try await system.client()
            let subscriptions = [try subscriber.subscribe("moves", as: Note.self)]
            try await Collected.collecting(subscriptions) { collected in
                try await warmUp(publisher, topics: ["moves"], until: collected)
                let before = try #require(system.proxy.endpoints)
                await system.proxy.stop()
                let next = BusProxy(discovery: nil)
                next.settings = system.settings
                try await next.start()
                #expect(next.endpoints != before)
                try await eventually("notes through the new proxy") {
                    try await publisher.publish("moves", value: Note(n: 7))
                    return collected[0].values.contains { $0.n == 7 }
                }
                await next.stop()
            }
            await publisher.stop()
            await subscriber.stop()
        }
    }

    @Test func aMessageThatDoesNotDecodeIsSkippedAndTheSequenceGoesOn() async throws {
        struct Other: Codable, Sendable { var name: String }
        try await BusSystem.with { system in
            let publisher = try await system.client()
            let subscriber = try await system.client()
            try await Collected.collecting([try subscriber.subscribe("mixed", as: Note.self)]) { collected in
                try await warmUp(publisher, topics: ["mixed"], until: collected)
                try await publisher.publish("mixed", value: Other(name: "not a note"))
                try await publisher.publish("mixed", value: Note(n: 1))
                try await eventually("the note after the bad one") { collected[0].values.contains { $0.n == 1 } }
                #expect(collected[0].values.filter { !$0.warmUp }.map(\.n) == [1])
            }
            await publisher.stop()
            await subscriber.stop()
        }
    }

    @Test func publishingWithoutAProxyFailsWithATypedError() async throws {
        try await withRegistry { _, endpoint in
            let bus = MessageBus()
            bus.settings = try Settings(overrides: [
                "discovery.endpoints": endpoint, "discovery.timeout": "10s", "bus.timeout": "200ms",
            ])
            try await bus.start()
            await #expect(throws: MessagingError(.unavailable, "no bus proxy found in discovery within 0.2 seconds")) {
                try await bus.publish("anything", value: Note(n: 1))
            }
            await bus.stop()
            #expect(throws: MessagingError.self) { try bus.subscribe("anything", as: Note.self) }
        }
    }
}
