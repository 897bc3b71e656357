import Ginkgo
import Synchronization
import Testing
import TestSupport

/// A service whose spawned task throws on the first `failures` starts.
final class Flaky: Service, @unchecked Sendable {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }
    let policy: FailurePolicy
    let failures: Int
    let starts = Mutex(0)
    let recorder = Recorder()

    init(name: String, policy: FailurePolicy, failures: Int) {
        self.policy = policy
        self.failures = failures
        super.init(name: name)
    }

    override var failurePolicy: FailurePolicy { policy }

    override func doStart() async throws {
        let start = starts.withLock { starts in
            starts += 1
            return starts
        }
        recorder.record("start.\(start)")
        spawn {
            if start <= self.failures { throw Boom() }
            self.recorder.record("healthy")
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct FailurePolicyTests {
    init() { CapturedLogs.bootstrap() }

    @Test func failingTaskStopsTheWholeTreeByDefault() async throws {
        let flaky = Flaky(name: "FailFastFlaky", policy: .stopTree, failures: .max)
        let sibling = Service(name: "Sibling")
        let app = Service(name: "FailFastApp")
        app.addService(sibling)
        app.addService(flaky)
        do {
            try await app.serveForever()
            Issue.record("serveForever returned without the failure")
        } catch let error as ServiceError {
            #expect(error.code == .taskFailed)
            #expect(error.path == "FailFastApp/FailFastFlaky")
            #expect("\(error)".contains("boom"))
        }
        #expect(app.state == .stopped && sibling.state == .stopped && flaky.state == .stopped)
        let logged = CapturedLogs.messages(label: "FailFastApp/FailFastFlaky")
        #expect(logged.contains { $0.level == .error && $0.message.contains("boom") })
    }

    @Test func restartPolicyRestartsTheServiceWithBackoff() async throws {
        let flaky = Flaky(
            name: "RestartFlaky",
            policy: .restart(maxRestarts: 3, within: .seconds(60), initialBackoff: .milliseconds(1)),
            failures: 2
        )
        let app = Service(name: "RestartApp")
        app.addService(flaky)
        try await app.start()
        await flaky.recorder.wait(for: "healthy")
        #expect(flaky.recorder.events == ["start.1", "start.2", "start.3", "healthy"])
        #expect(app.isReady && flaky.isReady)
        await app.stop()
    }

    @Test func restartPolicyEscalatesToTheParentAfterTooManyRestarts() async throws {
        let flaky = Flaky(
            name: "EscalatingFlaky",
            policy: .restart(maxRestarts: 2, within: .seconds(60), initialBackoff: .milliseconds(1)),
            failures: .max
        )
        let app = Service(name: "EscalatingApp")
        app.addService(flaky)
        await #expect(throws: ServiceError.self) { try await app.serveForever() }
        #expect(app.state == .stopped)
        // The first start and two restarts, then the parent's policy (stop the tree).
        #expect(flaky.starts.withLock { $0 } == 3)
    }

    @Test func ignorePolicyKeepsRunning() async throws {
        let flaky = Flaky(name: "IgnoringFlaky", policy: .ignore, failures: .max)
        try await flaky.start()
        try await flaky.spawn {}.value
        #expect(flaky.isReady)
        await flaky.stop()
        let logged = CapturedLogs.messages(label: "IgnoringFlaky")
        #expect(logged.contains { $0.level == .error && $0.message.contains("boom") })
    }
}
