import GinkgoZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

extension EnvelopeFastPath {
    /// The headers of calls and their answers as this library (and `JSONEncoder` with sorted
    /// keys) writes them, matched byte for byte, with only the id, the kind and the method
    /// varying:
    /// ```
    /// {"encoding":"json","id":"7","kind":"request","method":"echo","v":1}
    /// {"encoding":"json","id":"7","kind":"reply","v":1}
    /// ```
    /// A tenth of the reader's work for the headers of nearly every message; any other header
    /// (whitespace, another order, another field or version) is left to the reader.
    enum Template {
        /// The id, kind and method of a header of the form above; `nil` for any other header.
        static func match(
            _ bytes: UnsafeBufferPointer<UInt8>
        ) -> (kind: MessagingEnvelope.Kind, id: UnsafeBufferPointer<UInt8>, method: UnsafeBufferPointer<UInt8>?)? {
            var rest = bytes[...]
            guard skip(#"{"encoding":"json","id":""#, in: &rest), let id = string(in: &rest) else { return nil }
            // A request and a reply, nearly every header, each matched by one comparison more.
            if skip(#","kind":"request","method":""#, in: &rest) {
                guard let method = string(in: &rest), skip(#","v":1}"#, in: &rest), rest.isEmpty else { return nil }
                return (.request, id, method)
            }
            if skip(#","kind":"reply","v":1}"#, in: &rest) { return rest.isEmpty ? (.reply, id, nil) : nil }
            guard skip(#","kind":""#, in: &rest), let name = string(in: &rest), let kind = Reader.kind(name)
            else { return nil }
            var method: UnsafeBufferPointer<UInt8>?
            if skip(#","method":""#, in: &rest) {
                guard let value = string(in: &rest) else { return nil }
                method = value
            }
            guard skip(#","v":1}"#, in: &rest), rest.isEmpty else { return nil }
            return (kind, id, method)
        }

        /// The header of call `id` of `method`, the very bytes of
        /// `MessagingEnvelope(kind: .request, id: String(id), method: method).frame`, written
        /// without the envelope or the id's string; `nil` if `method` needs escaping.
        static func request(id: UInt64, method: String) -> Frame? {
            withRequest(id: id, method: method) { Frame(copying: $0) }
        }

        /// What `body` makes of the bytes of ``request(id:method:)``, written on the stack and
        /// valid only during the call: for a sender that copies them straight into libzmq.
        static func withRequest<Result>(
            id: UInt64,
            method: String,
            _ body: (UnsafeRawBufferPointer) -> Result
        ) -> Result? {
            // The template's fixed bytes are 62, and an id has at most 20 digits.
            Writer.withBytes(
                capacity: 96 + method.utf8.count,
                { writer in
                    writer.append(#"{"encoding":"json","id":""#)
                    writer.decimal(magnitude: id)
                    writer.append(#"","kind":"request","method":""#)
                    guard writer.copy(method) else { return false }
                    writer.append(#"","v":1}"#)
                    return true
                },
                body
            )
        }

        /// What `body` makes of the header of an answer (`reply` or `error`) to call `id`, the very
        /// bytes of `MessagingEnvelope(kind: kind, id: id).frame`, written on the stack and valid
        /// only during the call; `nil` for another kind, or an `id` that needs escaping.
        static func withAnswer<Result>(
            _ kind: MessagingEnvelope.Kind,
            id: String,
            _ body: (UnsafeRawBufferPointer) -> Result
        ) -> Result? {
            withAnswer(kind, id: .text(id), body)
        }

        /// ``withAnswer(_:id:_:)`` for a request's id as the server read it: a number is written
        /// from its digits, with no string made.
        static func withAnswer<Result>(
            _ kind: MessagingEnvelope.Kind,
            id: RequestID,
            _ body: (UnsafeRawBufferPointer) -> Result
        ) -> Result? {
            // The rest of the header after the id, in one piece: one copy instead of three.
            let tail: StaticString
            switch kind {
            case .reply: tail = #"","kind":"reply","v":1}"#
            case .error: tail = #"","kind":"error","v":1}"#
            default: return nil
            }
            let idLength: Int
            switch id {
            case .number: idLength = 20
            case .text(let text): idLength = text.utf8.count
            }
            return Writer.withBytes(
                capacity: 64 + idLength,
                { writer in
                    writer.append(#"{"encoding":"json","id":""#)
                    switch id {
                    case .number(let number): writer.decimal(magnitude: number)
                    case .text(let text): guard writer.copy(text) else { return false }
                    }
                    writer.append(tail)
                    return true
                },
                body
            )
        }

        /// Consumes `text` if `rest` starts with it.
        private static func skip(_ text: StaticString, in rest: inout Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
            let count = text.utf8CodeUnitCount
            guard rest.count >= count, let base = rest.base.baseAddress else { return false }
            // One `memcmp`: comparing byte by byte in Swift took seven instructions a byte.
            guard memcmp(base + rest.startIndex, text.utf8Start, count) == 0 else { return false }
            rest = rest[(rest.startIndex + count)...]
            return true
        }

        /// The bytes up to the closing quote, which it consumes; `nil` at an escape, a control
        /// character or the end.
        private static func string(in rest: inout Slice<UnsafeBufferPointer<UInt8>>) -> UnsafeBufferPointer<UInt8>? {
            var index = rest.startIndex
            while index < rest.endIndex {
                let byte = rest.base[index]
                if byte == UInt8(ascii: "\"") {
                    defer { rest = rest[(index + 1)...] }
                    return UnsafeBufferPointer(rebasing: rest[..<index])
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }
    }
}
