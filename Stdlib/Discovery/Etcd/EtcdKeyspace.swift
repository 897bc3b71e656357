import Foundation

/// Where instances live in etcd: the key `PREFIX<name>/<id>` holds the instance as JSON.
struct EtcdKeyspace: Sendable {
    /// Ends with `/`.
    let prefix: String

    init(prefix: String) {
        self.prefix = prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    /// The key of one instance.
    func key(_ instance: ServiceInstance.Key) -> EtcdBytes {
        EtcdBytes(prefix + instance.name + "/" + instance.id)
    }

    /// The keys of every instance of `name`, or of every name when `nil`.
    func range(_ name: String?) -> (key: EtcdBytes, end: EtcdBytes) {
        let start = Array((name.map { prefix + $0 + "/" } ?? prefix).utf8)
        return (EtcdBytes(start), EtcdBytes(Self.end(of: start)))
    }

    /// Throws unless `name` (and `id`) can be a key: not empty, without `/`.
    func validate(name: String, id: String? = nil) throws {
        for (what, value) in [("name", name), ("id", id)] {
            guard let value else { continue }
            if value.isEmpty || value.contains("/") {
                throw DiscoveryError(.badRequest, "etcd: an instance \(what) must be non-empty without '/': '\(value)'")
            }
        }
    }

    /// The instance a key holds, or why it is not one: the value must be instance JSON whose
    /// name and id are those of the key.
    func instance(key: EtcdBytes, value: EtcdBytes?) -> Result<ServiceInstance, Unreadable> {
        guard let expected = instanceKey(key) else {
            return .failure(Unreadable(key: key.text, reason: "not \(prefix)<name>/<id>"))
        }
        let instance: ServiceInstance
        do {
            instance = try JSONDecoder().decode(ServiceInstance.self, from: Data(value?.bytes ?? []))
        } catch {
            return .failure(Unreadable(key: key.text, reason: "not instance JSON (\(Self.reason(error)))"))
        }
        guard instance.key == expected else {
            return .failure(Unreadable(key: key.text, reason: "holds \(instance.key), not \(expected)"))
        }
        return .success(instance)
    }

    /// The instance key a key names, whatever its value; `nil` outside the keyspace.
    func instanceKey(_ key: EtcdBytes) -> ServiceInstance.Key? {
        let path = key.text
        guard path.hasPrefix(prefix) else { return nil }
        let parts = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return ServiceInstance.Key(name: String(parts[0]), id: String(parts[1]))
    }

    /// The first key after every key that starts with `start`: etcd's range end for a prefix.
    static func end(of start: [UInt8]) -> [UInt8] {
        var end = start
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "no field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty
                ? context.debugDescription
                : "bad \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "\(error)"
        }
    }

    /// A key under the prefix that does not hold an instance; logged and skipped.
    struct Unreadable: Error, Sendable {
        var key: String
        var reason: String
    }
}
