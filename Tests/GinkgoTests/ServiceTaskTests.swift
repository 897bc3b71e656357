import Ginkgo
import Synchronization
import Testing
import TestSupport

/// Spawns an endless loop and a delayed task.
final class Looper: Service, @unchecked Sendable {
    let recorder = Recorder()
    let delay: Duration

    init(delay: Duration) {
        self.delay = delay
        super.init()
    }

    override func doStart() async throws {
        spawn {
            self.recorder.record("loop.started")
            do {
                while true { try await Task.sleep(for: .milliseconds(5)) }
            } catch {
                self.recorder.record("loop.ended")
                throw error
            }
        }
        spawnLater(after: delay) { self.recorder.record("later.fired") }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ServiceTaskTests {
    @Test func stopCancelsAndAwaitsSpawnedTasks() async throws {
        let service = Looper(delay: .seconds(3600))
        try await service.start()
        await service.recorder.wait(for: "loop.started")
        await service.stop()
        // stop() returned only after the loop ended, and the hour-long timer never fired.
        #expect(service.recorder.events == ["loop.started", "loop.ended"])
    }

    @Test func spawnLaterFiresAfterItsDelay() async throws {
        let service = Looper(delay: .milliseconds(50))
        let clock = ContinuousClock()
        let started = clock.now
        try await service.start()
        await service.recorder.wait(for: "later.fired")
        #expect(clock.now - started >= .milliseconds(50))
        await service.stop()
    }

    @Test func spawnedTaskCanBeJoined() async throws {
        let service = Service()
        try await service.start()
        let total = Mutex(0)
        let tasks = (1...100).map { n in service.spawn { total.withLock { $0 += n } } }
        for task in tasks { try await task.value }
        #expect(total.withLock { $0 } == 5050)
        #expect(tasks.allSatisfy { $0.isFinished })
        await service.stop()
    }

    @Test func spawnOnAStoppedServiceDoesNotRun() async throws {
        let service = Service()
        let ran = Mutex(false)
        let task = service.spawn { ran.withLock { $0 = true } }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ran.withLock { $0 } == false)
    }
}
