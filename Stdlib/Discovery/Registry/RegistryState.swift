/// What a ``Registry`` knows — records under leases, and watch subscriptions — and how each
/// request and each passing moment changes it. Pure: no sockets, no clock of its own, so every
/// rule of `PROTOCOL.md` is tested by feeding it requests and instants.
struct RegistryState {
    typealias Client = [UInt8]
    typealias Instant = ContinuousClock.Instant

    /// A message to send: to whom, and what.
    struct Outgoing {
        var client: Client
        var message: RegistryWire.Message
    }

    struct Record {
        var instance: ServiceInstance
        var expires: Instant
    }

    struct Subscription: Hashable {
        var client: Client
        var name: String
    }

    /// Chosen at start; a new one tells clients the registry restarted.
    let epoch: String
    /// How long a watching client may stay silent before its subscriptions are dropped.
    let watchTimeout: Duration
    private(set) var records: [ServiceInstance.Key: Record] = [:]
    /// The last sequence number sent on each subscription.
    private(set) var subscriptions: [Subscription: UInt64] = [:]
    private var lastHeard: [Client: Instant] = [:]

    init(epoch: String, watchTimeout: Duration) {
        self.epoch = epoch
        self.watchTimeout = watchTimeout
    }

    static let ttlRange = 100...86_400_000

    /// The replies and events one request causes.
    mutating func handle(_ request: RegistryWire.Request, from client: Client, now: Instant) -> [Outgoing] {
        lastHeard[client] = now
        let id = request.id
        func fail(_ code: String, _ message: String) -> [Outgoing] {
            [Outgoing(client: client, message: .failure(to: id, code, message))]
        }
        func ok(_ instances: [ServiceInstance]? = nil) -> Outgoing {
            Outgoing(client: client, message: .reply(to: id, epoch: epoch, instances: instances))
        }
        guard let version = request.v else { return fail("bad_request", "missing field v (the protocol version)") }
        guard version == RegistryWire.version else {
            return fail("unsupported_version", "protocol version \(version) is not supported; this registry speaks 1")
        }
        guard let op = request.op else { return fail("bad_request", "missing field op") }
        switch op {
        case "ping":
            return [ok()]
        case "register":
            guard let instance = request.instance else {
                return fail("bad_request", "register: missing field instance")
            }
            if let problem = Self.problem(name: instance.name, id: instance.id) {
                return fail("bad_request", "register: \(problem)")
            }
            guard let ttl = request.ttlMilliseconds, Self.ttlRange.contains(ttl) else {
                return fail(
                    "bad_request",
                    "register: ttl_ms must be \(Self.ttlRange.lowerBound)–\(Self.ttlRange.upperBound)"
                )
            }
            return [ok()] + register(instance, expires: now + .milliseconds(ttl))
        case "renew":
            guard let key = key(of: request) else { return fail("bad_request", "renew: needs name and instance_id") }
            guard let ttl = request.ttlMilliseconds, Self.ttlRange.contains(ttl) else {
                return fail(
                    "bad_request",
                    "renew: ttl_ms must be \(Self.ttlRange.lowerBound)–\(Self.ttlRange.upperBound)"
                )
            }
            guard records[key] != nil else { return fail("not_registered", "\(key) has no lease") }
            records[key]!.expires = now + .milliseconds(ttl)
            return [ok()]
        case "deregister":
            guard let key = key(of: request) else {
                return fail("bad_request", "deregister: needs name and instance_id")
            }
            return [ok()] + remove(key)
        case "list":
            let instances = records.values.map(\.instance).filter { request.name == nil || $0.name == request.name }
            return [ok(instances.sorted(by: Self.order))]
        case "watch":
            guard let name = request.name, Self.problem(name: name, id: "x") == nil else {
                return fail("bad_request", "watch: needs a valid name")
            }
            subscriptions[Subscription(client: client, name: name)] = 0
            let snapshot = RegistryWire.Message.snapshot(name, epoch: epoch, instances: instances(named: name))
            return [ok(), Outgoing(client: client, message: snapshot)]
        case "unwatch":
            guard let name = request.name else { return fail("bad_request", "unwatch: needs name") }
            subscriptions[Subscription(client: client, name: name)] = nil
            return [ok()]
        default:
            return fail("bad_request", "unknown op \"\(op)\"")
        }
    }

    /// Expires the leases and the silent watchers due at `now`; returns the expired instances
    /// and the events.
    mutating func expire(now: Instant) -> (expired: [ServiceInstance.Key], events: [Outgoing]) {
        var outgoing: [Outgoing] = []
        let expired = records.filter { $0.value.expires <= now }.map(\.key).sorted {
            ($0.name, $0.id) < ($1.name, $1.id)
        }
        for key in expired {
            outgoing += remove(key)
        }
        let silent = lastHeard.filter { now - $0.value > watchTimeout }.map(\.key)
        for client in silent {
            lastHeard[client] = nil
            subscriptions = subscriptions.filter { $0.key.client != client }
        }
        return (expired, outgoing)
    }

    /// The earliest instant at which ``expire(now:)`` has something to do.
    var nextExpiry: Instant? {
        let lease = records.values.map(\.expires).min()
        let watcher = lastHeard.values.min().map { $0 + watchTimeout }
        return [lease, watcher].compactMap { $0 }.min()
    }

    func instances(named name: String) -> [ServiceInstance] {
        records.values.map(\.instance).filter { $0.name == name }.sorted(by: Self.order)
    }

    private mutating func register(_ instance: ServiceInstance, expires: Instant) -> [Outgoing] {
        let previous = records[instance.key]?.instance
        records[instance.key] = Record(instance: instance, expires: expires)
        return notify(DiscoveryChange.changes(from: previous.map { [$0] } ?? [], to: [instance]))
    }

    private mutating func remove(_ key: ServiceInstance.Key) -> [Outgoing] {
        guard let record = records.removeValue(forKey: key) else { return [] }
        return notify([DiscoveryChange(.removed, record.instance)])
    }

    private mutating func notify(_ changes: [DiscoveryChange]) -> [Outgoing] {
        var outgoing: [Outgoing] = []
        for change in changes {
            for (subscription, seq) in subscriptions where subscription.name == change.instance.name {
                subscriptions[subscription] = seq + 1
                outgoing.append(Outgoing(client: subscription.client, message: .change(change, seq: seq + 1)))
            }
        }
        return outgoing
    }

    private func key(of request: RegistryWire.Request) -> ServiceInstance.Key? {
        guard let name = request.name, let id = request.instanceID, Self.problem(name: name, id: id) == nil else {
            return nil
        }
        return ServiceInstance.Key(name: name, id: id)
    }

    /// What is wrong with a name and id, if anything.
    static func problem(name: String, id: String) -> String? {
        for (field, value) in [("name", name), ("id", id)] {
            guard (1...255).contains(value.utf8.count) else { return "\(field) must be 1–255 bytes" }
            guard !value.contains("/") else { return "\(field) \"\(value)\" contains /" }
        }
        return nil
    }

    static func order(_ a: ServiceInstance, _ b: ServiceInstance) -> Bool {
        (a.name, a.id) < (b.name, b.id)
    }
}
