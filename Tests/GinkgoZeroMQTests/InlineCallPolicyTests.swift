import Testing

@testable import GinkgoZeroMQ

@Suite struct InlineCallPolicyTests {
    /// A call arriving at an offset from the start, or an inline run of a method ending at one.
    enum Event {
        case call(String, at: Duration)
        case ran(String, for: Duration, endingAt: Duration)
    }

    /// What the policy answers to each event: whether a call runs inline, whether a run demoted
    /// its method.
    func play(_ events: [Event]) -> [Bool] {
        let start = MonotonicInstant.now
        var policy = InlineCallPolicy(now: start)
        return events.map { event in
            switch event {
            case .call(let method, let offset): policy.runsInline(method, now: start + offset)
            case .ran(let method, let duration, let offset):
                policy.ran(method, from: start + (offset - duration), to: start + offset)
            }
        }
    }

    @Test func quickCallsRunInline() {
        let events = (0..<100).flatMap { step -> [Event] in
            let now = Duration.microseconds(20 * step)
            return [.call("echo", at: now), .ran("echo", for: .microseconds(5), endingAt: now)]
        }
        #expect(play(events) == Array(repeating: [true, false], count: 100).flatMap { $0 })
    }

    @Test func aSecondLongRunDemotesOnlyItsMethodUntilTheRecheck() {
        let due = Duration.milliseconds(6) + InlineCallPolicy.recheck
        let answers = play([
            .call("resize", at: .zero),
            .ran("resize", for: .milliseconds(3), endingAt: .milliseconds(3)),  // a strike
            .call("resize", at: .milliseconds(3)),  // still inline
            .ran("resize", for: .milliseconds(3), endingAt: .milliseconds(6)),  // demotes it
            .call("resize", at: .milliseconds(8)),
            .call("echo", at: .milliseconds(8)),  // other methods still run inline
            .call("resize", at: .seconds(10)),
            .call("resize", at: due),  // tried again
            .ran("resize", for: .microseconds(50), endingAt: due),
            .call("resize", at: due + .milliseconds(2)),  // and quick now, so it stays inline
        ])
        #expect(answers == [true, false, true, true, false, true, false, true, false, true])
    }

    /// A stall of the machine makes one call of a fast method look long, now and then: that
    /// alone, or two of them far apart, leaves the method inline.
    @Test func longRunsFarApartDoNotDemote() {
        let answers = play([
            .ran("echo", for: .milliseconds(20), endingAt: .milliseconds(20)),
            .call("echo", at: .milliseconds(30)),
            .ran("echo", for: .milliseconds(20), endingAt: .seconds(2)),
            .call("echo", at: .seconds(2) + .milliseconds(10)),
            .ran("other", for: .milliseconds(20), endingAt: .seconds(2) + .milliseconds(20)),
            .call("echo", at: .seconds(2) + .milliseconds(30)),
        ])
        #expect(answers == [false, true, false, true, false, true])
    }

    @Test func aRunOfExactlyTheLimitDoesNotDemote() {
        let answers = play([
            .call("edge", at: .zero),
            .ran("edge", for: InlineCallPolicy.longRun, endingAt: .milliseconds(1)),
            .call("edge", at: .milliseconds(2)),
        ])
        #expect(answers == [true, false, true])
    }

    @Test func aBusyLoopHandsCallsToOtherThreadsUntilTheWindowEnds() {
        // Calls of 100 µs each, back to back within one window: 8 of them reach the 750 µs share.
        let busy = (0..<8).flatMap { step -> [Event] in
            let now = Duration.microseconds(10 * step)
            return [.call("hash", at: now), .ran("hash", for: .microseconds(100), endingAt: now)]
        }
        let answers = play(busy + [.call("hash", at: .microseconds(90)), .call("echo", at: .milliseconds(1))])
        #expect(answers == Array(repeating: [true, false], count: 8).flatMap { $0 } + [false, true])
    }
}
