import Ginkgo
import GinkgoZeroMQ
import Testing
import TestSupport

@testable import GinkgoStdlib

@Suite(.timeLimit(.minutes(1))) struct RegistryTests {
    static func echo(_ id: String, health: InstanceHealth = .healthy) -> ServiceInstance {
        ServiceInstance(name: "echo", id: id, endpoints: ["rpc": "tcp://127.0.0.1:9"], health: health)
    }

    @Test func registersListsAndDeregisters() async throws {
        try await withRegistry { registry, endpoint in
            try await withClient(endpoint) { client in
                try await client.register(Self.echo("a"), ttl: .seconds(10))
                try await client.register(Self.echo("b"), ttl: .seconds(10))
                #expect(try await client.instances(named: "echo").map(\.id) == ["a", "b"])
                #expect(try await client.instances(named: "other").isEmpty)
                try await client.deregister(ServiceInstance.Key(name: "echo", id: "a"))
                #expect(try await client.instances(named: nil).map(\.id) == ["b"])
                #expect(registry.instances.map(\.id) == ["b"])
                try await client.deregister(ServiceInstance.Key(name: "echo", id: "unknown"))
            }
        }
    }

    @Test func anUnrenewedLeaseExpiresAndRenewalThenSaysNotRegistered() async throws {
        try await withRegistry { registry, endpoint in
            try await withClient(endpoint) { client in
                try await client.register(Self.echo("a"), ttl: .milliseconds(300))
                try await eventually("the lease to expire") { registry.instances.isEmpty }
                await #expect(throws: DiscoveryError(.notRegistered, "registry \(endpoint): echo/a has no lease")) {
                    try await client.renew(ServiceInstance.Key(name: "echo", id: "a"), ttl: .seconds(1))
                }
            }
        }
    }

    @Test func aWatchSeesTheSnapshotThenAddHealthAndRemoveInOrder() async throws {
        try await withRegistry { _, endpoint in
            try await withClient(endpoint) { client in
                try await client.register(Self.echo("a"), ttl: .seconds(10))
                try await StreamRecorder.recording(client.watch("echo")) { updates in
                    #expect(try await updates.next() == .snapshot([Self.echo("a")]))
                    try await client.register(Self.echo("b"), ttl: .seconds(10))
                    try await client.register(Self.echo("a", health: .unhealthy), ttl: .seconds(10))
                    try await client.deregister(ServiceInstance.Key(name: "echo", id: "b"))
                    try await client.register(Self.echo("a"), ttl: .milliseconds(200))
                    var seen: [WatchUpdate] = []
                    for _ in 0..<5 { seen.append(try await updates.next()) }
                    #expect(
                        seen == [
                            .change(DiscoveryChange(.added, Self.echo("b"))),
                            .change(DiscoveryChange(.health, Self.echo("a", health: .unhealthy))),
                            .change(DiscoveryChange(.removed, Self.echo("b"))),
                            .change(DiscoveryChange(.health, Self.echo("a"))),
                            .change(DiscoveryChange(.removed, Self.echo("a"))),
                        ]
                    )
                }
            }
        }
    }

    @Test func aRestartedRegistryGetsTheAnnouncersBackAndTheWatchersResynchronise() async throws {
        let first = Registry(endpoint: "tcp://127.0.0.1:*")
        try await first.start()
        let endpoint = try #require(first.boundEndpoint)
        let discovery = Discovery(
            backend: try RegistryClient(endpoints: [endpoint], timeout: .seconds(10), heartbeat: .milliseconds(100))
        )
        let announcer = Announcer(name: "echo", endpoints: ["rpc": "tcp://127.0.0.1:9"], discovery: discovery)
        let tree = Service(name: "tree")
        tree.addService(discovery)
        tree.addService(announcer)
        tree.settings = try Settings(overrides: ["announce.ttl": "600ms"])
        try await tree.start()
        let resolver = Resolver(discovery: discovery)
        tree.addService(resolver)
        try await resolver.start()
        let second = Registry(endpoint: endpoint)
        try await StreamRecorder.recording(resolver.watch("echo")) { changes in
            #expect(try await changes.next().kind == .added)
            await first.stop()
            // libzmq releases the port in its own thread, a moment after the close.
            try await eventually("the port to be free again") { (try? await second.start()) != nil }
            try await eventually("the announcer to register again") { second.instances.count == 1 }
            try await withClient(endpoint) { try await $0.register(Self.echo("b"), ttl: .seconds(10)) }
            // The watch is back, on the new registry: it reports b, after whatever the
            // resynchronisation showed of the announcer's instance.
            var change = try await changes.next()
            while change.instance.id != "b" { change = try await changes.next() }
            #expect(change.kind == .added)
        }
        try await eventually("the resolver to see both") { try await resolver.resolve("echo").count == 2 }
        await tree.stop()
        #expect(second.instances.map(\.id) == ["b"])
        await second.stop()
    }

    @Test func theResolverAnswersFromWhatItKnewWhileTheRegistryIsDown() async throws {
        let registry = Registry(endpoint: "tcp://127.0.0.1:*")
        try await registry.start()
        let endpoint = try #require(registry.boundEndpoint)
        try await withClient(endpoint) { client in
            try await client.register(Self.echo("a"), ttl: .seconds(30))
            try await client.register(Self.echo("b", health: .unhealthy), ttl: .seconds(30))
        }
        // Long enough for a loaded machine, short enough for the last request, which times out.
        let discovery = Discovery(backend: try RegistryClient(endpoints: [endpoint], timeout: .seconds(5)))
        let resolver = Resolver(discovery: discovery)
        let tree = Service(name: "tree")
        tree.addService(discovery)
        tree.addService(resolver)
        try await tree.start()
        #expect(try await resolver.resolve("echo").map(\.id) == ["a"])
        await registry.stop()
        #expect(try await resolver.resolve("echo").map(\.id) == ["a"])
        await #expect(throws: DiscoveryError.self) { try await resolver.resolve("unknown") }
        await tree.stop()
    }

    @Test func badRequestsGetErrorRepliesAndTheRegistryKeepsServing() async throws {
        try await withRegistry(maxRequest: 4096) { _, endpoint in
            let raw = try Socket(.dealer)
            defer { raw.close() }
            try raw.connect(endpoint)
            func ask(_ message: Message) async throws -> String {
                try await raw.send(message)
                return try await withTimeout(.seconds(5)) { try await raw.receive().strings.joined(separator: "|") }
            }
            #expect(try await ask(["not json"]).contains(#""code":"bad_request""#))
            #expect(try await ask(["[1,2]"]).contains(#""code":"bad_request""#))
            #expect(try await ask([#"{"v":9,"id":3,"op":"ping"}"#]).contains(#""code":"unsupported_version""#))
            #expect(try await ask([#"{"v":1,"id":4,"op":"fly"}"#]).contains(#"unknown op \"fly\""#))
            #expect(
                try await ask([#"{"v":1,"id":5,"op":"register","ttl_ms":1000}"#]).contains("missing field instance")
            )
            #expect(try await ask(["one", "two"]).contains(#""code":"too_large""#))
            #expect(try await ask([#"{"v":1,"id":6,"op":"ping"}"#]).contains(#""ok":true"#))

            // An oversized request drops its sender's connection; nothing to reply to.
            try await raw.send(Message([UInt8](repeating: 0x7b, count: 10_000)))
            try await withClient(endpoint) { client in
                try await client.register(Self.echo("a"), ttl: .seconds(10))
                #expect(try await client.instances(named: "echo").count == 1)
            }
        }
    }

    @Test func aClientFindsTheRegistryByItsBeaconOnLoopback() async throws {
        let port = Int.random(in: 30_000...40_000)
        let registry = Registry(endpoint: "tcp://127.0.0.1:*")
        registry.settings = try Settings(overrides: [
            "registry.beacon": "true", "beacon.address": "127.255.255.255", "beacon.port": "\(port)",
            "beacon.interval": "100ms",
        ])
        try await registry.start()
        defer { Task { await registry.stop() } }
        let heard = try await BeaconListener(port: port).firstRegistry(timeout: .seconds(10))
        #expect(heard == registry.boundEndpoint)

        let discovery = Discovery()
        discovery.settings = try Settings(overrides: [
            "discovery.endpoints": "beacon", "discovery.timeout": "10s", "beacon.port": "\(port)",
        ])
        try await discovery.start()
        try await discovery.backend.register(Self.echo("a"), ttl: .seconds(10))
        #expect(registry.instances.map(\.id) == ["a"])
        await discovery.stop()
        await registry.stop()
    }

    @Test func beaconParsingIgnoresWhatIsNotABeacon() {
        #expect(BeaconMessage.endpoint(in: "hello", from: "127.0.0.1") == nil)
        #expect(BeaconMessage.endpoint(in: "GINKGO-REGISTRY 2 tcp://a:1", from: "127.0.0.1") == nil)
        #expect(BeaconMessage.endpoint(in: "GINKGO-REGISTRY 1 nonsense", from: "127.0.0.1") == nil)
        #expect(
            BeaconMessage.endpoint(in: "GINKGO-REGISTRY 1 tcp://10.0.0.1:7100", from: "127.0.0.1")
                == "tcp://10.0.0.1:7100"
        )
        #expect(
            BeaconMessage.endpoint(in: "GINKGO-REGISTRY 1 tcp://*:7100", from: "127.0.0.2") == "tcp://127.0.0.2:7100"
        )
    }
}

/// Runs `body` with a registry bound to a free loopback port.
func withRegistry(
    maxRequest: Int? = nil,
    _ body: (Registry, String) async throws -> Void
) async throws {
    let registry = Registry(endpoint: "tcp://127.0.0.1:*")
    if let maxRequest { registry.settings = try Settings(overrides: ["registry.max_request": "\(maxRequest)"]) }
    try await registry.start()
    do {
        try await body(registry, try #require(registry.boundEndpoint))
    } catch {
        await registry.stop()
        throw error
    }
    await registry.stop()
}

/// Runs `body` with a running client of the registry at `endpoint`.
func withClient<T>(_ endpoint: String, _ body: (RegistryClient) async throws -> T) async throws -> T {
    let client = try RegistryClient(endpoints: [endpoint], timeout: .seconds(10), heartbeat: .milliseconds(200))
    let running = Task { try await client.run() }
    defer { running.cancel() }
    return try await body(client)
}
