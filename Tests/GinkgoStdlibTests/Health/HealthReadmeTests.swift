import Ginkgo
import GinkgoNet
import GinkgoStdlib
import Testing
import TestSupport

// The README's health example, verbatim.
func addHealth(to worker: Service, databasePort: Int) -> HealthMonitor {
    let announcer = Announcer(name: "worker", endpoints: ["rpc": "tcp://127.0.0.1:7200"])
    let database = HealthCheck.tcp("database", host: "127.0.0.1", port: databasePort)
    let health = HealthMonitor(
        checks: [database.with(interval: .seconds(2), failures: 3, successes: 2)],
        announcer: announcer
    )
    worker.addService(announcer)
    worker.addService(health)
    worker.addService(HealthEndpoint(monitor: health, port: .setting("health.port", default: 8081)))
    return health
}

@Suite(.timeLimit(.minutes(1)))
struct HealthReadmeTests {
    @Test func theWorkerReportsItsDatabaseHealthy() async throws {
        let database = StreamServer(host: "127.0.0.1", port: 0) { _ in }
        try await database.start()
        try await withRegistry { registry, endpoint in
            let worker = Service(name: "worker")
            let health = addHealth(to: worker, databasePort: try #require(database.port))
            worker.settings = try Settings(overrides: [
                "discovery.endpoints": endpoint, "discovery.timeout": "10s", "health.port": "0",
            ])
            try await worker.start()
            try await eventually("the database check to pass") { health.status == .up }
            #expect(registry.instances.map(\.health) == [.healthy])
            await worker.stop()
        }
        await database.stop()
    }
}
