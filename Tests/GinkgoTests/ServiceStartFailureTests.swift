import Ginkgo
import Testing

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
