import Foundation
import Ginkgo
import Testing

@testable import GinkgoStdlib

/// The etcd backend's watches against a real etcd that the tests kill, restart and compact.
@Suite(.timeLimit(.minutes(2)))
struct EtcdWatchTests {
    func instance(_ id: String, name: String = "echo", health: InstanceHealth = .healthy) -> ServiceInstance {
        EtcdBackendTests.instance(id, name: name, health: health)
    }

    @Test func aWatchSeesTheSnapshotThenEachChangeInOrder() async throws {
        let etcd = try await EtcdProcess.launch()
        try await etcd.withBackend { backend in
            try await backend.register(instance("echo-1"), ttl: .seconds(30))
            try await backend.register(instance("other-1", name: "other"), ttl: .seconds(30))
            try await StreamRecorder.recording(backend.watch("echo")) { watch in
                #expect(try await watch.next() == .snapshot([instance("echo-1")]))
                try await backend.register(instance("echo-2"), ttl: .seconds(30))
                try await backend.register(instance("other-2", name: "other"), ttl: .seconds(30))
                try await backend.register(instance("echo-2", health: .unhealthy), ttl: .seconds(30))
                try await backend.deregister(instance("echo-2").key)
                try await backend.deregister(instance("echo-1").key)
                #expect(try await watch.nextChange() == DiscoveryChange(.added, instance("echo-2")))
                #expect(
                    try await watch.nextChange() == DiscoveryChange(.health, instance("echo-2", health: .unhealthy))
                )
                #expect(
                    try await watch.nextChange() == DiscoveryChange(.removed, instance("echo-2", health: .unhealthy))
                )
                #expect(try await watch.nextChange() == DiscoveryChange(.removed, instance("echo-1")))
            }
        }
    }

    @Test func aWatchSurvivesAnEtcdRestart() async throws {
        let etcd = try await EtcdProcess.launch()
        let logs = LogCollector()
        try await etcd.withBackend(logs: logs) { backend in
            try await StreamRecorder.recording(backend.watch("echo")) { watch in
                #expect(try await watch.next() == .snapshot([]))
                try await backend.register(instance("echo-1"), ttl: .seconds(60))
                #expect(try await watch.nextChange() == DiscoveryChange(.added, instance("echo-1")))

                etcd.kill()
                try await etcd.start()
                // Leases live on in etcd's data: the announcer's heartbeat goes on as before.
                try await backend.renew(instance("echo-1").key, ttl: .seconds(60))
                try await backend.register(instance("echo-2"), ttl: .seconds(60))

                // Resumed from the revision after the last it saw: the change, and nothing twice.
                #expect(try await watch.nextChange() == DiscoveryChange(.added, instance("echo-2")))
                #expect(watch.elements.count == 3)
                #expect(logs.lines.contains { $0.contains("watch interrupted") })
            }
        }
    }

    @Test func aWatchListsAgainAfterEtcdCompactedItsHistory() async throws {
        let etcd = try await EtcdProcess.launch()
        let logs = LogCollector()
        try await etcd.withBackend(logs: logs) { backend in
            try await backend.register(instance("echo-1"), ttl: .seconds(60))
            try await StreamRecorder.recording(backend.watch("echo")) { watch in
                #expect(try await watch.next() == .snapshot([instance("echo-1")]))

                // While the watcher cannot reach etcd (it serves at another port for now), the
                // names change and the history it would resume from is compacted away.
                etcd.kill()
                // Of three free ports, one at least is neither of etcd's own (both free just now).
                let elsewhere = try #require(
                    try EtcdProcess.freePorts(3).first { ![etcd.clientPort, etcd.peerPort].contains($0) }
                )
                try await etcd.start(clientPort: elsewhere)
                try await etcd.withBackend(at: "http://127.0.0.1:\(elsewhere)") { other in
                    try await other.register(instance("echo-2"), ttl: .seconds(60))
                    try await other.deregister(instance("echo-1").key)
                }
                try await etcd.compact()
                etcd.kill()
                try await etcd.start()

                #expect(try await watch.next() == .snapshot([instance("echo-2")]))
                #expect(logs.lines.contains { $0.contains("listing the name again") && $0.contains("compacted") })
                try await backend.register(instance("echo-3"), ttl: .seconds(60))
                #expect(try await watch.nextChange() == DiscoveryChange(.added, instance("echo-3")))
            }
        }
    }

    @Test func aWatchSkipsAValueThatIsNoInstance() async throws {
        let etcd = try await EtcdProcess.launch()
        let logs = LogCollector()
        try await etcd.withBackend(logs: logs) { backend in
            try await StreamRecorder.recording(backend.watch("echo")) { watch in
                #expect(try await watch.next() == .snapshot([]))
                try await etcd.put("/ginkgo/services/echo/garbage", "{\"name\": 42}")
                try await backend.register(instance("echo-1"), ttl: .seconds(30))
                #expect(try await watch.nextChange() == DiscoveryChange(.added, instance("echo-1")))
                #expect(
                    logs.lines.contains {
                        $0.contains("skipping a key") && $0.contains("/ginkgo/services/echo/garbage")
                    }
                )
            }
        }
    }

    @Test func aWatchEndsWhenTheBackendStops() async throws {
        let etcd = try await EtcdProcess.launch()
        let backend = try EtcdBackend(endpoints: [etcd.endpoint], timeout: .seconds(10), logger: LogCollector().logger)
        let updates = try await withRunning(backend) { backend in
            let stream = backend.watch("echo")
            var iterator = stream.makeAsyncIterator()
            let first = try await iterator.next()
            #expect(first == .snapshot([]))
            return stream
        }
        for try await update in updates { Issue.record("an update after the end: \(update)") }
        let late = backend.watch("echo")
        await #expect(throws: DiscoveryError.self) { for try await _ in late {} }
    }

    @Test func aBadNameIsRefused() async throws {
        let backend = try EtcdBackend(
            endpoints: ["http://127.0.0.1:1"],
            timeout: .seconds(1),
            logger: LogCollector().logger
        )
        try await withRunning(backend) { backend in
            await #expect(throws: DiscoveryError.self) { for try await _ in backend.watch("a/b") {} }
            await #expect(throws: DiscoveryError.self) { try await backend.instances(named: "") }
        }
    }
}
