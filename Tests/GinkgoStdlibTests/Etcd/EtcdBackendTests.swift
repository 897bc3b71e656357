import Foundation
import Ginkgo
import Testing

@testable import GinkgoStdlib

/// The etcd backend's registrations against a real etcd started for each test.
@Suite(.timeLimit(.minutes(2)))
struct EtcdBackendTests {
    static func instance(_ id: String, name: String = "echo", health: InstanceHealth = .healthy) -> ServiceInstance {
        ServiceInstance(
            name: name,
            id: id,
            endpoints: ["rpc": "tcp://127.0.0.1:7200"],
            tags: ["blue"],
            metadata: ["host": "test", "pid": "1"],
            health: health
        )
    }

    @Test func aRegisteredInstanceIsListed() async throws {
        let etcd = try await EtcdProcess.launch()
        try await etcd.withBackend { backend in
            try await backend.register(Self.instance("echo-2"), ttl: .seconds(30))
            try await backend.register(Self.instance("echo-1"), ttl: .seconds(30))
            try await backend.register(Self.instance("other-1", name: "other"), ttl: .seconds(30))
            #expect(try await backend.instances(named: "echo") == [Self.instance("echo-1"), Self.instance("echo-2")])
            let everything = try await backend.instances(named: nil).map(\.key.description)
            #expect(everything == ["echo/echo-1", "echo/echo-2", "other/other-1"])
            #expect(try await backend.instances(named: "nobody").isEmpty)
        }
    }

