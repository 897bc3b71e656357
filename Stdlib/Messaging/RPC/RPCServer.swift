public import Ginkgo
import GinkgoZeroMQ
import Logging
import Synchronization

/// Serves methods over ZeroMQ (a ROUTER socket, `Stdlib/Messaging/PROTOCOL.md`) to any number
/// of ``RPCClient``s, and announces itself in discovery when it has a service name.
///
/// ```swift
/// struct Numbers: Codable, Sendable { var a: Int, b: Int }
/// struct Sum: Codable, Sendable { var sum: Int }
///
/// let server = RPCServer(name: "calculator", endpoint: "tcp://127.0.0.1:*")
/// server.handle("add") { (numbers: Numbers) in Sum(sum: numbers.a + numbers.b) }
/// try await server.start()
/// ```
/// At most `concurrency` requests run at once; heartbeats are answered by the receive loop at
/// once. The receive loop runs on ZeroMQ's reactor thread (`Context.executor`), where the
/// socket's readiness is seen. A handler that cannot wait (registered with a closure that does
/// not `await`) runs on the receive loop itself, with no task of its own; one that may wait runs
/// in a task of its own on Swift's global pool. A handler that cannot wait but computes for more
/// than 1 ms makes its method's later calls run in tasks on the pool (it is tried on the loop
/// again after 10 s), and a loop busy with handlers for more than three quarters of the time
/// hands further calls to the pool: the reactor thread serves every ZeroMQ socket of the process.
/// The replies to requests that arrive together, and whose handlers run on the loop, go out
/// together: one wake-up of libzmq's I/O thread for the batch.
///
/// A request the server cannot use — not an envelope, another version, an unknown method,
/// parameters that do not decode, more than `max_message_size` bytes — gets an `error` reply and
/// a log line, and the server goes on serving; so does a handler that throws (`handler_failed`,
/// naming the method). A single frame larger than `max_message_size` makes libzmq drop the
/// sender's connection (`ZMQ_MAXMSGSIZE`); the client reconnects.
///
/// | setting | default | meaning |
/// | --- | --- | --- |
/// | `rpc.name` | the `name` given, else empty | the service name to announce (empty: none) |
/// | `rpc.endpoint` | the `endpoint` given, else `tcp://127.0.0.1:*` | where to bind; `*` picks a free port |
/// | `rpc.concurrency` | `256` | requests handled at once |
/// | `rpc.max_message_size` | `1048576` | largest request in bytes |
///
/// With another `settingsPrefix` the keys are `PREFIX.name` and so on, for trees with several
/// servers. A server with a name is announced with the ``Announcer``'s `announce.ttl` and
/// `announce.id`, through the `discovery.*` settings unless a `discovery` is given; `--help`
/// lists those too.
///
/// A stop deregisters the server (its announcer's `willStop()`) and refuses new calls with
/// `unavailable` from the moment it begins, so clients send them to other instances; the calls in
/// progress get up to `drainTimeout` to finish before the socket closes.
public final class RPCServer: Service, @unchecked Sendable {
    let nameSetting: Setting<String>
    let endpointSetting: Setting<String>
    let concurrencySetting: Setting<Int>
    let maxMessageSizeSetting: Setting<Int>

    private let discovery: Discovery?
    /// Read by the announcer (and its own discovery) that a start with a name adds.
    private let announcerSettings = AnnouncerSettings()
    private let discoverySettings: DiscoverySettings?
    let handlers = Mutex<[String: Handler]>([:])
    /// Raised by each registration, for the receive loop's ``HandlerCache``.
    let handlersVersion = Atomic<Int>(0)
    private let running = Mutex<Running?>(nil)

    private struct Running {
        var socket: Socket
        var endpoint: String
        var announcer: Announcer?
        var slots: RPCSlots
    }

    /// Set as the stop begins (and while not running): requests are refused with `unavailable`,
    /// heartbeats unanswered. An atomic, read per request: under the lock of `running` it cost
    /// every call a lock.
    private let draining = Atomic<Bool>(true)

