import GinkgoZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// Reads and writes the usual envelope header without Foundation's JSON coders, which were a
/// quarter of the CPU an RPC call costs on each side.
///
/// Both are exact where they answer and step aside where they don't: the writer handles strings
/// that need no escaping and gives the very bytes `JSONEncoder` (sorted keys, slashes unescaped)
/// gives; the reader handles one flat object of strings without escapes and an integer `v`, and
/// returns `nil` for anything else (escapes, `null`, repeated keys, numbers that are not plain
/// integers, unknown kinds, malformed JSON), which then goes to `JSONDecoder` and its errors.
enum EnvelopeFastPath {
    /// The header's frame, with the very bytes `JSONEncoder` writes, or `nil` if a string needs
    /// escaping: written on the stack and copied into the frame once, with no array in between.
    static func frame(_ header: MessagingEnvelope) -> Frame? {
        // The keys, quotes, commas and the digits of `v` take at most 96 bytes.
        let capacity =
            96 + header.encoding.utf8.count + header.kind.rawValue.utf8.count + (header.id?.utf8.count ?? 0)
            + (header.method?.utf8.count ?? 0) + (header.topic?.utf8.count ?? 0)
        return Writer.frame(capacity: capacity) { writer in
            writer.append("{")
            // Sorted keys: encoding, id, kind, method, topic, v.
            guard writer.field("encoding", header.encoding, first: true),
                writer.field("id", header.id),
                writer.field("kind", header.kind.rawValue),
                writer.field("method", header.method),
                writer.field("topic", header.topic)
            else { return false }
            writer.append(#","v":"#)
            writer.decimal(header.v)
            writer.append("}")
            return true
        }
    }

    /// Appends to a buffer that ``frame(capacity:_:)`` made large enough.
    struct Writer {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        init(buffer: UnsafeMutableBufferPointer<UInt8>) {
            self.buffer = buffer
        }

        /// A frame of what `write` writes into a buffer of `capacity` bytes on the stack, copied
        /// into the frame once; `nil` if `write` gives up (a string that needs escaping).
        static func frame(capacity: Int, _ write: (inout Writer) -> Bool) -> Frame? {
            withBytes(capacity: capacity, write) { Frame(copying: $0) }
        }

        /// What `body` makes of the bytes `write` writes into a buffer of `capacity` bytes on the
        /// stack, valid only during the call; `nil` if `write` gives up.
        static func withBytes<Result>(
            capacity: Int,
            _ write: (inout Writer) -> Bool,
            _ body: (UnsafeRawBufferPointer) -> Result
        ) -> Result? {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
                var writer = Writer(buffer: buffer)
                guard write(&writer) else { return nil }
                return body(UnsafeRawBufferPointer(start: buffer.baseAddress, count: writer.count))
            }
        }

        mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            (buffer.baseAddress! + count).update(from: source, count: bytes.count)
            count += bytes.count
        }

        mutating func append(_ text: StaticString) {
            append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }

        mutating func append(byte: UInt8) {
            buffer[count] = byte
            count += 1
        }