    @Test func deregisterRemovesAtOnce() async throws {
        let etcd = try await EtcdProcess.launch()
        try await etcd.withBackend { backend in
            try await backend.register(Self.instance("echo-1"), ttl: .seconds(30))
            try await backend.deregister(Self.instance("echo-1").key)
            #expect(try await backend.instances(named: "echo").isEmpty)
            try await backend.deregister(Self.instance("never").key)
            await #expect(throws: DiscoveryError.self) {
                try await backend.renew(Self.instance("echo-1").key, ttl: .seconds(30))
            }
        }
    }

    @Test func aLeaseNotRenewedExpiresWhileARenewedOneLives() async throws {
        let etcd = try await EtcdProcess.launch()
        try await etcd.withBackend { backend in
            try await StreamRecorder.recording(backend.watch("echo")) { watch in
                #expect(try await watch.next() == .snapshot([]))
                let registered = ContinuousClock.now
                try await backend.register(Self.instance("renewed"), ttl: .seconds(1))
                try await backend.register(Self.instance("lapsed"), ttl: .seconds(1))
                #expect(try await watch.nextChange() == DiscoveryChange(.added, Self.instance("renewed")))
                #expect(try await watch.nextChange() == DiscoveryChange(.added, Self.instance("lapsed")))
                // The announcer's heartbeat, in small: renew until etcd has expired the other lease.
                let removal = try await withThrowingTaskGroup(of: DiscoveryChange?.self) { group in
                    group.addTask { try await watch.nextChange(within: .seconds(20)) }
                    group.addTask {
                        while true {
                            try await backend.renew(Self.instance("renewed").key, ttl: .seconds(1))
                            try await Task.sleep(for: .milliseconds(300))
                        }
                    }
                    defer { group.cancelAll() }
                    return try await group.next()!
                }
                #expect(removal == DiscoveryChange(.removed, Self.instance("lapsed")))
                // etcd raises a TTL of 1 s to its minimum, 2 s.
                #expect(registered.duration(to: .now) >= .seconds(1))
                #expect(try await backend.instances(named: "echo") == [Self.instance("renewed")])
                let error = await #expect(throws: DiscoveryError.self) {
                    try await backend.renew(Self.instance("lapsed").key, ttl: .seconds(1))
                }
                #expect(error?.code == .notRegistered)
            }
        }
    }

    @Test func renewAfterTheLeaseWasRevokedIsNotRegistered() async throws {
        let etcd = try await EtcdProcess.launch()
        try await etcd.withBackend { backend in
            let key = Self.instance("echo-1").key
            try await backend.register(Self.instance("echo-1"), ttl: .seconds(30))
            try await backend.renew(key, ttl: .seconds(30))
            let lease = try #require(backend.leases.withLock { $0[key]?.lease })
            try await etcd.revoke(lease)
            #expect(try await backend.instances(named: "echo").isEmpty)
            let error = await #expect(throws: DiscoveryError.self) { try await backend.renew(key, ttl: .seconds(30)) }
            #expect(error?.code == .notRegistered)
            // Registering again is the cure.
            try await backend.register(Self.instance("echo-1"), ttl: .seconds(30))
            try await backend.renew(key, ttl: .seconds(30))
            #expect(try await backend.instances(named: "echo") == [Self.instance("echo-1")])
        }
    }

    @Test func overlappingRegistrationsLeaveTheKeyOnTheLeaseThatIsRenewed() async throws {
        let etcd = try await EtcdProcess.launch()
        try await etcd.withBackend { backend in
            try await withThrowingDiscardingTaskGroup { group in
                for round in 0..<8 {
                    group.addTask {
                        let health: InstanceHealth = round.isMultiple(of: 2) ? .healthy : .unhealthy
                        try await backend.register(Self.instance("echo-1", health: health), ttl: .seconds(30))
                    }
                }
            }
            let lease = try #require(backend.leases.withLock { $0[Self.instance("echo-1").key]?.lease })
            #expect(try await etcd.leases() == [lease])
            try await etcd.revoke(lease)
            let left = try await backend.instances(named: "echo")
            #expect(left.isEmpty)
        }
    }

    @Test func anEndpointWhereNothingListensIsUnreachableAndNamed() async throws {
        let nowhere = "http://127.0.0.1:\(try EtcdProcess.freePorts(1)[0])"
        let backend = try EtcdBackend(endpoints: [nowhere], timeout: .seconds(30), logger: LogCollector().logger)
        try await withRunning(backend) { backend in
            let started = ContinuousClock.now
            let error = await #expect(throws: DiscoveryError.self) { try await backend.instances(named: "echo") }
            #expect(error?.code == .unreachable)
            #expect(error?.message.contains(nowhere) == true, "\(String(describing: error))")
            // A refused connection fails at once, not after the call's timeout (generous: busy CI).
            #expect(started.duration(to: .now) < .seconds(20))
        }
    }

    @Test func callsGoOnToTheNextEndpoint() async throws {
        let etcd = try await EtcdProcess.launch()
        let nowhere = "http://127.0.0.1:\(try EtcdProcess.freePorts(1)[0])"
        let backend = try EtcdBackend(
            endpoints: [nowhere, etcd.endpoint],
            timeout: .seconds(5),
            logger: LogCollector().logger
        )
        try await withRunning(backend) { backend in
            try await backend.register(Self.instance("echo-1"), ttl: .seconds(30))
            #expect(try await backend.instances(named: "echo") == [Self.instance("echo-1")])
        }
    }

    @Test func anOversizedRegistrationIsRefusedWithWhatEtcdSaid() async throws {
        let etcd = try await EtcdProcess.launch()
        try await etcd.withBackend { backend in
            var huge = Self.instance("echo-1")
            // Past etcd's 1.5 MiB request limit, short of the 2 MiB at which gRPC refuses first.
            huge.metadata["blob"] = String(repeating: "x", count: 1_700_000)
            let error = await #expect(throws: DiscoveryError.self) {
                try await backend.register(huge, ttl: .seconds(30))
            }
            #expect(error?.code == .tooLarge)
            #expect(error?.message.contains(etcd.endpoint) == true, "\(String(describing: error))")
            #expect(error?.message.contains("request is too large") == true, "\(String(describing: error))")
            // The refused registration left nothing behind, and etcd serves on.
            let left = try await backend.instances(named: "echo")
            #expect(left.isEmpty)
            #expect(backend.leases.withLock { $0.isEmpty })
        }
    }

    @Test func aValueThatIsNoInstanceIsSkippedAndLogged() async throws {
        let etcd = try await EtcdProcess.launch()
        let logs = LogCollector()
        try await etcd.withBackend(logs: logs) { backend in
            try await backend.register(Self.instance("echo-1"), ttl: .seconds(30))
            try await etcd.put("/ginkgo/services/echo/garbage", "not json {")
            try await etcd.put("/ginkgo/services/echo/impostor", Self.json(Self.instance("echo-9")))
            try await etcd.put("/ginkgo/services/echo", "no id")
            #expect(try await backend.instances(named: "echo") == [Self.instance("echo-1")])
            #expect(try await backend.instances(named: nil) == [Self.instance("echo-1")])
            let skipped = logs.lines.filter { $0.contains("skipping a key") }
            #expect(
                skipped.contains { $0.contains("/ginkgo/services/echo/garbage") && $0.contains("not instance JSON") }
            )
            #expect(skipped.contains { $0.contains("/ginkgo/services/echo/impostor") && $0.contains("echo/echo-9") })
            #expect(skipped.contains { $0.contains("key=/ginkgo/services/echo ") })
        }
    }

    @Test func badSettingsAreConfigurationErrors() throws {
        let logger = LogCollector().logger
        for endpoints in [[], ["127.0.0.1:2379"], ["ftp://127.0.0.1:2379"], ["http://127.0.0.1:2379/v3"]] {
            let error = #expect(throws: DiscoveryError.self) {
                try EtcdBackend(endpoints: endpoints, timeout: .seconds(1), logger: logger)
            }
            #expect(error?.code == .configuration, "\(endpoints)")
        }
        // One never run closes its HTTP client when dropped (AsyncHTTPClient traps otherwise).
        _ = try EtcdBackend(endpoints: ["http://127.0.0.1:2379/"], timeout: .seconds(1), logger: logger)
    }

    static func json(_ instance: ServiceInstance) -> String {
        String(decoding: try! JSONEncoder().encode(instance), as: UTF8.self)
    }
}
