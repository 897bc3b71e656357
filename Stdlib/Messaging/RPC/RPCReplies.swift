import GinkgoZeroMQ
import Synchronization

/// The replies of an ``RPCServer``, sent together per batch of requests.
///
/// While the receive loop works through a batch (``collect()`` to ``flush()``), replies are held
/// and then sent one after another. Sent as each handler finishes, each reply of a batch whose
/// handlers run inline could find libzmq's I/O thread asleep and wake it (a write to its mailbox
/// and a context switch): 26,000 context switches per 100,000 calls instead of 32,000. A reply
/// made outside a batch (by a handler that waited) goes out at once.
///
/// A reply is three frames (the caller's routing id, the header, the payload), copied into libzmq
/// from where they are. Held replies are copied into libzmq's messages as they are made
/// (``OutgoingBatch``), and sent under one lock of the socket.
final class RPCReplies: Sendable {
    private struct State: ~Copyable {
        var collecting = false
        var held = OutgoingBatch()
    }

    private let socket: Socket
    private let state = Mutex(State())
    /// Called with the error when the socket refuses a reply.
    private let failed: @Sendable (ZMQError) -> Void

    init(socket: Socket, failed: @escaping @Sendable (ZMQError) -> Void) {
        self.socket = socket
        self.failed = failed
    }

    /// Holds the replies from now until ``flush()``.
    func collect() {
        state.withLock { $0.collecting = true }
    }

    /// Sends the reply made of `peer` (the caller's routing id), `header` and `payload`, or holds
    /// a copy of it for the flush of the batch in progress.
    func send(to peer: Frame, header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        peer.withUnsafeBytes { peer in
            let held = state.withLock { state in
                guard state.collecting else { return false }
                state.held.append(copying: peer, header, payload)
                return true
            }
            if !held { send(peer, header, payload) }
        }
    }

    /// Sends what was held, and sends replies at once again. Sent under this object's lock too:
    /// a reply made meanwhile (by a handler that waited) goes after them.
    func flush() {
        let failures = state.withLock { state -> [(index: Int, error: ZMQError)] in
            state.collecting = false
            guard !state.held.isEmpty else { return [] }
            do throws(ZMQError) {
                return try socket.trySend(&state.held)
            } catch {
                state.held = OutgoingBatch()  // the socket is closed: dropped
                return [(0, error)]
            }
        }
        for (_, error) in failures where !socket.isClosed { failed(error) }
    }

    /// ROUTER never blocks a send: a reply for a peer that left, or whose queue is full, is
    /// dropped, and that peer's call times out or is retried.
    private func send(
        _ peer: UnsafeRawBufferPointer,
        _ header: UnsafeRawBufferPointer,
        _ payload: UnsafeRawBufferPointer
    ) {
        do {
            _ = try socket.trySend(copying: peer, header, payload)
        } catch {
            if !socket.isClosed { failed(error) }
        }
    }
}
