import CZeroMQ

/// The bytes of one large ``Frame``: a `zmq_msg_t` in a single heap block, so a large received
/// frame is never copied out of libzmq's buffer; a frame made by copying keeps its bytes in the
/// same block, after an empty `zmq_msg_t`.
///
/// Thread safety: the message is written only while the storage is created and before it is
/// published; afterwards it is only read (`base`, `count`), and sending it makes libzmq point at
/// the bytes (``makeOutgoing(_:)``) instead of mutating this `zmq_msg_t`. Immutable after init,
/// it needs no lock, which is why ``Frame`` can be `@unchecked Sendable`.
final class FrameStorage: ManagedBuffer<FrameStorage.Header, zmq_msg_t> {
    struct Header {
        var base: UnsafeRawPointer?
        var count: Int
    }

    /// Frames up to this size are copied when sent (libzmq keeps them inside the message);
    /// larger ones are handed to libzmq by reference.
    static let copyLimit = 256

    /// Takes over `message`, which is left empty.
    static func make(moving message: UnsafeMutablePointer<zmq_msg_t>) -> FrameStorage {
        let buffer = create(minimumCapacity: 1) { _ in Header(base: nil, count: 0) }
        let storage = unsafeDowncast(buffer, to: FrameStorage.self)
        storage.withUnsafeMutablePointers { header, element in
            zmq_msg_init(element)
            zmq_msg_move(element, message)
            header.pointee = Header(base: UnsafeRawPointer(zmq_msg_data(element)), count: zmq_msg_size(element))
        }
        return storage
    }

    /// Copies `bytes` into the storage itself, after an empty message: one allocation, where a
    /// message of their size would make libzmq allocate a second block for bytes past 33.
    static func make(copying bytes: UnsafeRawBufferPointer) -> FrameStorage {
        let slots = 1 + (bytes.count + MemoryLayout<zmq_msg_t>.stride - 1) / MemoryLayout<zmq_msg_t>.stride
        let buffer = create(minimumCapacity: slots) { _ in Header(base: nil, count: 0) }
        let storage = unsafeDowncast(buffer, to: FrameStorage.self)
        storage.withUnsafeMutablePointers { header, element in
            zmq_msg_init(element)
            let base = UnsafeMutableRawPointer(element + 1)
            if let source = bytes.baseAddress, bytes.count > 0 {
                base.copyMemory(from: source, byteCount: bytes.count)
            }
            header.pointee = Header(base: UnsafeRawPointer(base), count: bytes.count)
        }
        return storage
    }

    var bytes: UnsafeRawBufferPointer {
        let header = self.header
        return UnsafeRawBufferPointer(start: header.base, count: header.count)
    }

    /// Initialises `message` (uninitialised) with this frame's bytes for sending: a copy for small
    /// frames, else a reference that keeps this storage alive until libzmq is done with it.
    func makeOutgoing(_ message: UnsafeMutablePointer<zmq_msg_t>) {
        let bytes = self.bytes
        if bytes.count <= Self.copyLimit {
            message.initializeMessage(copying: bytes)
            return
        }
        let retained = Unmanaged.passRetained(self).toOpaque()
        let result = zmq_msg_init_data(
            message,
            UnsafeMutableRawPointer(mutating: bytes.baseAddress),
            bytes.count,
            { _, hint in
                if let hint { Unmanaged<FrameStorage>.fromOpaque(hint).release() }
            },
            retained
        )
        if result != 0 {
            Unmanaged<FrameStorage>.fromOpaque(retained).release()
            message.initializeMessage(copying: bytes)
        }
    }

    deinit {
        _ = withUnsafeMutablePointerToElements { zmq_msg_close($0) }
    }
}
