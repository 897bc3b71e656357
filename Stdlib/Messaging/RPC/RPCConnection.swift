import GinkgoZeroMQ

/// One ``RPCClient`` connection: a DEALER connected to one instance, and the queue of messages
/// its sender task writes to it, so that placing a call never waits on the socket.
final class RPCConnection: Sendable {
    let instance: String
    let endpoint: String
    let socket: Socket
    let outbox: AsyncStream<Message>
    private let writer: AsyncStream<Message>.Continuation

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

    /// Queues a message for the sender task.
    func send(_ message: Message) {
        writer.yield(message)
    }

    /// Writes queued messages until ``close()``.
    func runSender() async {
        for await message in outbox {
            do {
                try await socket.send(message)
            } catch {
                return
            }
        }
    }

    /// Ends the sender and closes the socket, dropping what is queued.
    func close() {
        writer.finish()
        socket.close()
    }
}
