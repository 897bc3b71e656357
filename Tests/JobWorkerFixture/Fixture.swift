import Foundation
import Ginkgo
import GinkgoStdlib

/// A work-queue worker for the process-level tests, which kill it with SIGKILL.
@main
struct JobWorkerFixture {
    static func main() {
        Runner(services: [FixtureWorker.self], version: "test").main()
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
