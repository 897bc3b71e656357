import Ginkgo
import Synchronization
import Testing
import TestSupport

@testable import GinkgoStdlib

@Suite(.timeLimit(.minutes(1))) struct HealthMonitorTests {
    /// A check whose result the test sets.
    final class Switch: Sendable {
        let passing = Mutex(true)
        let runs = Mutex(0)
        func check(failures: Int = 2, successes: Int = 2) -> HealthCheck {
            HealthCheck("switch", interval: .milliseconds(10), failures: failures, successes: successes) {
                self.runs.withLock { $0 += 1 }
                guard self.passing.withLock({ $0 }) else { throw ProbeFailure(description: "switched off") }
                return "switched on"
            }
        }
    }

    @Test func theOverallStatusFollowsTheChecksThroughTheirThresholds() async throws {
        let toggle = Switch()
        let monitor = HealthMonitor(checks: [toggle.check()])
        try await monitor.start()
        try await eventually("up") { monitor.status == .up }
        toggle.passing.withLock { $0 = false }
        try await eventually("down") { monitor.status == .down }
        #expect(monitor.results["switch"]?.output == "switched off")
        toggle.passing.withLock { $0 = true }
        try await eventually("up again") { monitor.status == .up }
        await monitor.stop()
    }

    @Test func anUnhealthyInstanceGetsNoTrafficAndGetsItBackOnRecovery() async throws {
        try await withRegistry { registry, endpoint in
            let settings = try Settings(overrides: ["discovery.endpoints": endpoint, "discovery.timeout": "10s"])
            let toggle = Switch()
            let worker = Service(name: "worker")
            let announcer = Announcer(name: "worker", endpoints: ["rpc": "tcp://127.0.0.1:9"])
            worker.addService(announcer)
            worker.addService(HealthMonitor(checks: [toggle.check(failures: 1, successes: 1)], announcer: announcer))
            worker.settings = settings
            let resolver = Resolver()
            resolver.settings = settings
            try await worker.start()
            try await resolver.start()
            try await eventually("the worker to be resolved") { try await resolver.resolve("worker").count == 1 }
            toggle.passing.withLock { $0 = false }
            try await eventually("the worker to be skipped") { try await resolver.resolve("worker").isEmpty }
            #expect(registry.instances.map(\.health) == [.unhealthy])
            toggle.passing.withLock { $0 = true }
            try await eventually("the worker to be back") { try await resolver.resolve("worker").count == 1 }
            await worker.stop()
            await resolver.stop()
        }
    }
}
