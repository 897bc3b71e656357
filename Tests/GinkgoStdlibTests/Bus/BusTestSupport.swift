import Ginkgo
import GinkgoStdlib
import Synchronization
import Testing
import TestSupport

/// What the bus tests publish.
struct Note: Codable, Sendable, Hashable {
    var n: Int
    var warmUp = false
}

/// A registry and a bus proxy on free loopback ports, and the settings that find them.
struct BusSystem: Sendable {
    let registry: Registry
    let proxy: BusProxy
    let settings: Settings

    /// Runs `body` with a running system; stops it afterwards.
    static func with(_ body: (BusSystem) async throws -> Void) async throws {
        try await withRegistry { registry, endpoint in
            let settings = try Settings(overrides: [
                "discovery.endpoints": endpoint, "discovery.timeout": "10s",
                "bus.publish_endpoint": "tcp://127.0.0.1:*",
                "bus.subscribe_endpoint": "tcp://127.0.0.1:*",
                "announce.ttl": "2s",
            ])
            let proxy = BusProxy(discovery: nil)
            proxy.settings = settings
            try await proxy.start()
            let system = BusSystem(registry: registry, proxy: proxy, settings: settings)
            do {
                try await body(system)
            } catch {
                await proxy.stop()
                throw error
            }
            await proxy.stop()
        }
    }

    /// A started bus client.
    func client() async throws -> MessageBus {
        let bus = MessageBus()
        bus.settings = settings
        try await bus.start()
        return bus
    }
}

/// Collects what a subscription yields, in a child task of ``collecting(_:_:)``.
final class Collected<Value: Sendable>: Sendable {
    private let state = Mutex<[BusMessage<Value>]>([])

    var messages: [BusMessage<Value>] { state.withLock { $0 } }
    var values: [Value] { messages.map(\.value) }

    /// Runs `body` while each subscription's messages are collected.
    static func collecting<T: Sendable>(
        _ subscriptions: [BusSubscription<Value>],
        _ body: ([Collected<Value>]) async throws -> T
    ) async throws -> T {
        let collected = subscriptions.map { _ in Collected<Value>() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for (subscription, collector) in zip(subscriptions, collected) {
                group.addTask {
                    for try await message in subscription { collector.state.withLock { $0.append(message) } }
                }
            }
            defer { group.cancelAll() }
            return try await body(collected)
        }
    }
}

/// Publishes warm-up notes on `topics` until every collector has one: then the subscriptions
/// have travelled through the proxy to the publisher, and what follows is delivered.
func warmUp(_ bus: MessageBus, topics: [String], until collectors: [Collected<Note>]) async throws {
    try await eventually("the subscriptions to reach the publisher") {
        for topic in topics { try await bus.publish(topic, value: Note(n: -1, warmUp: true)) }
        return collectors.allSatisfy { $0.values.contains { $0.warmUp } }
    }
}
