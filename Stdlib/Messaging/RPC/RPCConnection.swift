import GinkgoZeroMQ
import Synchronization

/// One ``RPCClient`` connection: a DEALER connected to one instance. A message goes straight to
/// the socket when it can take it and nothing is queued before it; otherwise into the queue that
/// the connection's sender task writes out, so that placing a call never waits on the socket.
final class RPCConnection: Sendable {
    let instance: String
    let endpoint: String
    let socket: Socket
    let outbox: AsyncStream<Message>
    private let writer: AsyncStream<Message>.Continuation
    /// Messages in the queue or being written by the sender task.
    private let queued = Atomic<Int>(0)

    /// Opens the DEALER and connects it (libzmq connects, and reconnects, in the background).
    init(instance: String, endpoint: String, maxMessageSize: Int) throws(ZMQError) {
        self.instance = instance
        self.endpoint = endpoint
        let socket = try Socket(.dealer)
        do {
            try socket.setOption(.linger, .zero)
            try socket.setOption(.maxMessageSize, maxMessageSize)
            try socket.setOption(.reconnectInterval, .milliseconds(100))
            try socket.setOption(.reconnectIntervalMax, .seconds(1))
            try socket.connect(endpoint)
        } catch {
            socket.close()
            throw error
        }
        self.socket = socket
        (outbox, writer) = AsyncStream.makeStream()
    }

    /// Sends a message, or queues it for the sender task.
    func send(_ message: Message) {
        // Nothing queued means nothing to overtake: the sender task lowers the count only after
        // its message went out.
        if queued.load(ordering: .acquiring) == 0, (try? socket.trySend(message)) == true { return }
        queued.add(1, ordering: .relaxed)
        writer.yield(message)
    }

    /// Sends call `id` with its header's bytes written on the stack and copied straight into
    /// libzmq, no frame or message made, when nothing is queued and the socket takes it now;
    /// `false` otherwise (``send(_:)`` then queues it).
    func trySendCall(id: UInt64, method: String, payload: [UInt8]) -> Bool {
        guard queued.load(ordering: .acquiring) == 0 else { return false }
        let sent = EnvelopeFastPath.Template.withRequest(id: id, method: method) { header in
            payload.withUnsafeBytes { (try? socket.trySend(copying: header, $0)) == true }
        }
        return sent == true
    }

    /// Writes queued messages until ``close()``.
    func runSender() async {
        for await message in outbox {
            do {
                try await socket.send(message)
            } catch {
                return
            }
            queued.subtract(1, ordering: .releasing)
        }
    }

    /// Ends the sender and closes the socket, dropping what is queued.
    func close() {
        writer.finish()
        socket.close()
    }
}
