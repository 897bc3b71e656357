import Ginkgo
import GinkgoZeroMQ
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ProxyTests {
    @Test func forwarderRelaysPublishersToSubscribersWithACapture() async throws {
        let proxy = Proxy(
            .forwarder,
            frontend: .bind("tcp://127.0.0.1:*"),
            backend: .bind("tcp://127.0.0.1:*"),
            capture: .bind("tcp://127.0.0.1:*")
        )
        try await proxy.start()
        let endpoints = try #require(proxy.endpoints)
        let captured = try Socket(.sub)
        try captured.subscribe()
        try captured.connect(endpoints.capture[0])
        let publisher = Publisher(.connect(Endpoint(endpoints.frontend[0])))
        try await publisher.start()
        let inbox = Inbox()
        let subscriber = Subscriber(.connect(Endpoint(endpoints.backend[0])), topics: ["news"]) { inbox.add($0) }
        try await subscriber.start()
        // The subscription travels subscriber → proxy → publisher: publish until it has.
        let publishing = Task {
            var count = 0
            while !Task.isCancelled {
                count += 1
                try await publisher.publish(topic: "news", Frame(String(count)))
                try await publisher.publish(topic: "sports", "ignored")
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        await inbox.wait(for: 3)
        publishing.cancel()
        _ = try? await publishing.value
        #expect(inbox.messages.allSatisfy { $0[0].string == "news" })
        // The capture socket sees the traffic too, in both directions.
        #expect(try await captured.receive().count >= 1)

        await subscriber.stop()
        await publisher.stop()
        await proxy.stop()
        #expect(proxy.endpoints == nil)
    }

    @Test func queueSharesRequestsAmongRepliers() async throws {
        let proxy = Proxy(.queue, frontend: .bind("tcp://127.0.0.1:*"), backend: .bind("tcp://127.0.0.1:*"))
        try await proxy.withRunning {
            let endpoints = try #require(proxy.endpoints)
            let repliers = (0..<2).map { index in
                Replier(.connect(Endpoint(endpoints.backend[0])), name: "Replier\(index)") { request in
                    Message(frames: request.frames + [Frame("replier \(index)")])
                }
            }
            for replier in repliers { try await replier.start() }
            let requester = Requester(.connect(Endpoint(endpoints.frontend[0])), timeout: .seconds(5), retries: 0)
            try await requester.withRunning {
                for index in 0..<10 {
                    let reply = try await requester.request([Frame("job \(index)")])
                    #expect(reply[0].string == "job \(index)")
                    #expect(reply[1].string.hasPrefix("replier "))
                }
            }
            for replier in repliers { await replier.stop() }
        }
    }

    @Test func stopsPromptlyAndCanStartAgain() async throws {
        let proxy = Proxy(.streamer, frontend: .bind("tcp://127.0.0.1:*"), backend: .bind("tcp://127.0.0.1:*"))
        for _ in 0..<3 {
            try await proxy.start()
            #expect(proxy.endpoints?.frontend.count == 1)
            await proxy.stop()
        }
    }
}