        /// `"key":"value"`, after a comma unless `first`; `false` if `value` needs escaping.
        mutating func field(_ key: StaticString, _ value: String?, first: Bool = false) -> Bool {
            guard let value else { return true }
            append(first ? "\"" : ",\"")
            append(key)
            append(#"":""#)
            guard copy(value) else { return false }
            append(byte: UInt8(ascii: "\""))
            return true
        }

        /// Copies `text`; `false` (and the copy unfinished) if a byte needs escaping. Copied and
        /// checked in one pass; a string not stored as UTF-8 is copied into an array first.
        mutating func copy(_ text: String) -> Bool {
            text.utf8.withContiguousStorageIfAvailable { copy(utf8: $0) }
                ?? Array(text.utf8).withUnsafeBufferPointer { copy(utf8: $0) }
        }

        private mutating func copy(utf8: UnsafeBufferPointer<UInt8>) -> Bool {
            for byte in utf8 {
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
                buffer[count] = byte
                count += 1
            }
            return true
        }

        mutating func decimal(_ value: Int) {
            if value < 0 { append(byte: UInt8(ascii: "-")) }
            decimal(magnitude: UInt64(value.magnitude))
        }

        /// Written from the last digit back, once their count is known: no reversal after.
        mutating func decimal(magnitude value: UInt64) {
            var digits = 1
            var power: UInt64 = 10
            while digits < 20, value >= power {
                digits += 1
                power &*= 10
            }
            precondition(count + digits <= buffer.count, "the writer's buffer is too small")
            var rest = value
            var at = buffer.baseAddress! + count + digits
            repeat {
                at -= 1
                at.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            count += digits
        }
    }

    /// The header in `frame`, read in place, or `nil` when it is not of the plain form this
    /// reader handles.
    static func decode(_ frame: Frame) -> MessagingEnvelope? {
        frame.withUnsafeBytes { raw in fields(raw.bindMemory(to: UInt8.self))?.envelope() }
    }

    /// What a client needs of a reply, error or heartbeat header: its kind and its id as a call id
    /// (`nil` unless plain decimal digits), read in place with no string made. `nil` when the header is
    /// not of the plain form ``decode(_:)`` reads, or not of this version: the full parse then
    /// decides, and names the problem.
    static func answer(_ header: UnsafeRawBufferPointer) -> (kind: MessagingEnvelope.Kind, callID: UInt64?)? {
        guard let fields = fields(header.bindMemory(to: UInt8.self)), fields.v == MessagingEnvelope.version,
            fields.areText
        else { return nil }
        return (fields.kind, fields.id.flatMap(Self.callID))
    }

    /// The id and method of a call whose header has the ``Template``'s form, as the bytes of their
    /// strings (valid UTF-8, with no escape, quote or control character: the very text), read with
    /// no envelope or string made and valid only while `header` is; `nil` for any other header,
    /// which the full parse then reads (and names what is wrong).
    static func call(
        _ header: UnsafeRawBufferPointer
    ) -> (id: UnsafeBufferPointer<UInt8>, method: UnsafeBufferPointer<UInt8>)? {
        guard let (kind, id, method) = Template.match(header.bindMemory(to: UInt8.self)), kind == .request,
            let method, Reader.isText(id)
        else { return nil }
        return (id, method)
    }

    /// The fields of a plain header: matched as the ``Template`` of a call or an answer when it is
    /// one, else read.
    private static func fields(_ bytes: UnsafeBufferPointer<UInt8>) -> Fields? {
        if let (kind, id, method) = Template.match(bytes) {
            return Fields(v: 1, kind: kind, id: id, method: method, encoding: nil)
        }
        var reader = Reader(bytes: bytes)
        return reader.fields()
    }

    /// Plain decimal digits as a `UInt64`; `nil` for anything else or past its range.
    static func callID(_ digits: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        var value: UInt64 = 0
        if digits.count < 20 {
            // Nineteen digits or fewer cannot overflow: no check per digit but the digit's own.
            for byte in digits {
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value &* 10 &+ UInt64(digit)
            }
            return value
        }
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (tens, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, carry) = tens.addingReportingOverflow(UInt64(byte &- UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = next
        }
        return value
    }

    /// The fields of a plain header, as the bytes of their strings: valid only while the frame's
    /// bytes are.
    struct Fields {
        var v: Int
        var kind: MessagingEnvelope.Kind
        var id: UnsafeBufferPointer<UInt8>?
        var method: UnsafeBufferPointer<UInt8>?
        var topic: UnsafeBufferPointer<UInt8>? = nil
        var encoding: UnsafeBufferPointer<UInt8>?

        /// Whether every string is valid UTF-8, as the envelope's strings must be.
        var areText: Bool {
            Self.isText(id) && Self.isText(method) && Self.isText(topic) && Self.isText(encoding)
        }

        private static func isText(_ field: UnsafeBufferPointer<UInt8>?) -> Bool {
            field.map(Reader.isText) ?? true
        }

        /// The envelope, or `nil` if a string is not valid UTF-8.
        func envelope() -> MessagingEnvelope? {
            var header = MessagingEnvelope(kind: kind)
            header.v = v
            guard Self.text(id, into: &header.id), Self.text(method, into: &header.method),
                Self.text(topic, into: &header.topic)
            else { return nil }
            if let encoding {
                // Nearly always `json`: no string is made for it.
                guard let text = Reader.is(encoding, "json") ? "json" : Reader.text(encoding) else { return nil }
                header.encoding = text
            }
            return header
        }

        /// Sets `field` to the text of `bytes`, if any; `false` if they are not valid UTF-8.
        private static func text(_ bytes: UnsafeBufferPointer<UInt8>?, into field: inout String?) -> Bool {
            guard let bytes else { return true }
            field = Reader.text(bytes)
            return field != nil
        }
    }

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        /// One flat object of strings without escapes and an integer `v`, each key once.
        mutating func fields() -> Fields? {
            var v: Int?
            var kind: MessagingEnvelope.Kind?
            var id: UnsafeBufferPointer<UInt8>?
            var method: UnsafeBufferPointer<UInt8>?
            var topic: UnsafeBufferPointer<UInt8>?
            var encoding: UnsafeBufferPointer<UInt8>?
            guard take(UInt8(ascii: "{")) else { return nil }
            if !take(UInt8(ascii: "}")) {
                repeat {
                    // Keys are compared as bytes: no string is made for them.
                    guard let key = raw(), take(UInt8(ascii: ":")) else { return nil }
                    if Self.is(key, "v") {
                        guard v == nil, let value = integer() else { return nil }
                        v = value
                    } else if Self.is(key, "kind") {
                        guard kind == nil, let value = raw().flatMap(Self.kind) else { return nil }
                        kind = value
                    } else if Self.is(key, "id") {
                        guard fill(&id) else { return nil }
                    } else if Self.is(key, "method") {
                        guard fill(&method) else { return nil }
                    } else if Self.is(key, "topic") {
                        guard fill(&topic) else { return nil }
                    } else if Self.is(key, "encoding") {
                        guard fill(&encoding) else { return nil }
                    } else {
                        // Another field, of any value: JSONDecoder skips it.
                        return nil
                    }
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            skipWhitespace()
            guard index == bytes.count, let v, let kind else { return nil }
            return Fields(v: v, kind: kind, id: id, method: method, topic: topic, encoding: encoding)
        }

        /// The kind whose name `bytes` are, compared as bytes.
        static func kind(_ bytes: UnsafeBufferPointer<UInt8>) -> MessagingEnvelope.Kind? {
            switch bytes.count {
            case 3 where Self.is(bytes, "job"): .job
            case 3 where Self.is(bytes, "ack"): .ack
            case 5 where Self.is(bytes, "reply"): .reply
            case 5 where Self.is(bytes, "error"): .error
            case 7 where Self.is(bytes, "request"): .request
            case 7 where Self.is(bytes, "publish"): .publish
            case 9 where Self.is(bytes, "heartbeat"): .heartbeat
            default: nil
            }
        }

        /// Reads a string's bytes into `field`; `false` if it is not one, or `field` was read
        /// before.
        mutating func fill(_ field: inout UnsafeBufferPointer<UInt8>?) -> Bool {
            guard field == nil, let value = raw() else { return false }
            field = value
            return true
        }

        /// Skips whitespace, then consumes `byte` if it comes next.
        mutating func take(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
                default: return
                }
            }
        }

        /// The bytes of a string as text, if they are valid UTF-8.
        static func text(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
            // ASCII is valid UTF-8 as it is; `String(validating:)` is generic and looked up type
            // metadata on every call (a twentieth of the server's CPU per RPC call).
            if utf8.allSatisfy({ $0 < 0x80 }) { return String(decoding: utf8, as: UTF8.self) }
            return String(validating: utf8, as: UTF8.self)
        }

        /// Whether the bytes of a string are valid UTF-8.
        static func isText(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
            utf8.allSatisfy { $0 < 0x80 } || String(validating: utf8, as: UTF8.self) != nil
        }

        /// The bytes of a string without escapes or control characters, not checked as UTF-8.
        mutating func raw() -> UnsafeBufferPointer<UInt8>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return UnsafeBufferPointer(rebasing: bytes[start..<index - 1])
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        static func `is`(_ key: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
            guard key.count == name.utf8CodeUnitCount else { return false }
            guard let base = key.baseAddress else { return true }
            return memcmp(base, name.utf8Start, key.count) == 0
        }

        /// An integer without fraction or exponent, that fits an `Int`.
        mutating func integer() -> Int? {
            skipWhitespace()
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digits = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            // JSON allows no leading zeros; a fraction or exponent goes to JSONDecoder.
            guard index > digits, index - digits == 1 || bytes[digits] != UInt8(ascii: "0"), index - start <= 19
            else { return nil }
            if index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
                default: break
                }
            }
            // Accumulated on the side of its sign, so that `Int.min` fits; `nil` past the range.
            let negative = digits > start
            var value = 0
            for byte in UnsafeBufferPointer(rebasing: bytes[digits..<index]) {
                let digit = Int(byte &- UInt8(ascii: "0"))
                let (tens, overflow) = value.multipliedReportingOverflow(by: 10)
                let (next, carry) =
                    negative ? tens.subtractingReportingOverflow(digit) : tens.addingReportingOverflow(digit)
                guard !overflow, !carry else { return nil }
                value = next
            }
            return value
        }
    }
}
