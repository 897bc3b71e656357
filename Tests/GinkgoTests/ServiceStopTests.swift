import Ginkgo
import Testing
import TestSupport

/// Blocks `doStart` until released, to catch a start in progress.
final class GatedStart: Service, @unchecked Sendable {
    let recorder = Recorder()
    let gate = AsyncStream<Void>.makeStream()

    override func doStart() async throws {
        recorder.record("doStart.entered")
        for await _ in gate.stream { break }
        recorder.record("doStart.returned")
    }
    override func doStop() async throws { recorder.record("doStop") }
}

/// Stops itself from one of its own spawned tasks.
final class SelfStopper: Service, @unchecked Sendable {
    let recorder = Recorder()
    override func doStart() async throws {
        spawn {
            self.recorder.record("stopping.self")
            await self.stop()
            self.recorder.record("stop.returned")
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ServiceStopTests {
    @Test func stopIsIdempotent() async throws {
        let recorder = Recorder()
        let service = Probe("svc", recorder)
        await service.stop()
        #expect(service.state == .initial)
        try await service.start()
        await service.stop()
        await service.stop()
        #expect(recorder.events == ["svc.start", "svc.stop"])
        #expect(service.state == .stopped)
    }

    @Test func concurrentStopsAllReturnOnceStopped() async throws {
        let recorder = Recorder()
        let service = Probe("svc", recorder, children: [Probe("child", recorder)])
        try await service.start()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<10 { group.addTask { await service.stop() } }
        }
        #expect(service.state == .stopped)
        #expect(recorder.count("svc.stop") == 1 && recorder.count("child.stop") == 1)
    }

    @Test func stopDuringStartInterruptsIt() async throws {
        let service = GatedStart()
        let started = Task { try await service.start() }
        await service.recorder.wait(for: "doStart.entered")
        // stop() cancels the start in progress (ending doStart's wait), then tears down.
        await service.stop()
        await #expect(throws: ServiceError.self) { try await started.value }
        #expect(service.state == .stopped)
        #expect(service.recorder.events == ["doStart.entered", "doStart.returned", "doStop"])
    }

    @Test func stopFromTheServicesOwnTaskDoesNotHang() async throws {
        let service = SelfStopper()
        try await service.start()
        try await service.waitUntil(.stopped, timeout: .seconds(10))
        await service.recorder.wait(for: "stop.returned")
        #expect(service.state == .stopped)
    }

    @Test func aStoppedServiceStartsAgain() async throws {
        let recorder = Recorder()
        let service = Probe("svc", recorder, children: [Probe("child", recorder)])
        for _ in 0..<3 {
            try await service.start()
            #expect(service.isReady)
            await service.stop()
        }
        #expect(recorder.count("svc.start") == 3 && recorder.count("child.stop") == 3)
        let looper = Looper(delay: .seconds(3600))
        try await looper.start()
        await looper.stop()
        try await looper.start()
        await looper.recorder.wait(for: "loop.started")
        #expect(looper.isReady)
        await looper.stop()
    }

    @Test func serveForeverReturnsWhenStopped() async throws {
        let recorder = Recorder()
        let service = Probe("svc", recorder)
        async let served: Void = service.serveForever()
        try await service.waitUntil(.ready, timeout: .seconds(10))
        await service.stop()
        try await served
    }

    @Test func withRunningStopsAfterTheBody() async throws {
        let recorder = Recorder()
        let service = Probe("svc", recorder)
        let state = try await service.withRunning { service.state }
        #expect(state == .ready)
        #expect(service.state == .stopped)
        struct BodyFailed: Error {}
        await #expect(throws: BodyFailed.self) { try await service.withRunning { throw BodyFailed() } }
        #expect(service.state == .stopped)
    }

    @Test func requireReadyThrowsUnlessReady() async throws {
        let service = Service(name: "Api")
        await #expect(throws: ServiceError.self) { try await service.requireReady() }
        try await service.start()
        try await service.requireReady()
        await service.stop()
        do {
            try await service.requireReady()
            Issue.record("requireReady passed on a stopped service")
        } catch let error as ServiceError {
            #expect(error.code == .notReady && error.path == "Api")
        }
    }

    @Test func waitUntilTimesOutNamingTheState() async throws {
        let service = Service(name: "Idle")
        do {
            try await service.waitUntil(.ready, timeout: .milliseconds(20))
            Issue.record("waitUntil returned")
        } catch let error as ServiceError {
            #expect(error.code == .timedOut)
            #expect("\(error)".contains("initial"))
        }
    }
}
