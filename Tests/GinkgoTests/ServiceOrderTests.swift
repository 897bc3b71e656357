import Ginkgo
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(1)))
struct ServiceOrderTests {
    @Test func childrenStartInOrderBeforeParentAndStopInReverse() async throws {
        let recorder = Recorder()
        let app = Probe("app", recorder, children: [Probe("a", recorder), Probe("b", recorder)])
        try await app.start()
        #expect(app.state == .ready)
        #expect(app.children.allSatisfy { $0.state == .ready })
        await app.stop()
        #expect(recorder.events == ["a.start", "b.start", "app.start", "b.stop", "a.stop", "app.stop"])
        #expect(app.state == .stopped)
    }

    @Test func startBeforeRunsParentFirst() async throws {
        let recorder = Recorder()
        let app = EarlyProbe("app", recorder, children: [Probe("a", recorder), Probe("b", recorder)])
        try await app.start()
        try await app.reload()
        await app.stop()
        #expect(
            recorder.events == [
                "app.start", "a.start", "b.start",
                "app.reload", "a.reload", "b.reload",
                "b.stop", "a.stop", "app.stop",
            ]
        )
    }

    @Test func reloadReachesEveryNodeOrderedLikeStart() async throws {
        let recorder = Recorder()
        let leaf = Probe("leaf", recorder)
        let app = Probe("app", recorder, children: [Probe("a", recorder, children: [leaf]), Probe("b", recorder)])
        try await app.start()
        try await app.reload()
        await app.stop()
        let reloads = recorder.events.filter { $0.hasSuffix(".reload") }
        #expect(reloads == ["leaf.reload", "a.reload", "b.reload", "app.reload"])
    }

    @Test func pathAndLoggerLabelFollowTheTree() async throws {
        let recorder = Recorder()
        let registry = Probe("Registry", recorder)
        let cluster = Probe("Cluster", recorder, children: [registry])
        #expect(registry.path == "Cluster/Registry")
        let app = Probe("App", recorder, children: [cluster])
        #expect(registry.path == "App/Cluster/Registry")
        #expect(registry.logger.label == "App/Cluster/Registry")
        #expect(app.root === app && registry.root === app)
        #expect(Service().name == "Service")
    }
}
