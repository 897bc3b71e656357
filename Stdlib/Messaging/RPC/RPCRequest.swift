import Foundation
import GinkgoZeroMQ

/// What an ``RPCServer`` makes of a message it received (its routing frame removed).
enum RPCRequest: Equatable {
    /// A liveness probe, answered at once.
    case heartbeat(id: String?)
    /// A call of `method`.
    case call(id: String, method: String, payload: [UInt8])
    /// A message the server cannot use; `id` is the request's when the header names one.
    case refused(id: String?, MessagingError)

    static func read(_ message: Message, limit: Int) -> RPCRequest {
        if message.byteCount > limit {
            return .refused(
                id: bestEffortID(message),
                MessagingError(.tooLarge, "a request of \(message.byteCount) bytes exceeds the limit of \(limit)")
            )
        }
        let header: MessagingEnvelope
        let payload: [UInt8]
        do {
            (header, payload) = try MessagingEnvelope.parse(message)
        } catch {
            return .refused(id: bestEffortID(message), error)
        }
        switch header.kind {
        case .heartbeat:
            return .heartbeat(id: header.id)
        case .request:
            guard let id = header.id, let method = header.method, !method.isEmpty else {
                let missing = header.id == nil ? "id" : "method"
                return .refused(id: header.id, MessagingError(.badEnvelope, "a request needs a \(missing)"))
            }
            guard header.encoding == "json" else {
                return .refused(
                    id: id,
                    MessagingError(.unsupportedEncoding, "encoding \"\(header.encoding)\" is not supported; use json")
                )
            }
            return .call(id: id, method: method, payload: payload)
        default:
            return .refused(
                id: header.id,
                MessagingError(.badEnvelope, "an RPC server takes request and heartbeat, not \(header.kind.rawValue)")
            )
        }
    }

    /// The `id` of a header that is JSON but not a valid envelope (another version, a missing
    /// field), so that its error reply can still be paired with the request.
    private static func bestEffortID(_ message: Message) -> String? {
        struct Identified: Decodable { var id: String? }
        guard let first = message.first, first.count <= 4096 else { return nil }
        return (try? JSONDecoder().decode(Identified.self, from: Data(first.bytes)))?.id
    }
}
