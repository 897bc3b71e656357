import Foundation

// The JSON messages of etcd v3's HTTP/JSON gateway that the backend sends and reads. The gateway
// writes protobuf JSON: int64s as strings, bytes as base64, and fields at their zero value
// omitted, so every field read is optional.

/// An int64 as the gateway writes it: a decimal string (a bare number is read too).
struct EtcdInt: Codable, Hashable, Sendable, ExpressibleByIntegerLiteral {
    var value: Int64

    init(_ value: Int64) { self.value = value }
    init(integerLiteral value: Int64) { self.value = value }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = Int64(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an int64: \(text)")
            }
            self.value = value
        } else {
            value = try container.decode(Int64.self)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(value))
    }
}

/// Bytes (a key or a value) as the gateway carries them: base64.
struct EtcdBytes: Codable, Hashable, Sendable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init(_ text: String) { bytes = Array(text.utf8) }

    /// The bytes as UTF-8 text, invalid sequences repaired.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not base64: \(text.prefix(40))")
        }
        bytes = Array(data)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Data(bytes).base64EncodedString())
    }
}

/// The header of every response; the revision is the store's when etcd answered.
struct EtcdHeader: Decodable, Sendable {
    /// A uint64, kept as the gateway's text.
    var clusterID: String?
    var revision: EtcdInt?

    enum CodingKeys: String, CodingKey {
        case clusterID = "cluster_id"
        case revision
    }
}

/// A key, its value and the revision that last changed it.
struct EtcdKeyValue: Decodable, Sendable {
    var key: EtcdBytes
    var value: EtcdBytes?
    var modRevision: EtcdInt?

    enum CodingKeys: String, CodingKey {
        case key, value
        case modRevision = "mod_revision"
    }
}

/// `/v3/kv/range`: the keys from `key` up to `rangeEnd` (exclusive).
struct EtcdRangeRequest: Encodable, Sendable {
    var key: EtcdBytes
    var rangeEnd: EtcdBytes?

    enum CodingKeys: String, CodingKey {
        case key
        case rangeEnd = "range_end"
    }
}

/// The answer to ``EtcdRangeRequest``.
struct EtcdRangeResponse: Decodable, Sendable {
    var header: EtcdHeader?
    var kvs: [EtcdKeyValue]?
}

/// `/v3/kv/put`: sets `key` to `value`, attached to a lease when `lease` is set.
struct EtcdPutRequest: Encodable, Sendable {
    var key: EtcdBytes
    var value: EtcdBytes
    var lease: EtcdInt?
}

/// `/v3/kv/deleterange`: removes `key` (or the keys up to `rangeEnd`).
struct EtcdDeleteRangeRequest: Encodable, Sendable {
    var key: EtcdBytes
    var rangeEnd: EtcdBytes?

    enum CodingKeys: String, CodingKey {
        case key
        case rangeEnd = "range_end"
    }
}

/// `/v3/kv/compaction`: drops the history before `revision`.
struct EtcdCompactionRequest: Encodable, Sendable {
    var revision: EtcdInt
}

/// `/v3/lease/grant`: a lease that ends `ttl` seconds after its last keep-alive.
struct EtcdLeaseGrantRequest: Encodable, Sendable {
    var ttl: EtcdInt

    enum CodingKeys: String, CodingKey {
        case ttl = "TTL"
    }
}

/// The lease in answers to grant and keep-alive; a keep-alive of a lease that is gone answers
/// no TTL (zero).
struct EtcdLease: Decodable, Sendable {
    var id: EtcdInt?
    var ttl: EtcdInt?
    var error: String?

    enum CodingKeys: String, CodingKey {
        case id = "ID"
        case ttl = "TTL"
        case error
    }
}

/// `/v3/lease/keepalive` and `/v3/lease/revoke`: names a lease.
struct EtcdLeaseRequest: Encodable, Sendable {
    var id: EtcdInt

    enum CodingKeys: String, CodingKey {
        case id = "ID"
    }
}

/// `/v3/watch`: watch `key` up to `rangeEnd` from `startRevision` on.
struct EtcdWatchRequest: Encodable, Sendable {
    struct Create: Encodable, Sendable {
        var key: EtcdBytes
        var rangeEnd: EtcdBytes
        var startRevision: EtcdInt
        /// Asks for an empty message now and then (every 10 minutes by default), so that the
        /// watch of a quiet name still moves its revision on and resumes within etcd's history.
        var progressNotify = true

        enum CodingKeys: String, CodingKey {
            case key
            case rangeEnd = "range_end"
            case startRevision = "start_revision"
            case progressNotify = "progress_notify"
        }
    }

    var createRequest: Create

    enum CodingKeys: String, CodingKey {
        case createRequest = "create_request"
    }
}

/// One message of a watch stream: created, some events, or canceled (with the compacted
/// revision when the history it needed is gone).
struct EtcdWatchResponse: Decodable, Sendable {
    var header: EtcdHeader?
    var created: Bool?
    var canceled: Bool?
    var compactRevision: EtcdInt?
    var cancelReason: String?
    var events: [EtcdEvent]?

    enum CodingKeys: String, CodingKey {
        case header, created, canceled, events
        case compactRevision = "compact_revision"
        case cancelReason = "cancel_reason"
    }
}

/// A change to one key; the gateway leaves out `type` for a put.
struct EtcdEvent: Decodable, Sendable {
    var type: String?
    var kv: EtcdKeyValue

    var isDelete: Bool { type == "DELETE" }
}

/// One line of a streamed answer: a result, or the error that ended the stream.
struct EtcdStreamMessage<Result: Decodable & Sendable>: Decodable, Sendable {
    var result: Result?
    var error: EtcdStatus?
}

/// The body of an error answer: what etcd said, and the gRPC status code.
struct EtcdStatus: Decodable, Sendable {
    var error: String?
    var message: String?
    var code: Int?

    /// What etcd said, however it said it.
    var text: String { message ?? error ?? "no message" }
}

/// An empty answer: just the header.
struct EtcdEmptyResponse: Decodable, Sendable {
    var header: EtcdHeader?
}
