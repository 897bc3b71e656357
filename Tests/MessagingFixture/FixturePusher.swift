import Ginkgo
import GinkgoZeroMQ
import Synchronization

/// Connects a PUSH socket to `fixture.endpoint` and, while stopping, sends `fixture.count`
/// messages of 1 KiB (the last words of a daemon that flushes what it buffered when it stops),
/// then logs "Sent N." The process exits right after.
final class FixturePusher: Service, RunnableService, @unchecked Sendable {
    @Setting("fixture.endpoint", default: "tcp://127.0.0.1:5557", help: "Where to push")
    var endpoint: String
    @Setting("fixture.count", default: 10_000, help: "How many messages to send while stopping")
    var count: Int

    private let socket = Mutex<Socket?>(nil)

    required init() {
        super.init(name: "pusher")
    }

    override func doStart() async throws {
        let socket = try Socket(.push)
        try socket.connect(endpoint)
        self.socket.withLock { $0 = socket }
    }

    override func doStop() async throws {
        guard let socket = socket.withLock({ $0 }) else { return }
        let payload = Frame([UInt8](repeating: 0x2A, count: 1024))
        for n in 1...count { try await socket.send(Message(frames: [Frame(String(n)), payload])) }
        logger.info("Sent \(count).")
        socket.close()
    }
}