    /// A server announced as `name` (none when `nil` and the setting is empty), bound to
    /// `endpoint`, both overridable by the settings `rpc.name` and `rpc.endpoint`.
    ///
    /// - Parameters:
    ///   - discovery: the discovery to announce through; the announcer's own (from the
    ///     `discovery.*` settings) when `nil`.
    ///   - settingsPrefix: the first part of the setting keys, `rpc` (`rpc.name`, ...).
    ///   - drainTimeout: how long a stop lets the calls in progress finish.
    ///   - serviceName: the service's name in the tree, `rpc`.
    public init(
        name: String? = nil,
        endpoint: String = "tcp://127.0.0.1:*",
        discovery: Discovery? = nil,
        settingsPrefix: String = "rpc",
        drainTimeout: Duration = .seconds(5),
        serviceName: String? = nil
    ) {
        self.drainTimeout = drainTimeout
        self.nameSetting = Setting(
            "\(settingsPrefix).name",
            default: name ?? "",
            help: "The service name to announce in discovery (empty: not announced)"
        )
        self.endpointSetting = Setting(
            "\(settingsPrefix).endpoint",
            default: endpoint,
            help: "Where the RPC server binds (ZeroMQ; * picks a free port)"
        )
        self.concurrencySetting = Setting(
            "\(settingsPrefix).concurrency",
            default: 256,
            help: "Requests handled at once"
        )
        self.maxMessageSizeSetting = Setting(
            "\(settingsPrefix).max_message_size",
            default: 1 << 20,
            help: "Largest request in bytes; larger ones get a too_large error"
        )
        self.discovery = discovery
        self.discoverySettings = discovery == nil ? DiscoverySettings() : nil
        super.init(name: serviceName ?? "rpc")
    }

    /// Where the server is bound, with a wildcard port resolved; `nil` unless running.
    public var boundEndpoint: String? { running.withLock { $0?.endpoint } }

    /// The announcer registering this server, while it runs with a service name.
    public var announcer: Announcer? { running.withLock { $0?.announcer } }

    override public func doStart() async throws {
        let maxMessageSize = settings.value(of: maxMessageSizeSetting)
        let socket = try Socket(.router)
        let endpoint: String
        do {
            try socket.setOption(.maxMessageSize, maxMessageSize)
            try socket.setOption(.linger, .milliseconds(100))
            let address = settings.value(of: endpointSetting)
            try socket.bind(address)
            endpoint = socket.lastEndpoint ?? address
        } catch {
            socket.close()
            throw error
        }
        let name = settings.value(of: nameSetting)
        var announcer: Announcer?
        if !name.isEmpty {
            announcer = Announcer(name: name, endpoints: ["rpc": endpoint], discovery: discovery)
        }
        let slots = RPCSlots(limit: settings.value(of: concurrencySetting))
        running.withLock { $0 = Running(socket: socket, endpoint: endpoint, announcer: announcer, slots: slots) }
        draining.store(false, ordering: .releasing)
        spawn {
            try await withTaskExecutorPreference(socket.context.executor) {
                try await self.serve(socket, slots: slots, maxMessageSize: maxMessageSize)
            }
        }
        logger.info("RPC server serving at \(endpoint).", metadata: ["methods": "\(methods)"])
        if let announcer {
            addService(announcer)
            try await announcer.waitUntil(.ready, timeout: .seconds(10))
        }
    }

    /// Stops taking calls as soon as the stop begins: clients send them to other instances.
    override public func willStop() async {
        draining.store(true, ordering: .releasing)
    }

    /// Lets the calls in progress finish (for at most `drainTimeout`), then closes the socket.
    override public func doStop() async throws {
        draining.store(true, ordering: .releasing)
        if let slots = running.withLock({ $0?.slots }) {
            do {
                try await withTimeout(drainTimeout) { try await slots.drained() }
            } catch {
                logger.warning("Calls still running after \(drainTimeout); stopping them.")
            }
        }
        let stopped = running.withLock { running in
            defer { running = nil }
            return running
        }
        if let announcer = stopped?.announcer { removeService(announcer) }
        stopped?.socket.close()
    }

