import Ginkgo
import Testing

@testable import GinkgoStdlib

/// An ``Announcer`` and a ``Resolver`` meeting on etcd, chosen by the settings.
@Suite(.timeLimit(.minutes(2)))
struct EtcdDiscoveryTests {
    @Test func anAnnouncerAndAResolverMeetOnEtcd() async throws {
        let etcd = try await EtcdProcess.launch()
        let discovery = Discovery()
        let announcer = Announcer(name: "echo", endpoints: ["rpc": "tcp://127.0.0.1:7200"], discovery: discovery)
        let resolver = Resolver(discovery: discovery)
        let tree = Service(name: "tree")
        tree.addService(discovery)
        tree.addService(announcer)
        tree.addService(resolver)
        tree.settings = try Settings(overrides: [
            "discovery.backend": "etcd", "discovery.endpoints": etcd.endpoint, "discovery.timeout": "10s",
            "announce.ttl": "2s",
        ])
        try await tree.start()
        #expect(try discovery.backend.description == "etcd \(etcd.endpoint)")
        let announced = try #require(announcer.instance)
        #expect(try await resolver.resolve("echo") == [announced])

        try await StreamRecorder.recording(resolver.watch("echo")) { (changes) async throws in
            #expect(try await changes.next() == DiscoveryChange(.added, announced))
            await announcer.setHealth(.unhealthy)
            var unhealthy = announced
            unhealthy.health = .unhealthy
            #expect(try await changes.next() == DiscoveryChange(.health, unhealthy))
            await announcer.stop()
            #expect(try await changes.next() == DiscoveryChange(.removed, unhealthy))
        }
        await tree.stop()
    }
}
