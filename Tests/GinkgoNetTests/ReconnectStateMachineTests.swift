import Testing

@testable import GinkgoNet

/// An instant of a clock the test moves by hand.
struct ManualInstant: InstantProtocol {
    var offset: Duration
    func advanced(by duration: Duration) -> ManualInstant { ManualInstant(offset: offset + duration) }
    func duration(to other: ManualInstant) -> Duration { other.offset - offset }
    static func < (lhs: ManualInstant, rhs: ManualInstant) -> Bool { lhs.offset < rhs.offset }
}

/// A random number generator that always returns the same value.
struct FixedRandom: RandomNumberGenerator {
    var value: UInt64
    mutating func next() -> UInt64 { value }
}

@Suite struct ReconnectStateMachineTests {
    let policy = ReconnectPolicy(
        initialDelay: .milliseconds(100),
        maximumDelay: .seconds(1),
        multiplier: 2,
        jitter: 0.5,
        stableAfter: .seconds(10)
    )

    @Test func backsOffExponentiallyUpToTheMaximum() {
        var machine = ReconnectStateMachine<ManualInstant>(policy: policy)
        var noJitter = FixedRandom(value: 0)
        let delays = (0..<6).map { _ in machine.connectFailed(using: &noJitter) }
        #expect(
            delays == [100, 200, 400, 800, 1000, 1000].map { .reconnect(after: .milliseconds($0)) }
        )
    }

    @Test func jitterShortensTheWaitByAtMostItsFraction() {
        var machine = ReconnectStateMachine<ManualInstant>(policy: policy)
        var fullJitter = FixedRandom(value: .max)
        let action = machine.connectFailed(using: &fullJitter)
        guard case .reconnect(let delay) = action else { return }
        #expect(delay >= .milliseconds(50) && delay < .milliseconds(100))
    }

    @Test func aStableConnectionResetsTheBackoff() {
        var machine = ReconnectStateMachine<ManualInstant>(policy: policy)
        var noJitter = FixedRandom(value: 0)
        var now = ManualInstant(offset: .zero)
        for _ in 0..<4 { _ = machine.connectFailed(using: &noJitter) }
        machine.connected(at: now)
        now = now.advanced(by: .seconds(11))
        #expect(machine.disconnected(at: now, using: &noJitter) == .reconnect(after: .milliseconds(100)))
    }

    @Test func aShortLivedConnectionKeepsBackingOff() {
        var machine = ReconnectStateMachine<ManualInstant>(policy: policy)
        var noJitter = FixedRandom(value: 0)
        var now = ManualInstant(offset: .zero)
        _ = machine.connectFailed(using: &noJitter)
        machine.connected(at: now)
        now = now.advanced(by: .milliseconds(5))
        #expect(machine.disconnected(at: now, using: &noJitter) == .reconnect(after: .milliseconds(200)))
    }
}
