import Foundation
public import GinkgoZeroMQ

/// The header every messaging message carries (`Stdlib/Messaging/PROTOCOL.md`): a ZeroMQ
/// message of two frames, this header as JSON, then the payload in the header's encoding.
///
/// ```swift
/// let request = MessagingEnvelope(kind: .request, id: "7", method: "echo")
/// let message = request.message(payload: Array(#"{"hello":"world"}"#.utf8))
/// let (header, payload) = try MessagingEnvelope.parse(message)
/// print(header.method!, String(decoding: payload, as: UTF8.self))  // echo {"hello":"world"}
/// ```
public struct MessagingEnvelope: Sendable, Hashable, Codable {
    /// The protocol version this library speaks.
    public static let version = 1

    /// What a message is.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// An RPC call: `id` and `method` set, the payload the parameters.
        case request
        /// The result of the call `id`.
        case reply
        /// The failure of the message `id` (when known): the payload is a ``MessagingError``.
        case error
        /// A liveness probe; answered by a `heartbeat` with the same `id`.
        case heartbeat
        /// A bus message on `topic`.
        case publish
        /// A work-queue job `id`, `method` naming its kind.
        case job
        /// A worker's acknowledgement that job `id` is done.
        case ack
    }

    /// The protocol version of the message.
    public var v: Int
    /// What the message is.
    public var kind: Kind
    /// Pairs a reply, error or ack with its request or job.
    public var id: String?
    /// The method called, or the job's kind.
    public var method: String?
    /// The bus topic.
    public var topic: String?
    /// How the payload is encoded: `json` unless said otherwise.
    public var encoding: String

    /// A header of the current version.
    public init(kind: Kind, id: String? = nil, method: String? = nil, topic: String? = nil, encoding: String = "json") {
        self.v = Self.version
        self.kind = kind
        self.id = id
        self.method = method
        self.topic = topic
        self.encoding = encoding
    }

    /// The two-frame message of this header and `payload`.
    public func message(payload: [UInt8]) -> Message {
        Message(frames: [frame, Frame(payload)])
    }

    /// The header's frame.
    var frame: Frame { EnvelopeFastPath.frame(self) ?? Frame(Self.encoder.encode(self)) }

    /// The header and payload of `message`.
    ///
    /// - Throws: ``MessagingError`` `badEnvelope` (not two frames, or a header that is not the
    ///   JSON above, naming what is wrong) or `unsupportedVersion`.
    public static func parse(_ message: Message) throws(MessagingError) -> (MessagingEnvelope, [UInt8]) {
        try parse(frames: message.frames[...])
    }

    /// The header and payload in `frames`: for a message whose routing frames come first, without
    /// copying the rest into a message of their own.
    static func parse(frames: ArraySlice<Frame>) throws(MessagingError) -> (MessagingEnvelope, [UInt8]) {
        guard frames.count == 2, let first = frames.first, let last = frames.last else {
            throw MessagingError(.badEnvelope, "expected 2 frames (header, payload), got \(frames.count)")
        }
        let header: MessagingEnvelope
        if let plain = EnvelopeFastPath.decode(first) {
            header = plain
        } else {
            do {
                header = try JSONDecoder().decode(MessagingEnvelope.self, from: Data(first.bytes))
            } catch {
                throw MessagingError(.badEnvelope, "the header is not an envelope: \(Self.describe(error))")
            }
        }
        guard header.v == version else {
            throw MessagingError(
                .unsupportedVersion,
                "protocol version \(header.v) is not supported; this peer speaks \(version)"
            )
        }
        return (header, last.bytes)
    }

    enum CodingKeys: String, CodingKey {
        case v, kind, id, method, topic, encoding
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        v = try container.decode(Int.self, forKey: .v)
        kind = try container.decode(Kind.self, forKey: .kind)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        method = try container.decodeIfPresent(String.self, forKey: .method)
        topic = try container.decodeIfPresent(String.self, forKey: .topic)
        encoding = try container.decodeIfPresent(String.self, forKey: .encoding) ?? "json"
    }

    private static let encoder = EnvelopeEncoder()

    /// A decoding error in a few words: the field and the problem.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "field \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty
                ? "not JSON"
                : "field \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}

/// Encodes headers with sorted keys, so the same header is always the same bytes.
struct EnvelopeEncoder: Sendable {
    func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of strings and numbers cannot fail.
        return (try? encoder.encode(value)).map(Array.init) ?? []
    }
}
