import Ginkgo

/// Services that misbehave on purpose, for the runner's process-level tests.
@main
struct RunnerFixture {
    static func main() {
        Runner(services: [Stubborn.self, Crashing.self, NeverReady.self], version: "test").main()
    }
}

/// Never finishes stopping: its `doStop` waits an hour, ignoring cancellation.
final class Stubborn: Service, RunnableService, @unchecked Sendable {
    let worker = Worker()

    required init() {
        super.init()
        addService(worker)
    }

    override func doStart() async throws {
        logger.info("Stubborn is ready.")
    }

    final class Worker: Service, @unchecked Sendable {
        override func doStop() async throws {
            logger.info("Worker refuses to stop.")
            await Task { try? await Task.sleep(for: .seconds(3600)) }.value
        }
    }
}

/// Starts, then fails in a spawned task: the tree stops and the process exits 1.
final class Crashing: Service, RunnableService, @unchecked Sendable {
    required init() {
        super.init()
    }

    struct Crash: Error, CustomStringConvertible {
        var description: String { "the disk is on fire" }
    }

    override func doStart() async throws {
        spawn {
            try await Task.sleep(for: .milliseconds(100))
            throw Crash()
        }
    }
}

/// Defers readiness and never becomes ready (for an hour): Ctrl-C must still stop it.
final class NeverReady: Service, RunnableService, @unchecked Sendable {
    required init() {
        super.init()
    }

    override var startTimeout: Duration { .seconds(3600) }

    override func doStart() async throws {
        deferReady()
        logger.info("Waiting forever to be ready.")
    }
}
