public import Ginkgo
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What the ZeroMQ services share: a socket opened on start, bound or connected to its
/// endpoints, and closed on stop (sending what is queued for at most the context's linger).
///
/// Once the service is ready, ``endpoints`` lists where it is attached, with wildcard ports
/// resolved, so a test or a parent can bind `tcp://127.0.0.1:*` and pass the port on.
///
/// Thread safety: the socket and endpoints live in a `Mutex`; everything else is `let`, which is
/// why the class can be `@unchecked Sendable` like ``Service``.
public class SocketService: Service, @unchecked Sendable {
    /// The context the socket is opened in.
    public let context: Context
    let socketType: SocketType
    let attachment: Attachment
    /// Declared so that `--help` and configuration checks see the endpoint's setting.
    let endpointSetting: Setting<String>?
    let configure: @Sendable (Socket) throws -> Void
    private let current = Mutex<(socket: Socket?, endpoints: [String])>((nil, []))

    init(
        _ type: SocketType,
        _ attachment: Attachment,
        context: Context,
        name: String?,
        configure: @escaping @Sendable (Socket) throws -> Void
    ) {
        self.socketType = type
        self.attachment = attachment
        self.endpointSetting = attachment.endpoint.setting
        self.context = context
        self.configure = configure
        if let name { super.init(name: name) } else { super.init() }
    }

    /// Where the socket is bound or connected, with wildcard ports resolved; empty until ready.
    public var endpoints: [String] { current.withLock { $0.endpoints } }

    /// The open socket; throws unless the service is running.
    func socket() throws -> Socket {
        guard let socket = current.withLock({ $0.socket }) else {
            throw ZMQError(ENOTSOCK, operation: "use \(path)", hint: "the service is \(state); start it first")
        }
        return socket
    }

    /// Opens a fresh socket, configured and attached, and makes it the current one (closing the
    /// one before, if any).
    @discardableResult
    func openSocket() async throws -> Socket {
        let socket = try Socket(socketType, context: context)
        do {
            try configure(socket)
            try prepare(socket)
            let endpoints = try await attachment.attach(socket, settings: settings)
            guard !endpoints.isEmpty else {
                throw ZMQError(EINVAL, operation: "attach \(path)", hint: "no endpoint in \(attachment.endpoint)")
            }
            let previous = current.withLock { current in
                defer { current = (socket, endpoints) }
                return current.socket
            }
            previous?.close()
            logger.debug("Socket attached.", metadata: ["type": "\(socketType)", "endpoints": "\(endpoints)"])
            return socket
        } catch {
            socket.close()
            throw error
        }
    }

    /// Sets up a new socket before it attaches; subclasses add their own options.
    func prepare(_ socket: Socket) throws {}

    override public func doStart() async throws {
        try await openSocket()
    }

    override public func doStop() async throws {
        let socket = current.withLock { current in
            defer { current = (nil, []) }
            return current.socket
        }
        socket?.close()
    }
}
