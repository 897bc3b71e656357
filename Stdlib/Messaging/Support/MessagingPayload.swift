import Foundation

/// Payloads in the one encoding every peer speaks: JSON.
enum MessagingPayload {
    /// `value` as JSON.
    ///
    /// - Throws: ``MessagingError`` `badPayload` when the value cannot be encoded (a non-finite
    ///   number, say).
    static func encode(_ value: some Encodable) throws(MessagingError) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(value))
        } catch {
            throw MessagingError(.badPayload, "the value does not encode as JSON: \(error)")
        }
    }

    /// `bytes` decoded from JSON as `type`.
    ///
    /// - Throws: ``MessagingError`` `badPayload` naming the field and the problem.
    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws(MessagingError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw MessagingError(
                .badPayload,
                "the payload is not a \(type): \(MessagingEnvelope.describe(error))"
            )
        }
    }
}
