@testable import Ginkgo
import Testing

struct RestartStateMachineTests {
    let limits = RestartLimits(
        maxRestarts: 3,
        window: .seconds(10),
        initialBackoff: .milliseconds(100),
        maximumBackoff: .milliseconds(300)
    )

    @Test func backsOffExponentiallyUpToTheMaximum() {
        var machine = RestartStateMachine()
        let start = ContinuousClock.now
        #expect(machine.failed(at: start, limits: limits) == .restart(after: .milliseconds(100)))
        #expect(machine.failed(at: start + .seconds(1), limits: limits) == .restart(after: .milliseconds(200)))
        #expect(machine.failed(at: start + .seconds(2), limits: limits) == .restart(after: .milliseconds(300)))
        #expect(machine.failed(at: start + .seconds(3), limits: limits) == .escalate)
    }

    @Test func restartsOutsideTheWindowAreForgotten() {
        var machine = RestartStateMachine()
        let start = ContinuousClock.now
        for second in 0..<3 {
            #expect(machine.failed(at: start + .seconds(second), limits: limits) != .escalate)
        }
        #expect(machine.failed(at: start + .seconds(13), limits: limits) == .restart(after: .milliseconds(100)))
    }
}