    /// How long a stop waits for the calls in progress.
    public let drainTimeout: Duration

    private var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// The methods registered, in name order.
    public var methods: [String] { handlers.withLock { $0.keys.sorted() } }

    // MARK: Serving

    private func serve(_ socket: Socket, slots: RPCSlots, maxMessageSize: Int) async throws {
        var inline = InlineCallPolicy(now: .now)
        var cache = HandlerCache()
        var names = MethodNames()
        // The parameters of the last call run inline, for the next one's (see `RPCRequest.read`).
        var spare: [UInt8] = []
        let replies = RPCReplies(socket: socket) { [logger] error in logger.warning("Reply not sent: \(error)") }
        try await withThrowingDiscardingTaskGroup { group in
            // One buffer for every batch, its messages read in place: a frame, a message and an
            // array made per request were a fifth of the loop's instructions.
            var batch = MessageBuffer()
            while true {
                batch.removeAll()
                do {
                    try await socket.receive(into: &batch, upTo: 256)
                } catch {
                    if socket.isClosed { return }  // stopped
                    throw error
                }
                replies.collect()
                for index in 0..<batch.count {
                    // Read into optionals and moved out of them: an optional tuple returned by the
                    // closure was copied out and destroyed through the tuple's type metadata, 280
                    // instructions per request.
                    var peer: Frame?
                    var request: RPCRequest?
                    batch.withFrames(of: index) { frames in
                        guard let first = frames.first else { return }
                        peer = Frame(copying: first)
                        request = RPCRequest.read(
                            frames.dropFirst(),
                            limit: maxMessageSize,
                            names: &names,
                            spare: &spare
                        )
                    }
                    guard let peer = peer.take(), let request = request.take() else { continue }
                    await serve(
                        request,
                        from: peer,
                        replies: replies,
                        slots: slots,
                        inline: &inline,
                        cache: &cache,
                        spare: &spare,
                        group: &group
                    )
                }
                replies.flush()
            }
        }
    }

    /// Answers a heartbeat or a refused request at once, and starts a call (inline or in a task
    /// of its own) once a slot is free. Inlined: an async call of its own would cost every request
    /// a task allocation.
    @inline(__always)
    private func serve(
        _ request: consuming RPCRequest,
        from peer: Frame,
        replies: RPCReplies,
        slots: RPCSlots,
        inline: inout InlineCallPolicy,
        cache: inout HandlerCache,
        spare: inout [UInt8],
        group: inout ThrowingDiscardingTaskGroup<any Error>
    ) async {
        if isDraining {
            if case .call(let id, let method, _) = request {
                let error = MessagingError(.unavailable, "\(method): \(path) is stopping")
                reply(to: peer, id: id, .failure(error), on: replies)
            }
            return
        }
        // Consumed: matching the borrowed request copied its id, method and payload (a retain
        // and a release of each per call).
        switch consume request {
        case .heartbeat(let id):
            MessagingEnvelope(kind: .heartbeat, id: id).frame.withUnsafeBytes { header in
                replies.send(to: peer, header: header, payload: UnsafeRawBufferPointer(start: nil, count: 0))
            }
        case .refused(let id, let error):
            logger.warning("Refused a request: \(error)", metadata: id.map { ["id": "\($0)"] } ?? [:])
            reply(to: peer, id: id.map { .text($0) }, .failure(error), on: replies)
        case .call(let id, let method, let payload):
            guard let handler = handler(of: method, cache: &cache) else {
                let error = MessagingError(.unknownMethod, "no method \"\(method)\" on \(path) (has \(methods))")
                logger.warning("Refused a request: \(error)", metadata: ["id": "\(id)"])
                reply(to: peer, id: id, .failure(error), on: replies)
                return
            }
            if !slots.tryAcquire() {
                // The replies held so far must not wait for a slot to free up.
                replies.flush()
                await slots.acquire()
                replies.collect()
            }
            guard case .sync(let body) = handler, let start = inline.beginInline(method) else {
                // On Swift's pool, named as the preference: a task started on the reactor (an
                // immediate one, or one that inherits the loop's preference) goes on there after
                // it waits, which would hold every socket of the process.
                group.addTask(executorPreference: globalConcurrentExecutor) {
                    defer { slots.release() }
                    let result = await self.run(handler, method: method, payload: payload)
                    self.reply(to: peer, id: id, result, on: replies)
                }
                return
            }
            reply(to: peer, id: id, run(body, method: method, payload: payload), on: replies)
            spare = payload  // the next request's storage, if the handler kept no copy
            slots.release()
            if let held = inline.endInline(method, startedAt: start) {
                logger.debug(
                    "\(method) held the receive loop for \(held); its calls run in tasks of their own for \(InlineCallPolicy.recheck)."
                )
            }
        }
    }

