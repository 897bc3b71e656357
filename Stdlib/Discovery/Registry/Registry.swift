public import Ginkgo
import GinkgoZeroMQ
import Logging
import Synchronization

/// The embedded discovery registry: holds service instances under leases and tells watchers of
/// every change, over ZeroMQ (`Stdlib/Discovery/PROTOCOL.md`). Nothing else to install: run it as
/// `ginkgo Registry`, or add it to any tree.
///
/// ```swift
/// let registry = Registry(endpoint: "tcp://127.0.0.1:*")
/// try await registry.start()
/// print(registry.boundEndpoint!)  // tcp://127.0.0.1:41234
/// ```
///
/// | setting | default | meaning |
/// | --- | --- | --- |
/// | `registry.endpoint` | `tcp://127.0.0.1:7100` | where the registry binds |
/// | `registry.watch_timeout` | `15s` | a watcher silent this long loses its watches |
/// | `registry.max_request` | `65536` | larger requests drop the sender's connection |
/// | `registry.beacon` | `false` | announce the endpoint by UDP beacon (see ``BeaconListener``) |
/// | `beacon.address`, `beacon.port`, `beacon.interval` | `255.255.255.255`, `7101`, `1s` | where and how often |
///
/// A request the registry cannot use — not JSON, a missing field, an unknown version or
/// operation — gets an error reply naming what was wrong, and a log line; the registry goes on.
public final class Registry: Service, RunnableService, @unchecked Sendable {
    /// Where clients look for the registry unless told otherwise.
    public static let defaultEndpoint = "tcp://127.0.0.1:7100"

    @Setting("registry.endpoint", default: Registry.defaultEndpoint, help: "Where the registry binds (ZeroMQ)")
    var configuredEndpoint: String
    @Setting(
        "registry.watch_timeout",
        default: Duration.seconds(15),
        help: "A watcher silent this long loses its watches"
    )
    var watchTimeout: Duration
    @Setting(
        "registry.max_request",
        default: 65536,
        help: "Largest request in bytes; a larger one drops its sender's connection"
    )
    var maxRequest: Int
    @Setting("registry.beacon", default: false, help: "Announce the registry's endpoint by UDP beacon")
    var beaconEnabled: Bool
    @Setting("beacon.address", default: "255.255.255.255", help: "Where the beacon is sent (a broadcast address)")
    var beaconAddress: String
    @Setting("beacon.port", default: 7101, help: "UDP port of the beacon")
    var beaconPort: Int
    @Setting("beacon.interval", default: Duration.seconds(1), help: "How often the beacon is sent")
    var beaconInterval: Duration

    private let given: String?
    private let running = Mutex<(socket: Socket, endpoint: String, core: RegistryCore)?>(nil)

    /// A registry bound where the setting `registry.endpoint` says.
    public required init() {
        self.given = nil
        super.init(name: "registry")
    }

    /// A registry bound to `endpoint` (such as `tcp://127.0.0.1:*` for any free port).
    public init(endpoint: String, name: String? = nil) {
        self.given = endpoint
        super.init(name: name ?? "registry")
    }

    /// Where the registry is bound, with a wildcard port resolved; `nil` unless running.
    public var boundEndpoint: String? { running.withLock { $0?.endpoint } }

    /// The instances registered now, in name and id order.
    public var instances: [ServiceInstance] {
        running.withLock { $0?.core.withState { $0.records.values.map(\.instance) } ?? [] }
            .sorted(by: RegistryState.order)
    }

    override public func doStart() async throws {
        let socket = try Socket(.router)
        do {
            try socket.setOption(.maxMessageSize, maxRequest)
            try socket.setOption(.linger, .zero)
            try socket.bind(given ?? configuredEndpoint)
        } catch {
            socket.close()
            throw error
        }
        let endpoint = socket.lastEndpoint ?? given ?? configuredEndpoint
        let epoch = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let (outbox, sender) = AsyncStream<RegistryState.Outgoing>.makeStream()
        let core = RegistryCore(state: RegistryState(epoch: epoch, watchTimeout: watchTimeout), outbox: sender)
        running.withLock { $0 = (socket, endpoint, core) }
        spawn { try await self.receive(from: socket, into: core) }
        spawn { try await self.send(outbox, through: socket) }
        spawn { try await self.expire(core) }
        if beaconEnabled {
            let beacon = BeaconSender(
                address: beaconAddress,
                port: beaconPort,
                interval: beaconInterval,
                logger: logger
            )
            spawn { try await beacon.run(announcing: endpoint) }
        }
        logger.info("Registry serving at \(endpoint) (epoch \(epoch)).")
    }

    override public func doStop() async throws {
        let socket = running.withLock { running in
            defer { running = nil }
            return running?.socket
        }
        socket?.close()
    }

    private func receive(from socket: Socket, into core: RegistryCore) async throws {
        for try await message in socket.messages {
            let frames = message.frames
            guard let client = frames.first?.bytes else { continue }
            guard frames.count == 2 else {
                logger.warning("Refused a request of \(frames.count - 1) frames; the protocol has one.")
                core.apply { _ in
                    [.init(client: client, message: .failure(to: nil, "too_large", "a request is one frame"))]
                }
                continue
            }
            let request: RegistryWire.Request
            do {
                request = try RegistryWire.decode(RegistryWire.Request.self, from: frames[1].bytes)
            } catch {
                logger.warning("Refused a request that is not a JSON request object: \(error)")
                core.apply { _ in
                    [
                        .init(
                            client: client,
                            message: .failure(to: nil, "bad_request", "not a JSON request object: \(error)")
                        )
                    ]
                }
                continue
            }
            let now = ContinuousClock.now
            core.apply { state in
                let outgoing = state.handle(request, from: client, now: now)
                if let failure = outgoing.first?.message.error {
                    logger.warning("Refused \(request.op ?? "a request"): \(failure.code): \(failure.message)")
                }
                return outgoing
            }
        }
    }

    private func send(_ outbox: AsyncStream<RegistryState.Outgoing>, through socket: Socket) async throws {
        for await outgoing in outbox {
            // ROUTER drops what it cannot route (a client that left); a watcher that misses an
            // event sees the gap in `seq` and watches again.
            try await socket.send(
                Message(frames: [Frame(outgoing.client), Frame(RegistryWire.encode(outgoing.message))])
            )
        }
    }

    private func expire(_ core: RegistryCore) async throws {
        while true {
            let next = core.withState { $0.nextExpiry } ?? .now + .seconds(1)
            try await Task.sleep(until: min(next, .now + .seconds(1)), tolerance: .milliseconds(20), clock: .continuous)
            core.apply { state in
                let (expired, events) = state.expire(now: .now)
                for key in expired { logger.info("Lease of \(key) expired.") }
                return events
            }
        }
    }
}
