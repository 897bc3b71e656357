import CZeroMQ

extension UnsafeMutablePointer where Pointee == zmq_msg_t {
    /// Initialises this (uninitialised) message with a copy of `bytes`: libzmq keeps up to 33
    /// bytes inside the message and allocates a block for more. Every frame sent by copy is made
    /// here.
    @inline(__always)
    func initializeMessage(copying bytes: UnsafeRawBufferPointer) {
        zmq_msg_init_size(self, bytes.count)
        if let source = bytes.baseAddress, let target = zmq_msg_data(self), !bytes.isEmpty {
            target.copyMemory(from: source, byteCount: bytes.count)
        }
    }
}
