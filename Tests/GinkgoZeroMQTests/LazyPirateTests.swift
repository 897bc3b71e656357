import Testing

@testable import GinkgoZeroMQ

struct LazyPirateTests {
    @Test func resendsUntilTheRetriesAreSpentThenFails() {
        var pirate = LazyPirate(retries: 2)
        #expect(pirate.timedOut() == .reopenAndResend(attempt: 2))
        #expect(pirate.timedOut() == .reopenAndResend(attempt: 3))
        #expect(pirate.timedOut() == .fail(attempts: 3))
    }

    @Test func noRetriesFailsOnTheFirstTimeout() {
        var pirate = LazyPirate(retries: 0)
        #expect(pirate.timedOut() == .fail(attempts: 1))
    }
}
