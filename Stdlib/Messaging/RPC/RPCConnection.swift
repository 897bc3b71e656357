import GinkgoZeroMQ
import Synchronization

/// One ``RPCClient`` connection: a DEALER connected to one instance. A message goes straight to
/// the socket when it can take it and nothing is queued before it; otherwise into the queue that
/// the connection's sender task writes out, so that placing a call never waits on the socket.
/// Calls placed on the reactor thread are held until the end of its turn, a few at most, and go
/// out together (``sendCall(id:method:payload:)``).
final class RPCConnection: TurnEndAction {
    let instance: String
    let endpoint: String
    let socket: Socket
    let outbox: AsyncStream<Message>
    private let writer: AsyncStream<Message>.Continuation
    /// Messages in the queue or being written by the sender task.
    private let queued = Atomic<Int>(0)
    /// Calls placed on the reactor thread and not sent yet (see ``sendCall(id:method:payload:)``).
    private let held = Mutex(HeldCalls())

    private struct HeldCalls {
        var calls: [HeldCall] = []
        /// Kept from flush to flush for its capacity.
        var spare: [HeldCall] = []
        /// A flush is due at the end of the reactor's turn.
        var scheduled = false
    }

    private struct HeldCall {
        let id: UInt64
        let method: String
        let payload: [UInt8]
    }

    /// The most calls held before they go out without waiting for the turn to end. Sixteen took
    /// row 5 of `Benchmarks/run` from 126k, 137k, 151k and 130k calls/s to 140k, 154k, 175k and
    /// 138k in four sets of interleaved rounds; eight gained about half as much, and 32 or only
    /// the end of the turn less: a batch large enough to spare libzmq's I/O thread most of its
    /// `send`s, small enough that the server starts on the first calls while the client places
    /// the next.
    static let heldCallsLimit = 16

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

    /// Sends call `id`. Placed on the reactor thread (a caller on ``RPCClient/executor``), it is
    /// held, and sent with the others placed in the same turn of the reactor at its end, or
    /// once ``heldCallsLimit`` are held. libzmq's I/O thread then finds them together and writes
    /// them in one `send` to the kernel; sent one by one as each caller placed its call, they went
    /// out about five to a `send`, against C's fourteen (`sendto` per call 0.20, against C's
    /// 0.07; with the calls held, 0.06). Placed anywhere else, it goes now, or through the queue.
    func sendCall(id: UInt64, method: String, payload: [UInt8]) {
        let context = socket.context
        guard context.isOnExecutor else { return sendCallNow(id: id, method: method, payload: payload) }
        let (schedule, full) = held.withLock { held in
            held.calls.append(HeldCall(id: id, method: method, payload: payload))
            defer { held.scheduled = true }
            return (!held.scheduled, held.calls.count >= Self.heldCallsLimit)
        }
        if schedule { context.atEndOfTurn(self) }
        if full { sendHeld() }
    }

    /// How many calls are held now, for tests.
    var heldCount: Int { held.withLock { $0.calls.count } }

    /// The reactor's turn ended: the calls held go out.
    func turnEnded() {
        held.withLock { $0.scheduled = false }
        sendHeld()
    }

    private func sendHeld() {
        var calls = held.withLock { held in
            var calls = held.spare
            swap(&calls, &held.calls)
            return calls
        }
        for call in calls { sendCallNow(id: call.id, method: call.method, payload: call.payload) }
        calls.removeAll(keepingCapacity: true)
        held.withLock { swap(&$0.spare, &calls) }
    }

    /// Sends call `id` straight to the socket, or queues it.
    private func sendCallNow(id: UInt64, method: String, payload: [UInt8]) {
        if !trySendCall(id: id, method: method, payload: payload) {
            send(Self.callMessage(id: id, method: method, payload: payload))
        }
    }

    /// Call `id` as a message, for the queue.
    private static func callMessage(id: UInt64, method: String, payload: [UInt8]) -> Message {
        let header =
            EnvelopeFastPath.Template.request(id: id, method: method)
            ?? MessagingEnvelope(kind: .request, id: String(id), method: method).frame
        return Message(frames: [header, Frame(payload)])
    }

    /// Sends call `id` with its header's bytes written on the stack and copied straight into
    /// libzmq, no frame or message made, when nothing is queued and the socket takes it now;
    /// `false` otherwise (``send(_:)`` then queues it).
    private func trySendCall(id: UInt64, method: String, payload: [UInt8]) -> Bool {
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
