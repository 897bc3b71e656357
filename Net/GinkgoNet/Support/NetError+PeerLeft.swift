import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension NetError {
    /// Whether `error` only says that the peer went away — it closed or reset the connection, so
    /// a read or write failed — rather than that a handler went wrong.
    static func saysThePeerLeft(_ error: any Error) -> Bool {
        switch error {
        case let error as NetError:
            return error.code == .closed
        case let error as IOError:
            return [ECONNRESET, EPIPE, ECONNABORTED, ETIMEDOUT].contains(error.errnoCode)
        case let error as ChannelError:
            return [.ioOnClosedChannel, .alreadyClosed, .outputClosed, .eof].contains(error)
        default:
            return false
        }
    }
}
