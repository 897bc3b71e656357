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
    /// The header as `JSONEncoder` writes it, or `nil` if a string needs escaping.
    static func encode(_ header: MessagingEnvelope) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(96)
        bytes.append(UInt8(ascii: "{"))
        // Sorted keys: encoding, id, kind, method, topic, v.
        guard append("encoding", header.encoding, to: &bytes, first: true),
            append("id", header.id, to: &bytes),
            append("kind", header.kind.rawValue, to: &bytes),
            append("method", header.method, to: &bytes),
            append("topic", header.topic, to: &bytes)
        else { return nil }
        bytes.append(contentsOf: #","v":"#.utf8)
        appendDecimal(header.v, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        var rest = value.magnitude
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        bytes[start...].reverse()
    }

    private static func append(_ key: String, _ value: String?, to bytes: inout [UInt8], first: Bool = false) -> Bool {
        guard let value else { return true }
        let utf8 = value.utf8
        if utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return false
        }
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: key.utf8)
        bytes.append(contentsOf: #"":""#.utf8)
        bytes.append(contentsOf: utf8)
        bytes.append(UInt8(ascii: "\""))
        return true
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
                    guard let key = string() else { return nil }
                    guard take(UInt8(ascii: ":")) else { return nil }
                    switch key {
                    case "v":
                        guard v == nil, let value = integer() else { return nil }
                        v = value
                    case "kind":
                        guard kind == nil, let value = string().flatMap(MessagingEnvelope.Kind.init(rawValue:))
                        else { return nil }
                        kind = value
                    case "id": guard fill(&id) else { return nil }
                    case "method": guard fill(&method) else { return nil }
                    case "topic": guard fill(&topic) else { return nil }
                    case "encoding": guard fill(&encoding) else { return nil }
                    default:
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
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            var ascii = true
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let utf8 = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    // ASCII is valid UTF-8 as it is; `String(validating:)` is generic and looked up
                    // type metadata on every call (a twentieth of the server's CPU per RPC call).
                    let text = ascii ? String(decoding: utf8, as: UTF8.self) : String(validating: utf8, as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                if byte >= 0x80 { ascii = false }
                index += 1
            }
            return nil
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
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
                return nil
            }
            return Int(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }
    }
}