    /// The handler the receive loop used last, kept while no method is registered: most batches
    /// call one method, which then costs no lock and no hashing of its name.
    struct HandlerCache {
        var method = ""
        var handler: Handler?
        var version = -1
    }

    private func handler(of method: String, cache: inout HandlerCache) -> Handler? {
        let version = handlersVersion.load(ordering: .acquiring)
        if cache.version == version, cache.method == method, let handler = cache.handler { return handler }
        let handler = handlers.withLock { $0[method] }
        cache = HandlerCache(method: method, handler: handler, version: version)
        return handler
    }

    private func run(_ handler: Handler, method: String, payload: [UInt8]) async -> Result<[UInt8], MessagingError> {
        do {
            return .success(try await handler(payload, method))
        } catch {
            return .failure(failure(of: method, error))
        }
    }

    private func run(
        _ body: @Sendable ([UInt8], String) throws -> [UInt8],
        method: String,
        payload: [UInt8]
    ) -> Result<[UInt8], MessagingError> {
        do {
            return .success(try body(payload, method))
        } catch {
            return .failure(failure(of: method, error))
        }
    }

    /// Logs a handler's error and makes it the error to reply with. Out of line and not async:
    /// in `run` its string interpolations made the frame of every call's task 1 KiB.
    @inline(never)
    private func failure(of method: String, _ error: any Error) -> MessagingError {
        if let error = error as? MessagingError {
            logger.warning("\(method) failed: \(error)")
            return error
        }
        logger.warning("\(method) threw: \(error)")
        return MessagingError(.handlerFailed, "\(method) failed: \(error)")
    }

    private func reply(
        to peer: Frame,
        id: RequestID?,
        _ result: Result<[UInt8], MessagingError>,
        on replies: RPCReplies
    ) {
        switch result {
        case .success(let payload):
            reply(to: peer, .reply, id: id, payload, on: replies)
        case .failure(let error):
            reply(to: peer, .error, id: id, RPCCoding.payload(of: error), on: replies)
        }
    }

    /// Sends an answer of `kind` to call `id`, its header written on the stack by the template
    /// when it can, else by the envelope.
    private func reply(
        to peer: Frame,
        _ kind: MessagingEnvelope.Kind,
        id: RequestID?,
        _ payload: [UInt8],
        on replies: RPCReplies
    ) {
        payload.withUnsafeBytes { payload in
            let sent: Void? = id.flatMap { id in
                EnvelopeFastPath.Template.withAnswer(kind, id: id) { header in
                    replies.send(to: peer, header: header, payload: payload)
                }
            }
            if sent == nil {
                MessagingEnvelope(kind: kind, id: id?.description).frame.withUnsafeBytes { header in
                    replies.send(to: peer, header: header, payload: payload)
                }
            }
        }
    }
}
