import Ginkgo
import Testing
import TestSupport

/// Defers readiness and never calls `setReady()` unless told to.
final class SlowToReady: Service, @unchecked Sendable {
    let readyAfterStart: Bool
    init(name: String, readyAfterStart: Bool) {
        self.readyAfterStart = readyAfterStart
        super.init(name: name)
    }
    override var startTimeout: Duration { readyAfterStart ? .seconds(30) : .milliseconds(100) }
    override func doStart() async throws {
        deferReady()
        if readyAfterStart {
            spawn { self.setReady() }
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ServiceStartFailureTests {
    @Test func failingChildStopsStartedSiblingsAndNamesItsPath() async throws {
        let recorder = Recorder()
        let registry = FailingProbe("Registry", recorder)
        let cluster = Probe("Cluster", recorder, children: [Probe("Store", recorder), registry])
        let app = Probe("App", recorder, children: [Probe("Log", recorder), cluster, Probe("Web", recorder)])
        do {
            try await app.start()
            Issue.record("start succeeded")
        } catch let error as ServiceError {
            #expect(error.code == .startFailed)
            #expect(error.path == "App/Cluster/Registry")
            #expect("\(error)".contains("port 7000 is taken"))
        }
        #expect(recorder.events == ["Log.start", "Store.start", "Registry.start", "Store.stop", "Log.stop"])
        #expect(app.state == .stopped && cluster.state == .stopped && registry.state == .stopped)
        #expect(app.lastError is ServiceError)
    }

    @Test func serviceThatNeverBecomesReadyFailsAfterStartTimeout() async throws {
        let service = SlowToReady(name: "Sleepy", readyAfterStart: false)
        let app = Service(name: "App")
        app.addService(service)
        do {
            try await app.start()
            Issue.record("start succeeded")
        } catch let error as ServiceError {
            #expect(error.code == .startTimedOut)
            #expect(error.path == "App/Sleepy")
        }
        #expect(app.state == .stopped && service.state == .stopped)
    }

    @Test func deferredReadinessCompletesWithSetReady() async throws {
        let service = SlowToReady(name: "Eventually", readyAfterStart: true)
        try await service.start()
        #expect(service.isReady)
        await service.stop()
    }
}

/// Defers readiness, then reports a failure from a spawned task.
final class FailsLater: Service, @unchecked Sendable {
    struct BindFailed: Error {}
    override func doStart() async throws {
        deferReady()
        spawn { self.failStart(BindFailed()) }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct DeferredStartFailureTests {
    @Test func failStartEndsTheStartAtOnceWithTheError() async throws {
        let service = FailsLater(name: "Late")
        let error = try await #require(throws: ServiceError.self) { try await service.start() }
        #expect(error.code == .startFailed && error.path == "Late")
        #expect(error.underlying is FailsLater.BindFailed)
        #expect(service.state == .stopped)
    }

    @Test func waitingForASpawnedTaskCanBeCancelled() async throws {
        let service = Service(name: "Waiter")
        try await service.start()
        let endless = service.spawn { try await Task.sleep(for: .seconds(3600)) }
        let waiter = Task { try await endless.value }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(!endless.isFinished)
        await service.stop()
        #expect(endless.isFinished)
    }
}
