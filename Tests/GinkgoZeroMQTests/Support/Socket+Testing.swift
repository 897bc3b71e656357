import GinkgoZeroMQ

extension Socket {
    /// Two sockets of the given types, the first bound on an ephemeral port and the second
    /// connected to it.
    static func connectedPair(
        _ bound: SocketType,
        _ connected: SocketType,
        context: Context = .shared
    ) throws -> (Socket, Socket) {
        let first = try Socket(bound, context: context)
        try first.bind("tcp://127.0.0.1:*")
        let second = try Socket(connected, context: context)
        try second.connect(first.lastEndpoint!)
        return (first, second)
    }
}
