import Ginkgo
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(1)))
struct WillStopTests {
    @Test func everyStartedServiceHearsOfTheStopTopDownBeforeAnythingStops() async throws {
        let recorder = Recorder()
        let leaf = StopNoticingProbe("leaf", recorder)
        let branch = StopNoticingProbe("branch", recorder, children: [leaf])
        let sibling = StopNoticingProbe("sibling", recorder)
        let root = StopNoticingProbe("root", recorder, children: [branch, sibling])
        try await root.start()
        await root.stop()
        #expect(
            recorder.events.filter { !$0.hasSuffix(".start") } == [
                "root.willStop", "branch.willStop", "leaf.willStop", "sibling.willStop",
                "sibling.stop", "leaf.stop", "branch.stop", "root.stop",
            ]
        )
    }

    @Test func aChildStoppedAloneHearsOnceAndAgainAfterARestart() async throws {
        let recorder = Recorder()
        let child = StopNoticingProbe("child", recorder)
        let root = StopNoticingProbe("root", recorder, children: [child])
        try await root.start()
        await child.stop()
        try await child.start()
        await root.stop()
        #expect(recorder.count("child.willStop") == 2)
        #expect(recorder.count("root.willStop") == 1)
    }

    @Test func aServiceThatNeverStartedHearsNothing() async {
        let recorder = Recorder()
        let never = StopNoticingProbe("never", recorder)
        await never.stop()
        #expect(recorder.events.isEmpty)
    }
}
