import Foundation
import GinkgoZeroMQ
import Testing

/// Tasks that prefer a context's reactor thread as their executor.
@Suite(.timeLimit(.minutes(1)))
struct ContextExecutorTests {
    @Test func aRequestReplyLoopRunsOnTheReactorThread() async throws {
        let context = try Context(defaultLinger: .zero)
        let (rep, req) = try Socket.connectedPair(.rep, .req, context: context)
        let server = Task(executorPreference: context.executor) {
            for _ in 0..<100 {
                let request = try await rep.receive()
                try await rep.send([request[0], Frame(Array(threadName().utf8))])
            }
        }
        let threads = try await withTaskExecutorPreference(context.executor) {
            var threads = Set<String>()
            for trip in 0..<100 {
                try await req.send([Frame("\(trip)")])
                let reply = try await req.receive()
                #expect(reply[0].string == "\(trip)")
                threads.insert(reply[1].string)
                threads.insert(threadName())
            }
            return threads
        }
        try await server.value
        #expect(threads == ["zmq-reactor"])
        #expect(await Task(executorPreference: context.executor) { context.isOnExecutor }.value)
        #expect(await Task { context.isOnExecutor }.value == false)
        await context.terminate()
        #expect(await Task(executorPreference: context.executor) { context.isOnExecutor }.value == false)
    }

    /// Sends made on the reactor thread leave the check of the socket's waiters to the end of
    /// the reactor's turn: a receiver waiting on the same DEALER, on the reactor or on Swift's
    /// pool, still gets every reply, with many sends per turn.
    @Test(arguments: [true, false])
    func sendsOnTheReactorThreadWakeAReceiverOfTheSameSocket(receiverOnReactor: Bool) async throws {
        let context = try Context(defaultLinger: .zero)
        let (router, dealer) = try Socket.connectedPair(.router, .dealer, context: context)
        // At the high-water mark a ROUTER drops; this one waits, so that every reply arrives.
        try router.setOption(.routerMandatory, true)
        let echo = Task {
            while true {
                for message in try await router.receive(upTo: 64) { try await router.send(message) }
            }
        }
        defer { echo.cancel() }
        // A first round trip: the DEALER's pipe attaches in the background.
        try await dealer.send(["hello"])
        #expect(try await dealer.receive()[0].string == "hello")
        let rounds = 200
        let perRound = 64
        let receiver = Task(executorPreference: receiverOnReactor ? context.executor : nil) {
            var received = 0
            while received < rounds * perRound { received += try await dealer.receive(upTo: 256).count }
            return received
        }
        let sender = Task(executorPreference: context.executor) { () async throws in
            for round in 0..<rounds {
                // Sent in one turn of the reactor; the waiters are checked once after it.
                for call in 0..<perRound {
                    let message: Message = [Frame("\(round).\(call)")]
                    // At the high-water mark, a send that waits.
                    if try !dealer.trySend(message) { try await dealer.send(message) }
                }
                await Task.yield()
            }
        }
        try await sender.value
        #expect(try await receiver.value == rounds * perRound)
        await context.terminate()
    }

    @Test func tasksPreferringATerminatedContextRunOnTheGlobalExecutor() async throws {
        let context = try Context()
        await context.terminate()
        let ran = await Task(executorPreference: context.executor) { threadName() }.value
        #expect(ran != "zmq-reactor")
        // A socket of the terminated context fails at once rather than waiting on a dead thread.
        await #expect(throws: ZMQError.self) {
            try await withTaskExecutorPreference(context.executor) { _ = try Socket(.pair, context: context) }
        }
    }
}

/// The name of the thread running the caller, as the kernel knows it.
private func threadName() -> String {
    let comm = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
    return comm?.trimmingCharacters(in: .newlines) ?? ""
}
