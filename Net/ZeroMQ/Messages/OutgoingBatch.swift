import CZeroMQ

/// Messages made ready to send, each frame copied into a libzmq message as it is added, held
/// until a socket sends them together (``Socket/trySend(_:)``): for a loop that holds what it
/// sends, such as the replies to a batch of requests. Held as bytes (a ``MessageBuffer``), each
/// frame was copied twice, into the buffer and then into libzmq; and each message sent cost a
/// walk of the buffer's frames.
///
/// ```swift
/// var replies = OutgoingBatch()
/// replies.append(copying: peer, header, payload)
/// let failures = try socket.trySend(&replies)  // empties `replies`
/// ```
///
/// `@unchecked Sendable` because it alone owns the memory its pointers reach: being non-copyable,
/// it is never aliased, it moves between threads as a whole, and changing it needs exclusive
/// access, which Swift enforces (the RPC server's replies keep one under a lock).
package struct OutgoingBatch: ~Copyable, @unchecked Sendable {
    /// `count` parts initialized, each a libzmq message of its own.
    private var parts: UnsafeMutablePointer<zmq_msg_t>
    /// Whether each part is the last of its message.
    private var ends: UnsafeMutablePointer<Bool>
    private var capacity: Int
    /// The parts held.
    package private(set) var count = 0

    package init() {
        capacity = 16
        parts = .allocate(capacity: capacity)
        ends = .allocate(capacity: capacity)
    }

    deinit {
        for index in 0..<count { zmq_msg_close(parts + index) }
        parts.deallocate()
        ends.deallocate()
    }

    /// Whether no message is held.
    package var isEmpty: Bool { count == 0 }

    /// Holds a message of three frames, copies of `first`, `second` and `third` (a routing id, a
    /// header and a payload, say).
    package mutating func append(
        copying first: UnsafeRawBufferPointer,
        _ second: UnsafeRawBufferPointer,
        _ third: UnsafeRawBufferPointer
    ) {
        if count + 3 > capacity { grow(toFit: 3) }
        (parts + count).initializeMessage(copying: first)
        (parts + count + 1).initializeMessage(copying: second)
        (parts + count + 2).initializeMessage(copying: third)
        ends[count] = false
        ends[count + 1] = false
        ends[count + 2] = true
        count += 3
    }

    /// Calls `body` with the parts and their ends, and holds none after: `body` sends or closes
    /// every part.
    package mutating func takeAll<Result>(
        _ body: (UnsafeMutablePointer<zmq_msg_t>, UnsafePointer<Bool>, Int) -> Result
    ) -> Result {
        defer { count = 0 }
        return body(parts, ends, count)
    }

    /// Makes room for `more` parts, at least doubling it.
    private mutating func grow(toFit more: Int) {
        let grown = Swift.max(2 * capacity, count + more)
        let newParts = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: grown)
        let newEnds = UnsafeMutablePointer<Bool>.allocate(capacity: grown)
        // A message moved as its bytes, as libzmq moves them itself: the old copy is never used.
        newParts.moveInitialize(from: parts, count: count)
        newEnds.moveInitialize(from: ends, count: count)
        parts.deallocate()
        ends.deallocate()
        (parts, ends, capacity) = (newParts, newEnds, grown)
    }
}
