import Foundation

/// JSON in and out of RPC payloads, with failures as ``MessagingError``s that name the method.
enum RPCCoding {
    static func encode(_ value: some Encodable, method: String, what: String) throws(MessagingError) -> [UInt8] {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Array(try encoder.encode(value))
        } catch {
            throw MessagingError(.badPayload, "\(method): the \(what) do not encode as JSON: \(error)")
        }
    }

    static func decode<Value: Decodable>(
        _ type: Value.Type,
        from payload: [UInt8],
        method: String,
        what: String
    ) throws(MessagingError) -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(payload.isEmpty ? Array("null".utf8) : payload))
        } catch {
            throw MessagingError(
                .badPayload,
                "\(method): the \(what) do not decode as \(Value.self): \(MessagingEnvelope.describe(error))"
            )
        }
    }

    /// The error an `error` message carries; a payload that is not one becomes `bad_payload`.
    static func error(from payload: [UInt8], method: String) -> MessagingError {
        (try? JSONDecoder().decode(MessagingError.self, from: Data(payload)))
            ?? MessagingError(.badPayload, "\(method): the server's error is not an error object")
    }

    /// The payload of an `error` message.
    static func payload(of error: MessagingError) -> [UInt8] {
        EnvelopeEncoder().encode(error)
    }
}
