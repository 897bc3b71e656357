import Ginkgo
import Testing

/// The debug lines of a tree's start and stop, logged by the service the operation began with.
@Suite(.timeLimit(.minutes(1)))
struct LifecycleLogTests {
    init() { CapturedLogs.bootstrap() }

    @Test func theServiceAStartBeganWithLogsEachServiceOfItsTree() async throws {
        let app = Service(name: "LogApp")
        let cluster = Service(name: "Cluster")
        cluster.addService(Service(name: "Registry"))
        app.addService(cluster)
        try await app.start()
        await app.stop()
        #expect(
            CapturedLogs.messages(label: "LogApp").map(\.message) == [
                "Starting LogApp.", "Starting LogApp/Cluster.", "Starting LogApp/Cluster/Registry.",
                "LogApp/Cluster/Registry is ready.", "LogApp/Cluster is ready.", "LogApp is ready.",
                "Stopping LogApp.", "Stopping LogApp/Cluster.", "Stopping LogApp/Cluster/Registry.",
                "LogApp/Cluster/Registry stopped.", "LogApp/Cluster stopped.", "LogApp stopped.",
            ]
        )
        #expect(CapturedLogs.messages(label: "LogApp").allSatisfy { $0.level == .debug })

        // A subtree stopped on its own logs under its own label.
        try await app.start()
        await cluster.stop()
        #expect(CapturedLogs.messages(label: "LogApp/Cluster").map(\.message).first == "Stopping LogApp/Cluster.")
        await app.stop()
    }
}
