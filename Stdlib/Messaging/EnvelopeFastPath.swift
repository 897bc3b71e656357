import GinkgoZeroMQ

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
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var writer = Writer(buffer: buffer)
            writer.append("{")
            // Sorted keys: encoding, id, kind, method, topic, v.
            guard writer.field("encoding", header.encoding, first: true),
                writer.field("id", header.id),
                writer.field("kind", header.kind.rawValue),
                writer.field("method", header.method),
                writer.field("topic", header.topic)
            else { return nil }
            writer.append(#","v":"#)
            writer.decimal(header.v)
            writer.append("}")
            return Frame(copying: UnsafeRawBufferPointer(start: buffer.baseAddress, count: writer.count))
        }
    }

    /// Appends to a buffer that ``frame(_:)`` made large enough.
    private struct Writer {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        init(buffer: UnsafeMutableBufferPointer<UInt8>) {
            self.buffer = buffer
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
            guard var value else { return true }
            return value.withUTF8 { utf8 in
                if utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                    return false
                }
                append(first ? "\"" : ",\"")
                append(key)
                append(#"":""#)
                append(utf8)
                append(byte: UInt8(ascii: "\""))
                return true
            }
        }

        mutating func decimal(_ value: Int) {
            if value < 0 { append(byte: UInt8(ascii: "-")) }
            let start = count
            var rest = value.magnitude
            repeat {
                append(byte: UInt8(ascii: "0") + UInt8(rest % 10))
                rest /= 10
            } while rest > 0
            var digits = UnsafeMutableBufferPointer(rebasing: buffer[start..<count])
            digits.reverse()
        }
    }

    /// The header in `frame`, read in place, or `nil` when it is not of the plain form this
    /// reader handles.
    static func decode(_ frame: Frame) -> MessagingEnvelope? {
        frame.withUnsafeBytes { raw in
            var reader = Reader(bytes: raw.bindMemory(to: UInt8.self))
            return reader.envelope()
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func envelope() -> MessagingEnvelope? {
            var v: Int?
            var kind: MessagingEnvelope.Kind?
            var id: String?
            var method: String?
            var topic: String?
            var encoding: String?
            guard take(UInt8(ascii: "{")) else { return nil }
            if !take(UInt8(ascii: "}")) {
                repeat {
                    // Keys are compared as bytes: no string is made for them.
                    guard let key = raw(), take(UInt8(ascii: ":")) else { return nil }
                    if Self.is(key, "v") {
                        guard v == nil, let value = integer() else { return nil }
                        v = value
                    } else if Self.is(key, "kind") {
                        guard kind == nil, let value = string().flatMap(MessagingEnvelope.Kind.init(rawValue:))
                        else { return nil }
                        kind = value
                    } else if Self.is(key, "id") {
                        guard fill(&id) else { return nil }
                    } else if Self.is(key, "method") {
                        guard fill(&method) else { return nil }
                    } else if Self.is(key, "topic") {
                        guard fill(&topic) else { return nil }
                    } else if Self.is(key, "encoding") {
                        // Nearly always `json`: no string is made for it.
                        guard encoding == nil, let value = raw() else { return nil }
                        encoding = Self.is(value, "json") ? "json" : Self.text(value)
                        guard encoding != nil else { return nil }
                    } else {
                        // Another field, of any value: JSONDecoder skips it.
                        return nil
                    }
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "}")) else { return nil }
            }
            skipWhitespace()
            guard index == bytes.count, let v, let kind else { return nil }
            var header = MessagingEnvelope(
                kind: kind,
                id: id,
                method: method,
                topic: topic,
                encoding: encoding ?? "json"
            )
            header.v = v
            return header
        }

        /// Reads a string into `field`; `false` if it is not one, or `field` was read before.
        mutating func fill(_ field: inout String?) -> Bool {
            guard field == nil, let value = string() else { return false }
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

        /// A string without escapes or control characters, as valid UTF-8.
        mutating func string() -> String? {
            raw().flatMap(Self.text)
        }

        /// The bytes of a string as text, if they are valid UTF-8.
        static func text(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
            // ASCII is valid UTF-8 as it is; `String(validating:)` is generic and looked up type
            // metadata on every call (a twentieth of the server's CPU per RPC call).
            if utf8.allSatisfy({ $0 < 0x80 }) { return String(decoding: utf8, as: UTF8.self) }
            return String(validating: utf8, as: UTF8.self)
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
            key.count == name.utf8CodeUnitCount
                && key.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
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
