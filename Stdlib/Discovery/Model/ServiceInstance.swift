/// One running instance of a named service, as discovery knows it: where to reach it, how to
/// select it, and whether it is healthy.
///
/// ```swift
/// let instance = ServiceInstance(
///     name: "echo",
///     id: "echo-1",
///     endpoints: ["rpc": "tcp://127.0.0.1:7200"],
///     tags: ["blue"]
/// )
/// print(instance.endpoints["rpc"]!)  // tcp://127.0.0.1:7200
/// ```
/// An ``Announcer`` adds the metadata `host` and `pid` of the process that announced it.
public struct ServiceInstance: Sendable, Hashable, Codable {
    /// The service name clients look up, such as `echo`.
    public var name: String
    /// Unique among the instances of `name`; an ``Announcer`` makes one from the host and pid.
    public var id: String
    /// Named addresses, such as `["rpc": "tcp://127.0.0.1:7200"]`.
    public var endpoints: [String: String]
    /// Labels a resolver can filter by.
    public var tags: [String]
    /// Free-form facts: always `host` and `pid` when announced by an ``Announcer``.
    public var metadata: [String: String]
    /// Whether the instance should receive work.
    public var health: InstanceHealth

    /// An instance record.
    public init(
        name: String,
        id: String,
        endpoints: [String: String],
        tags: [String] = [],
        metadata: [String: String] = [:],
        health: InstanceHealth = .healthy
    ) {
        self.name = name
        self.id = id
        self.endpoints = endpoints
        self.tags = tags
        self.metadata = metadata
        self.health = health
    }

    /// The address of the endpoint called `name`, or of the only endpoint when there is one.
    public func endpoint(_ name: String? = nil) -> String? {
        if let name { return endpoints[name] }
        return endpoints.count == 1 ? endpoints.first?.value : endpoints["default"]
    }

    /// `name` and `id` together, which identify an instance in a registry.
    public var key: Key { Key(name: name, id: id) }

    /// What identifies an instance: its service name and its id.
    public struct Key: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The service name.
        public var name: String
        /// The instance id.
        public var id: String

        /// A key.
        public init(name: String, id: String) {
            self.name = name
            self.id = id
        }

        /// `name/id`.
        public var description: String { "\(name)/\(id)" }
    }
}

extension ServiceInstance: CustomStringConvertible {
    /// One line: name, id, endpoints, health, host and pid, as `ginkgo discover` prints it.
    public var description: String {
        let addresses = endpoints.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        var line = "\(name) \(id) \(addresses.isEmpty ? "-" : addresses) \(health)"
        line += " host=\(metadata["host"] ?? "-") pid=\(metadata["pid"] ?? "-")"
        if !tags.isEmpty { line += " tags=\(tags.joined(separator: ","))" }
        return line
    }
}
