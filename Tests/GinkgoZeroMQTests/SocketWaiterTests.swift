import Synchronization
import TestSupport
import Testing

@testable import GinkgoZeroMQ

/// The list of tasks waiting on one socket: several at once, one leaving from the middle.
@Suite(.timeLimit(.minutes(1)))
struct SocketWaiterTests {
    @Test(arguments: [false, true])
    func receiversOnOneSocketEachGetOneMessageAndACancelledOneLeavesTheOthersWaiting(
        onReactor: Bool
    ) async throws {
        let (push, pull) = try Socket.connectedPair(.push, .pull)
        let executor = onReactor ? pull.context.executor : nil
        let receivers = (0..<5).map { _ in
            Task(executorPreference: executor) { try await pull.receive().strings }
        }
        try await eventually("five receivers waiting") { pull.state.withLock { $0.waiters.count } == 5 }

        receivers[2].cancel()
        await #expect(throws: CancellationError.self) { _ = try await receivers[2].value }
        #expect(pull.state.withLock { $0.waiters.count } == 4)

        for index in 0..<4 { try await push.send(Message("message \(index)")) }
        var received: [String] = []
        for (index, receiver) in receivers.enumerated() where index != 2 {
            received += try await receiver.value
        }
        #expect(received.sorted() == (0..<4).map { "message \($0)" })
        #expect(pull.state.withLock { $0.waiters.isEmpty })
    }

    @Test func aHundredSendersWaitingForAPeerAllGetThrough() async throws {
        let push = try Socket(.push)
        try push.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(push.lastEndpoint)
        // No peer yet: a PUSH socket has nowhere to queue, so every send waits.
        let senders = (0..<100).map { index in
            Task { try await push.send(Message("message \(index)")) }
        }
        try await eventually("a hundred senders waiting") { push.state.withLock { $0.waiters.count } == 100 }

        let pull = try Socket(.pull)
        try pull.connect(endpoint)
        for sender in senders { try await sender.value }
        var received: Set<String> = []
        for _ in 0..<100 { received.insert(try await pull.receive().strings[0]) }
        #expect(received == Set((0..<100).map { "message \($0)" }))
        #expect(push.state.withLock { $0.waiters.isEmpty })
    }

    @Test func aReceiveTimeoutLeavesNoWaiterBehindAndTheNextReceiveGetsTheMessage() async throws {
        let (push, pull) = try Socket.connectedPair(.push, .pull)
        try pull.setOption(.receiveTimeout, .milliseconds(20))
        for _ in 0..<3 {
            let error = await #expect(throws: ZMQError.self) { _ = try await pull.receive(upTo: 8) }
            #expect(error?.isTimeout == true)
            #expect(error?.description.contains("receive on") == true)
        }
        #expect(pull.state.withLock { $0.waiters.isEmpty })
        try await push.send(["late"])
        try pull.setOption(.receiveTimeout, .seconds(10))
        #expect(try await pull.receive().strings == ["late"])
    }
}
