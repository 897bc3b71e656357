import GinkgoZeroMQ

/// The bus's messages (`PROTOCOL.md`, "Bus"): a topic frame that SUB sockets filter on, then the
/// two frames of the envelope, a `publish` header naming the same topic and the payload.
enum BusWire {
    /// The three-frame message publishing `payload` on `topic`.
    static func message(topic: String, id: String, payload: [UInt8]) -> Message {
        let envelope = MessagingEnvelope(kind: .publish, id: id, topic: topic).message(payload: payload)
        return Message(frames: [Frame(topic)] + envelope.frames)
    }

    /// The topic and envelope of a bus message of at most `limit` bytes.
    ///
    /// - Throws: the refusal: not three frames, not a `publish`, a topic frame that differs from
    ///   the header's, or what ``IncomingMessage`` refuses.
    static func parse(_ message: Message, limit: Int) throws(IncomingMessage.Refusal) -> (String, IncomingMessage) {
        let frames = message.frames
        guard frames.count == 3 else {
            throw IncomingMessage.Refusal(
                id: nil,
                error: MessagingError(.badEnvelope, "expected 3 frames (topic, header, payload), got \(frames.count)")
            )
        }
        let incoming = try IncomingMessage(frames.dropFirst(), limit: limit)
        let topic = frames[0].string
        guard incoming.header.kind == .publish, incoming.header.topic == topic else {
            throw IncomingMessage.Refusal(
                id: incoming.header.id,
                error: MessagingError(
                    .badEnvelope,
                    "a \(incoming.header.kind.rawValue) with topic \(incoming.header.topic ?? "none") "
                        + "under the topic frame \"\(topic)\"; the bus carries publish messages of that topic"
                )
            )
        }
        return (topic, incoming)
    }
}
