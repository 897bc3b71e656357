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
