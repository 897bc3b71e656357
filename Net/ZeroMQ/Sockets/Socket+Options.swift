import CZeroMQ

extension Socket {
    /// Sets a socket option.
    ///
    /// ```swift
    /// try socket.setOption(.sendHighWaterMark, 100_000)
    /// try socket.setOption(.receiveTimeout, .seconds(2))
    /// ```
    /// ``SocketOption/receiveTimeout`` and ``SocketOption/sendTimeout`` also bound this socket's
    /// async ``receive()`` and ``send(_:)``, which then throw an `EAGAIN` ``ZMQError``.
    /// - Throws: ``ZMQError`` `EINVAL` when the option does not apply to this socket type or the
    ///   value is out of range.
    public func setOption<Value>(_ option: SocketOption<Value>, _ value: Value) throws(ZMQError) {
        let raw = option.encode(value)
        try withHandle("set \(option.name) on \(type)") { socket throws(ZMQError) in
            let handle = socket.pointer
            let result: Int32
            switch raw {
            case .int32(var number):
                result = zmq_setsockopt(handle, option.code, &number, MemoryLayout<Int32>.size)
            case .int64(var number):
                result = zmq_setsockopt(handle, option.code, &number, MemoryLayout<Int64>.size)
            case .bytes(let bytes):
                result = bytes.withUnsafeBytes { zmq_setsockopt(handle, option.code, $0.baseAddress, $0.count) }
            }
            if result != 0 {
                throw ZMQError.last(
                    "set \(option.name) on \(type)",
                    hint: "\(option.name) may not apply to \(type) sockets, or the value is out of range"
                )
            }
        }
        if option.code == ZMQ_RCVTIMEO || option.code == ZMQ_SNDTIMEO {
            let number = raw.int32
            let timeout: Duration? = number < 0 ? nil : .milliseconds(number)
            state.withLock { state in
                if option.code == ZMQ_RCVTIMEO { state.receiveTimeout = timeout } else { state.sendTimeout = timeout }
            }
        }
    }

    /// Reads a socket option.
    ///
    /// ```swift
    /// let hwm = try socket.option(.receiveHighWaterMark)
    /// ```
    public func option<Value>(_ option: SocketOption<Value>) throws(ZMQError) -> Value {
        let raw = try withHandle("read \(option.name) of \(type)") {
            socket throws(ZMQError) -> SocketOption<Value>.Raw in
            let handle = socket.pointer
            let result: Int32
            let raw: SocketOption<Value>.Raw
            switch option.kind {
            case .int32:
                var number: Int32 = 0
                var size = MemoryLayout<Int32>.size
                result = zmq_getsockopt(handle, option.code, &number, &size)
                raw = .int32(number)
            case .int64:
                var number: Int64 = 0
                var size = MemoryLayout<Int64>.size
                result = zmq_getsockopt(handle, option.code, &number, &size)
                raw = .int64(number)
            case .bytes(let capacity):
                var bytes = [UInt8](repeating: 0, count: capacity)
                var size = capacity
                result = bytes.withUnsafeMutableBytes { zmq_getsockopt(handle, option.code, $0.baseAddress, &size) }
                raw = .bytes(Array(bytes.prefix(size)))
            }
            if result != 0 { throw ZMQError.last("read \(option.name) of \(type)") }
            return raw
        }
        return option.decode(raw)
    }

    /// Subscribes a SUB socket to messages whose first frame starts with `prefix`; the
    /// empty prefix matches everything.
    public func subscribe(_ prefix: String = "") throws(ZMQError) {
        try subscribe(bytes: Array(prefix.utf8))
    }

    /// Subscribes to messages whose first frame starts with the bytes `prefix`.
    public func subscribe(bytes prefix: [UInt8]) throws(ZMQError) {
        try setFilter(ZMQ_SUBSCRIBE, "subscribe", prefix)
    }

    /// Removes one subscription made with ``subscribe(_:)``.
    public func unsubscribe(_ prefix: String = "") throws(ZMQError) {
        try unsubscribe(bytes: Array(prefix.utf8))
    }

    /// Removes one subscription made with ``subscribe(bytes:)``.
    public func unsubscribe(bytes prefix: [UInt8]) throws(ZMQError) {
        try setFilter(ZMQ_UNSUBSCRIBE, "unsubscribe", prefix)
    }

    private func setFilter(_ code: Int32, _ name: String, _ prefix: [UInt8]) throws(ZMQError) {
        guard type == .sub else {
            throw ZMQError(EINVAL, operation: "\(name) on \(type)", hint: "only SUB sockets take subscriptions")
        }
        try setOption(SocketOption<[UInt8]>(name, code: code, capacity: 0), prefix)
    }
}
