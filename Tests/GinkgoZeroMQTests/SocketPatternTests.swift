import GinkgoZeroMQ
import Synchronization
import Testing

/// Every messaging pattern between Swift sockets.
@Suite(.timeLimit(.minutes(1)))
struct SocketPatternTests {
    @Test func publishSubscribeFiltersByTopic() async throws {
        let (pub, sub) = try Socket.connectedPair(.pub, .sub)
        try sub.subscribe("weather.")
        try sub.subscribe("stop")
        // A subscription reaches the publisher asynchronously: publish until one arrives.
        let first = Task {
            while !Task.isCancelled {
                try await pub.send(["weather.paris", "warmup"])
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        #expect(try await sub.receive()[0].string == "weather.paris")
        first.cancel()
        try? await first.value
        while let _ = try sub.tryReceive() {}

        try await pub.send(contentsOf: [
            ["sports.score", "1-0"], ["weather.oslo", "-3"], ["weatherless", "x"], ["stop", "end"],
        ])
        var topics: [String] = []
        while topics.last != "stop" {
            let message = try await sub.receive()
            if message[1].string != "warmup" { topics.append(message[0].string) }
        }
        #expect(topics == ["weather.oslo", "stop"])
    }

    @Test func dealerRouterServesAThousandConcurrentRequests() async throws {
        let (router, dealer) = try Socket.connectedPair(.router, .dealer)
        let server = Task {
            for try await request in router.messages {
                // [dealer id, request id, body] → [dealer id, request id, body reversed]
                try await router.send([request[0], request[1], Frame(request[2].reversed())])
            }
        }
        defer { server.cancel() }
        let count = 1000
        let replies = try await withThrowingTaskGroup(of: Void.self, returning: [Int: String].self) { group in
            for index in 0..<count {
                group.addTask { try await dealer.send([Frame(String(index)), Frame("request \(index)")]) }
            }
            try await group.waitForAll()
            var replies: [Int: String] = [:]
            while replies.count < count {
                for reply in try await dealer.receive(upTo: 256) {
                    replies[Int(reply[0].string)!] = reply[1].string
                }
            }
            return replies
        }
        #expect(replies.count == count)
        #expect(replies[42] == String("request 42".reversed()))
    }

    @Test func pushPullFansOutAndIn() async throws {
        let ventilator = try Socket(.push)
        try ventilator.bind("tcp://127.0.0.1:*")
        let sink = try Socket(.pull)
        try sink.bind("tcp://127.0.0.1:*")
        let workers = try (0..<3).map { _ in try Socket(.pull) }
        let results = try (0..<3).map { _ in try Socket(.push) }
        for (worker, result) in zip(workers, results) {
            try worker.connect(ventilator.lastEndpoint!)
            try result.connect(sink.lastEndpoint!)
        }
        let tasks = zip(workers, results).enumerated().map { index, pair in
            Task {
                for try await job in pair.0.messages {
                    try await pair.1.send([job[0], Frame("worker \(index)")])
                }
            }
        }
        defer { for task in tasks { task.cancel() } }
        let jobs = 300
        try await ventilator.send(contentsOf: (0..<jobs).map { Message(String($0)) })
        var seen = Set<String>()
        var byWorker: [String: Int] = [:]
        while seen.count < jobs {
            let result = try await sink.receive()
            seen.insert(result[0].string)
            byWorker[result[1].string, default: 0] += 1
        }
        #expect(seen.count == jobs)
        #expect(byWorker.values.reduce(0, +) == jobs)
    }

    @Test func xpubSeesSubscriptionsAndXsubSendsThem() async throws {
        let (xpub, xsub) = try Socket.connectedPair(.xpub, .xsub)
        try await xsub.send(Message(Array([1] + "news".utf8)))
        let subscription = try await xpub.receive()
        #expect(subscription[0].bytes == [1] + Array("news".utf8))
        try await xpub.send(["news", "hello"])
        try await xpub.send(["other", "dropped"])
        try await xpub.send(["news", "again"])
        #expect(try await xsub.receive().strings == ["news", "hello"])
        #expect(try await xsub.receive().strings == ["news", "again"])
    }

    @Test func maximumMessageSizeDropsTheOffendingPeerOnly() async throws {
        let pull = try Socket(.pull)
        try pull.setOption(.maxMessageSize, 1024)
        try pull.bind("tcp://127.0.0.1:*")
        let offender = try Socket(.push)
        try offender.setOption(.reconnectInterval, nil)
        try offender.connect(pull.lastEndpoint!)
        try await offender.send(Message([UInt8](repeating: 1, count: 4096)))
        let polite = try Socket(.push)
        try polite.connect(pull.lastEndpoint!)
        try await polite.send(Message([UInt8](repeating: 2, count: 1024)))
        let received = try await pull.receive()
        #expect(received[0].count == 1024)
        #expect(received[0].first == 2)
    }
}
