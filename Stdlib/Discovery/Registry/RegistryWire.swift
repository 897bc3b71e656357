import Foundation

/// The JSON messages of the registry protocol (`PROTOCOL.md`), one per ZeroMQ frame.
enum RegistryWire {
    static let version = 1

    /// A request as received: every field optional, so a bad one gets an error that names it.
    struct Request: Codable, Sendable {
        var v: Int?
        var id: Int?
        var op: String?
        var instance: ServiceInstance?
        var ttlMilliseconds: Int?
        var name: String?
        var instanceID: String?

        enum CodingKeys: String, CodingKey {
            case v, id, op, instance, name
            case ttlMilliseconds = "ttl_ms"
            case instanceID = "instance_id"
        }
    }

    /// An error in a reply.
    struct Failure: Codable, Sendable, Equatable {
        var code: String
        var message: String
    }

    /// A reply to a request, or an event of a watch (``event`` set): one type, so a client
    /// decodes every frame once.
    struct Message: Codable, Sendable {
        var v: Int = RegistryWire.version
        var id: Int?
        var ok: Bool?
        var epoch: String?
        var instances: [ServiceInstance]?
        var error: Failure?
        var event: String?
        var name: String?
        var seq: UInt64?
        var instance: ServiceInstance?

        static func reply(to id: Int?, epoch: String, instances: [ServiceInstance]? = nil) -> Message {
            Message(id: id, ok: true, epoch: epoch, instances: instances)
        }

        static func failure(to id: Int?, _ code: String, _ message: String) -> Message {
            Message(id: id, ok: false, error: Failure(code: code, message: message))
        }

        static func snapshot(_ name: String, epoch: String, instances: [ServiceInstance]) -> Message {
            Message(epoch: epoch, instances: instances, event: "snapshot", name: name, seq: 0)
        }

        static func change(_ change: DiscoveryChange, seq: UInt64) -> Message {
            Message(event: change.kind.rawValue, name: change.instance.name, seq: seq, instance: change.instance)
        }
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        // Encoding these plain structs cannot fail.
        (try? encoder.encode(value)).map(Array.init) ?? []
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
