import Ginkgo
import Testing

@testable import GinkgoStdlib

/// Services that add their announcer only as they start (its endpoint is known once bound)
/// still declare the settings it reads, so `--help` lists them and a start checks them.
struct AnnouncedSettingsTests {
    func keys(_ service: Service) -> Set<String> {
        Set(Settings.default.describeTree(service).map(\.key))
    }

    @Test func anRPCServerListsItsAnnouncersSettingsAndItsDiscoverysWhenItHasNone() {
        let own = keys(RPCServer(name: "calculator"))
        #expect(
            own.isSuperset(of: ["rpc.name", "announce.ttl", "announce.id", "discovery.endpoints", "discovery.timeout"])
        )
        // Name and endpoints come from rpc.*, not from the announcer's settings.
        #expect(own.isDisjoint(with: ["announce.name", "announce.endpoints", "announce.tags"]))
        #expect(!keys(RPCServer(name: "calculator", discovery: Discovery())).contains("discovery.endpoints"))
    }

    @Test func aBusProxyAndAJobWorkerListTheirAnnouncersSettings() {
        #expect(
            keys(BusProxy(discovery: nil)).isSuperset(of: [
                "bus.name", "announce.ttl", "announce.id", "discovery.endpoints",
            ])
        )
        #expect(
            keys(JobWorker { _ in }).isSuperset(of: ["jobs.name", "announce.ttl", "announce.id", "discovery.endpoints"])
        )
    }

    @Test func aBadValueForOneOfThemStopsTheStartAndNamesIt() async throws {
        let server = RPCServer(name: "calculator")
        server.settings = try Settings(overrides: ["announce.ttl": "soon"])
        let error = await #expect(throws: (any Error).self) { try await server.start() }
        #expect(
            "\(String(describing: error))".contains(#"setting announce.ttl: expected duration, got "soon""#),
            "\(String(describing: error))"
        )
    }
}
