import Ginkgo
import GinkgoStdlib
import Testing

// The README's Discovery example, verbatim.
final class EchoDaemon: Service, RunnableService, @unchecked Sendable {
    let discovery = Discovery()

    required init() {
        super.init()
        addService(discovery)
        addService(Announcer(name: "echo", endpoints: ["rpc": "tcp://127.0.0.1:7200"], discovery: discovery))
    }
}

func findEcho(_ resolver: Resolver) async throws -> [String] {
    try await resolver.resolve("echo").compactMap { $0.endpoints["rpc"] }
}

@Suite(.timeLimit(.minutes(1)))
struct ReadmeTests {
    @Test func theEchoDaemonIsFoundByAResolver() async throws {
        try await withRegistry { registry, endpoint in
            let settings = try Settings(overrides: ["discovery.endpoints": endpoint, "discovery.timeout": "10s"])
            let daemon = EchoDaemon()
            daemon.settings = settings
            let resolver = Resolver()
            resolver.settings = settings
            try await daemon.start()
            try await resolver.start()
            #expect(try await findEcho(resolver) == ["tcp://127.0.0.1:7200"])
            await daemon.stop()
            #expect(registry.instances.isEmpty)
            await resolver.stop()
        }
    }
}
