import GinkgoZeroMQ

/// A message a messaging service received, checked against `PROTOCOL.md` before use: the size
/// limit, the envelope, and the payload encoding.
struct IncomingMessage {
    /// The largest header frame read at all; a larger one is refused without being parsed.
    static let maxHeader = 65_536

    let header: MessagingEnvelope
    let payload: [UInt8]

    /// Checks `frames` (the envelope, without any routing frame) against `limit` bytes in all.
    ///
    /// - Throws: ``MessagingError`` `tooLarge`, `badEnvelope`, `unsupportedVersion` or
    ///   `unsupportedEncoding`, with the header's `id` in ``Refusal/id`` when it could be read.
    init(_ frames: ArraySlice<Frame>, limit: Int) throws(Refusal) {
        let size = frames.reduce(0) { $0 + $1.count }
        if frames.count == 2, let first = frames.first, first.count > Self.maxHeader {
            throw Refusal(id: nil, error: MessagingError(.tooLarge, "a header of \(first.count) bytes"))
        }
        let parsed: (MessagingEnvelope, [UInt8])
        do {
            parsed = try MessagingEnvelope.parse(frames: frames)
        } catch {
            throw Refusal(id: nil, error: error)
        }
        let (header, payload) = parsed
        guard size <= limit else {
            throw Refusal(
                id: header.id,
                error: MessagingError(.tooLarge, "a message of \(size) bytes; the limit is \(limit)")
            )
        }
        guard header.encoding == "json" else {
            throw Refusal(
                id: header.id,
                error: MessagingError(.unsupportedEncoding, "encoding \"\(header.encoding)\"; this peer speaks json")
            )
        }
        self.header = header
        self.payload = payload
    }

    /// Why a message was refused, and the id to answer, if the header had one.
    struct Refusal: Error {
        var id: String?
        var error: MessagingError

        /// The `error` message to send back.
        var reply: Message {
            MessagingEnvelope(kind: .error, id: id).message(payload: (try? MessagingPayload.encode(error)) ?? [])
        }
    }

    /// The libzmq limit on one frame for a service that refuses messages over `limit`: larger,
    /// so that a message somewhat too large gets an error reply, while a huge one only drops the
    /// sender's connection (libzmq cannot tell anyone) before it is held in memory.
    static func frameLimit(for limit: Int) -> Int {
        limit > Int.max / 8 ? limit : max(limit * 4, limit + maxHeader)
    }
}
