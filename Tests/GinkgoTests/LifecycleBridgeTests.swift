import Ginkgo
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// A swift-service-lifecycle service that records its run and graceful shutdown.
struct EcosystemService: ServiceLifecycle.Service {
    let recorder: Recorder
    let failAfterStart: Bool

    func run() async throws {
        recorder.record("run")
        if failAfterStart { throw Flaky.Boom() }
        try await gracefulShutdown()
        recorder.record("graceful")
    }
}

@Suite(.timeLimit(.minutes(1)))
struct LifecycleBridgeTests {
    @Test func ginkgoTreeRunsInAServiceGroup() async throws {
        let recorder = Recorder()
        let app = Probe("BridgeApp", recorder, children: [Probe("child", recorder)])
        let group = ServiceGroup(services: [app], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await app.waitUntil(.ready, timeout: .seconds(10))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(recorder.events == ["child.start", "BridgeApp.start", "child.stop", "BridgeApp.stop"])
        #expect(app.state == .stopped)
    }

    @Test func lifecycleServiceRunsAsAChild() async throws {
        let recorder = Recorder()
        let app = Probe("Host", recorder)
        app.addService(LifecycleService(EcosystemService(recorder: recorder, failAfterStart: false), name: "Eco"))
        try await app.start()
        await recorder.wait(for: "run")
        await app.stop()
        #expect(recorder.events == ["Host.start", "run", "graceful", "Host.stop"])
    }

    @Test func lifecycleServiceFailureGoesThroughTheFailurePolicy() async throws {
        let recorder = Recorder()
        let app = Service(name: "FailingHost")
        app.addService(LifecycleService(EcosystemService(recorder: recorder, failAfterStart: true), name: "Eco"))
        let error = try await #require(throws: ServiceError.self) { try await app.serveForever() }
        #expect(error.code == .taskFailed && error.path == "FailingHost/Eco")
        #expect(app.state == .stopped)
    }
}
