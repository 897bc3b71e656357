import Ginkgo
import GinkgoZeroMQ
import Testing

@Suite(.timeLimit(.minutes(1)))
struct PullerTests {
    @Test func pullersShareThePushersWork() async throws {
        let pusher = Pusher(.bind("tcp://127.0.0.1:*"))
        try await pusher.start()
        let inbox = Inbox()
        let pullers = (0..<2).map { index in
            Puller(.connect(Endpoint(pusher.endpoints[0])), name: "Puller\(index)") { job in
                inbox.add(Message(frames: job.frames + [Frame("puller \(index)")]))
            }
        }
        for puller in pullers { try await puller.start() }
        try await pusher.push(contentsOf: (0..<100).map { Message("job \($0)") })
        await inbox.wait(for: 100)
        #expect(Set(inbox.messages.map { $0[0].string }).count == 100)
        for puller in pullers { await puller.stop() }
        await pusher.stop()
    }

    @Test func aPullerSinkCollectsFromManyPushers() async throws {
        let inbox = Inbox()
        let sink = Puller(.bind("tcp://127.0.0.1:*")) { inbox.add($0) }
        try await sink.start()
        let pushers = (0..<3).map { index in Pusher(.connect(Endpoint(sink.endpoints[0])), name: "Pusher\(index)") }
        for (index, pusher) in pushers.enumerated() {
            try await pusher.start()
            try await pusher.push(contentsOf: (0..<10).map { Message(strings: ["pusher \(index)", String($0)]) })
        }
        await inbox.wait(for: 30)
        #expect(Set(inbox.messages.map { $0[0].string }).count == 3)
        for pusher in pushers { await pusher.stop() }
        await sink.stop()
    }
}
