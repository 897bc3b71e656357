@testable import Ginkgo
import Testing

@Suite(.timeLimit(.minutes(1)))
struct TimeoutTests {
    @Test func anOperationThatFinishesIsNeverReportedAsTimedOut() async {
        // The runner's stop used this: a race reported "did not stop within 30s" at once.
        for _ in 0..<2_000 {
            #expect(await finishes(within: .seconds(30)) {})
        }
    }

    @Test func anOperationThatHangsIsGivenUpOn() async {
        let gate = AsyncStream<Void>.makeStream()
        #expect(
            await finishes(within: .milliseconds(20)) { await Task { for await _ in gate.stream {} }.value } == false
        )
        gate.continuation.finish()
    }
}
