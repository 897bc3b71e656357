public import Ginkgo
import GinkgoZeroMQ
import Synchronization

/// Publishes and subscribes typed `Codable` messages by topic, through the ``BusProxy`` that
/// discovery knows by the bus's name.
///
/// ```swift
/// struct Order: Codable, Sendable { var id: Int }
///
/// let bus = MessageBus()
/// try await bus.start()
/// let orders = try bus.subscribe("orders", as: Order.self)
/// try await bus.publish("orders", value: Order(id: 1))
/// for try await message in orders { print(message.value.id) }  // 1
/// ```
/// The bus follows discovery: when the proxy restarts or moves, every socket reconnects to the
/// proxy discovery names, and ZeroMQ sends the subscriptions again. It is publish/subscribe:
/// at most once — a message published while no proxy is reachable, or before a subscription
/// has reached the publisher, is not delivered to that subscriber.
///
/// | setting | default | meaning |
/// | --- | --- | --- |
/// | `bus.name` | `bus` | the proxy's name in discovery |
/// | `bus.timeout` | `5s` | how long ``publish(_:value:)`` waits for a proxy to be found |
/// | `bus.max_message` | `1048576` | larger messages are not published, and skipped when received |
public final class MessageBus: Service, @unchecked Sendable {
    @Setting("bus.name", default: "bus", help: "The bus's name in discovery")
    var configuredName: String
    @Setting("bus.timeout", default: Duration.seconds(5), help: "How long a publish waits for a bus proxy")
    var timeout: Duration
    @Setting("bus.max_message", default: 1_048_576, help: "Largest bus message in bytes")
    var maxMessage: Int

    private let resolver: Resolver
    private let givenName: String?
    private let publisher = Mutex<Socket?>(nil)
    private let sequence = Atomic<Int>(0)
    private let instanceID = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    private let connections = BusConnections()

    /// A bus client that finds the proxy through `discovery` (its own, configured by the
    /// settings, when `nil`), under the name `busName` (the setting `bus.name` when `nil`).
    public init(discovery: Discovery? = nil, busName: String? = nil, name: String? = nil) {
        self.resolver = Resolver(discovery: discovery)
        self.givenName = busName
        super.init(name: name ?? "message-bus")
        addService(resolver)
    }

    /// The name of the bus in discovery.
    public var busName: String { givenName ?? configuredName }

    override public func doStart() async throws {
        let socket = try Socket(.pub)
        do {
            try socket.setOption(.linger, .milliseconds(500))
            try configureReconnect(socket)
        } catch {
            socket.close()
            throw error
        }
        connections.open(logger: logger)
        _ = try connections.add(socket, publishing: true)
        publisher.withLock { $0 = socket }
        let name = busName
        spawn { try await self.follow(name) }
    }

    override public func doStop() async throws {
        publisher.withLock { $0 = nil }
        connections.close()
    }

    /// Publishes `value` on `topic`, as JSON.
    ///
    /// Returns once the message is queued for the proxy. Waits up to `bus.timeout` for a proxy
    /// to be found first.
    /// - Throws: ``MessagingError`` `unavailable` (no proxy found, or the bus is not running),
    ///   `badPayload` (the value does not encode) or `tooLarge`.
    public func publish(_ topic: String, value: some Encodable) async throws {
        let payload = try MessagingPayload.encode(value)
        let id = "\(instanceID)-\(sequence.add(1, ordering: .relaxed).newValue)"
        let message = BusWire.message(topic: topic, id: id, payload: payload)
        guard message.byteCount <= maxMessage else {
            throw MessagingError(.tooLarge, "a message of \(message.byteCount) bytes; bus.max_message is \(maxMessage)")
        }
        try await connections.waitForProxy(timeout: timeout)
        guard let socket = publisher.withLock({ $0 }) else {
            throw MessagingError(.unavailable, "\(path) is \(state); start it before publishing")
        }
        try await socket.send(message)
    }

    /// The messages published on `topic` from now on, decoded as `type`.
    ///
    /// The subscription is made at once (so messages published after this call reach it once
    /// ZeroMQ has passed it upstream) and ends when the bus stops or the sequence is dropped. A
    /// message that does not decode as `type` is logged and skipped.
    /// - Throws: ``MessagingError`` `unavailable` unless the bus is running.
    public func subscribe<Value: Decodable & Sendable>(
        _ topic: String,
        as type: Value.Type = Value.self
    ) throws -> BusSubscription<Value> {
        let socket = try Socket(.sub)
        do {
            try socket.setOption(.linger, .zero)
            try socket.setOption(.maxMessageSize, IncomingMessage.frameLimit(for: maxMessage))
            try configureReconnect(socket)
            try socket.subscribe(topic)
        } catch {
            socket.close()
            throw error
        }
        let id = try connections.add(socket, publishing: false)
        return BusSubscription(
            topic: topic,
            source: BusSubscription.Source(socket: socket, id: id, connections: connections, limit: maxMessage)
        )
    }

    private func configureReconnect(_ socket: Socket) throws {
        try socket.setOption(.reconnectInterval, .milliseconds(100))
        try socket.setOption(.reconnectIntervalMax, .seconds(1))
    }

    /// Keeps the sockets on the proxy discovery names: the one in use while it is there and
    /// healthy, else the healthy one with the smallest id.
    private func follow(_ name: String) async throws {
        var known: [String: ServiceInstance] = [:]
        var current: ServiceInstance?
        try await resolver.follow(name, logger: logger, restart: { known = [:] }) { change in
            known[change.instance.id] = change.kind == .removed ? nil : change.instance
            let usable = known.values.filter {
                $0.health == .healthy && $0.endpoints["publish"] != nil && $0.endpoints["subscribe"] != nil
            }
            let chosen =
                usable.first { $0.id == current?.id && $0.endpoints == current?.endpoints }
                ?? usable.min { $0.id < $1.id }
            guard let chosen, chosen != current else { return }
            current = chosen
            logger.info("Using bus proxy \(chosen.key) at \(chosen.endpoints["subscribe"]!).")
            connections.use(
                BusConnections.Endpoints(
                    publish: chosen.endpoints["publish"]!,
                    subscribe: chosen.endpoints["subscribe"]!
                )
            )
        }
    }
}
