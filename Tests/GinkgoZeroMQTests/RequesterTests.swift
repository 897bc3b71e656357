import Ginkgo
import GinkgoZeroMQ
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct RequesterTests {
    @Test func lazyPirateRetriesAcrossAReplierRestart() async throws {
        let endpoint = try freeEndpoint()
        let arrivals = Inbox()
        let restarted = Mutex(false)
        let replier = ReplierBox()
        replier.service = Replier(.bind(Endpoint(endpoint))) { request in
            arrivals.add(request)
            let first = restarted.withLock { done in
                defer { done = true }
                return !done
            }
            guard first else { return ["pong"] }
            // Lose this request: stop the replier and start it again.
            let service = replier.service!
            Task {
                await service.stop()
                try await service.start()
            }
            throw CancellationError()
        }
        let requester = Requester(.connect(Endpoint(endpoint)), timeout: .milliseconds(300), retries: 10)
        try await replier.service!.start()
        try await requester.withRunning {
            let reply = try await requester.request(["ping"])
            #expect(reply.strings == ["pong"])
        }
        #expect(arrivals.messages.count >= 2)
        await replier.service!.stop()
    }

    @Test func givesUpAfterItsRetries() async throws {
        let arrivals = Inbox()
        let replier = Replier(.bind("tcp://127.0.0.1:*")) { request in
            arrivals.add(request)
            throw CancellationError()
        }
        try await replier.withRunning {
            let requester = Requester(.connect(Endpoint(replier.endpoints[0])), timeout: .milliseconds(100), retries: 2)
            try await requester.withRunning {
                let error = await #expect(throws: ZMQError.self) { _ = try await requester.request(["ping"]) }
                #expect(error?.isTimeout == true)
                #expect(error?.description.contains("no reply after 3 attempts") == true)
            }
        }
        #expect(arrivals.messages.count == 3)
    }
}

/// Lets a replier's handler reach the replier itself.
final class ReplierBox: Sendable {
    private let stored = Mutex<Replier?>(nil)
    var service: Replier? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
