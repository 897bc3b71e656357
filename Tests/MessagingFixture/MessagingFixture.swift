import Foundation
import Ginkgo
import GinkgoStdlib

/// A work-queue worker, a bus subscriber and a pusher for the process-level tests.
@main
struct MessagingFixture {
    static func main() {
        Runner(services: [FixtureWorker.self, BusListener.self, FixturePusher.self], version: "test").main()
    }
}

/// What the fixture's jobs take.
struct FixtureJob: Codable, Sendable {
    var n: Int
    var ms: Int = 0
}

/// What they return: the job's number and the worker's pid.
struct FixtureResult: Codable, Sendable {
    var n: Int
    var pid: Int32
}

/// Jobs `work` (sleeps `ms`, then returns) and `hold` (with `fixture.hold=true`: logs "Holding
/// job N." and never returns; otherwise returns at once).
final class FixtureWorker: Service, RunnableService, @unchecked Sendable {
    @Setting("fixture.hold", default: false, help: "Whether hold jobs are held forever")
    var hold: Bool

    required init() {
        super.init(name: "fixture")
        let pid = getpid()
        addService(
            JobWorker { jobs in
                jobs.handle("work") { (job: FixtureJob) in
                    try await Task.sleep(for: .milliseconds(job.ms))
                    return FixtureResult(n: job.n, pid: pid)
                }
                jobs.handle("hold") { [unowned self] (job: FixtureJob) in
                    if self.hold {
                        self.logger.info("Holding job \(job.n).")
                        try await Task.sleep(for: .seconds(3600))
                    }
                    return FixtureResult(n: job.n, pid: pid)
                }
            }
        )
    }
}

/// What the bus tests publish.
struct FixtureNote: Codable, Sendable {
    var n: Int
}

/// Subscribes to `fixture.topic` and logs "Received TOPIC N." for each note.
final class BusListener: Service, RunnableService, @unchecked Sendable {
    @Setting("fixture.topic", default: "notes", help: "The topic to subscribe to")
    var topic: String

    let bus = MessageBus()

    required init() {
        super.init(name: "listener")
        addService(bus)
    }

    override func doStart() async throws {
        let topic = self.topic
        let notes = try bus.subscribe(topic, as: FixtureNote.self)
        spawn {
            for try await note in notes { self.logger.info("Received \(topic) \(note.value.n).") }
        }
    }
}
