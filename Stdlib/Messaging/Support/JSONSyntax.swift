/// Checks that bytes are one JSON text (RFC 8259, UTF-8, any value at the top), without building
/// anything: what an RPC server needs to pass a payload on as it is. `JSONSerialization` did the
/// same by building the whole object graph, and was a seventh of the CPU of a call on the server.
///
/// ```swift
/// JSONSyntax.problem(in: Array(#"{"a": [1, 2.5e3, "x"]}"#.utf8))  // nil
/// JSONSyntax.problem(in: Array("{nope".utf8))?.description          // "byte 1: expected a string"
/// ```
package enum JSONSyntax {
    /// Where a text stops being JSON, and what was expected there.
    package struct Problem: Error, Equatable, CustomStringConvertible {
        /// The offset of the first byte that does not fit, counting from 0.
        package var offset: Int
        /// What should have been there.
        package var expected: String

        package var description: String { "byte \(offset): expected \(expected)" }
    }

    /// Nesting deeper than this is refused, as `JSONSerialization` refuses it.
    package static let maxDepth = 512

    /// `nil` when `bytes` are one JSON value with optional whitespace around it, else the first
    /// place where they are not.
    package static func problem(in bytes: [UInt8]) -> Problem? {
        bytes.withUnsafeBufferPointer { buffer -> Problem? in
            var scanner = Scanner(bytes: buffer)
            do throws(Problem) {
                try scanner.value(depth: 0)
                scanner.skipWhitespace()
                guard scanner.index == buffer.count else { throw scanner.problem("the end of the text") }
                return nil
            } catch {
                return error
            }
        }
    }

    /// Whether `bytes` are one JSON value with optional whitespace around it.
    package static func isValid(_ bytes: [UInt8]) -> Bool {
        problem(in: bytes) == nil
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        func problem(_ expected: String) -> Problem {
            Problem(offset: index, expected: expected)
        }

        var next: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let byte = next, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        mutating func value(depth: Int) throws(Problem) {
            skipWhitespace()
            guard let byte = next else { throw problem("a value") }
            switch byte {
            case UInt8(ascii: "{"): try object(depth: depth + 1)
            case UInt8(ascii: "["): try array(depth: depth + 1)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw problem("a value")
            }
        }

        mutating func object(depth: Int) throws(Problem) {
            if try open(closing: UInt8(ascii: "}"), depth: depth) { return }
            repeat {
                skipWhitespace()
                guard next == UInt8(ascii: "\"") else { throw problem("a string") }
                try string()
                skipWhitespace()
                guard next == UInt8(ascii: ":") else { throw problem("\":\"") }
                index += 1
                try value(depth: depth)
            } while try !close(UInt8(ascii: "}"))
        }

        mutating func array(depth: Int) throws(Problem) {
            if try open(closing: UInt8(ascii: "]"), depth: depth) { return }
            repeat {
                try value(depth: depth)
            } while try !close(UInt8(ascii: "]"))
        }

        /// Consumes an opening bracket; `true` if its closing one follows (and is consumed too).
        mutating func open(closing: UInt8, depth: Int) throws(Problem) -> Bool {
            guard depth <= JSONSyntax.maxDepth else {
                throw problem("at most \(JSONSyntax.maxDepth) levels of nesting")
            }
            index += 1
            skipWhitespace()
            guard next == closing else { return false }
            index += 1
            return true
        }

        /// After a member: consumes a comma (`false`) or the closing bracket (`true`).
        mutating func close(_ closing: UInt8) throws(Problem) -> Bool {
            skipWhitespace()
            switch next {
            case UInt8(ascii: ","):
                index += 1
                return false
            case closing:
                index += 1
                return true
            default:
                throw problem("\",\" or \"\(Character(Unicode.Scalar(closing)))\"")
            }
        }

        mutating func literal(_ word: StaticString) throws(Problem) {
            let start = index
            for expected in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
                guard next == expected else {
                    index = start
                    throw problem("a value")
                }
                index += 1
            }
        }

        mutating func number() throws(Problem) {
            if next == UInt8(ascii: "-") { index += 1 }
            if next == UInt8(ascii: "0") {
                index += 1
            } else {
                guard try digits() else { throw problem("a digit") }
            }
            if next == UInt8(ascii: ".") {
                index += 1
                guard try digits() else { throw problem("a digit") }
            }
            if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
                index += 1
                if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { index += 1 }
                guard try digits() else { throw problem("a digit") }
            }
        }

        /// Consumes a run of digits; `false` if there was none.
        mutating func digits() throws(Problem) -> Bool {
            let start = index
            while let byte = next, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
            return index > start
        }

        mutating func string() throws(Problem) {
            index += 1
            while true {
                // Eight bytes at a time while eight are left, straight to the first that is not
                // plain text: keys and short values end within their first word.
                if let base = bytes.baseAddress {
                    while bytes.count - index >= 8 {
                        let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                        let flags = Self.notPlain(word)
                        guard flags != 0 else {
                            index += 8
                            continue
                        }
                        index += flags.trailingZeroBitCount / 8
                        break
                    }
                }
                guard index < bytes.count else { throw problem("the closing quote of a string") }
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    try escape()
                case 0..<0x20:
                    throw problem("a control character to be escaped")
                case 0x20..<0x80:
                    index += 1  // plain, in the last bytes
                default:
                    try scalar()
                }
            }
        }

        /// The high bit of each byte of `word` (its first byte lowest) that is not a plain string
        /// byte: below 0x20, at or above 0x80, a quote or a backslash. A borrow can only spread
        /// upward from a byte that is itself flagged, so the lowest flag is exact: the first byte
        /// that is not plain.
        static func notPlain(_ word: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            let quotes = word ^ (ones &* 0x22)
            let backslashes = word ^ (ones &* 0x5C)
            let control = (word &- ones &* 0x20) & ~word
            let quote = (quotes &- ones) & ~quotes
            let backslash = (backslashes &- ones) & ~backslashes
            return (word | control | quote | backslash) & highs
        }

        mutating func escape() throws(Problem) {
            let start = index - 1
            switch next {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                index += 1
            case UInt8(ascii: "u"):
                index += 1
                let unit = try hex()
                guard !(0xDC00...0xDFFF).contains(unit) else {
                    index = start
                    throw problem("a high surrogate escape before a low one")
                }
                // A high surrogate stands only before a low one: together they are one scalar.
                guard (0xD800...0xDBFF).contains(unit) else { return }
                let second = index
                guard next == UInt8(ascii: "\\"), second + 1 < bytes.count, bytes[second + 1] == UInt8(ascii: "u")
                else {
                    throw problem("a low surrogate escape after a high one")
                }
                index += 2
                guard (0xDC00...0xDFFF).contains(try hex()) else {
                    index = second
                    throw problem("a low surrogate escape after a high one")
                }
            default:
                throw problem("an escape (\\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\u and 4 hex digits)")
            }
        }

        mutating func hex() throws(Problem) -> UInt32 {
            var unit: UInt32 = 0
            for _ in 0..<4 {
                let digit: UInt32
                switch next {
                case let byte? where byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"):
                    digit = UInt32(byte - UInt8(ascii: "0"))
                case let byte? where byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"):
                    digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case let byte? where byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"):
                    digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default:
                    throw problem("a hex digit")
                }
                unit = unit << 4 | digit
                index += 1
            }
            return unit
        }

        /// One UTF-8 sequence of two to four bytes: no overlong forms, surrogates or values past
        /// U+10FFFF.
        mutating func scalar() throws(Problem) {
            let lead = bytes[index]
            let count: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: count = 2
            case 0xE0:
                count = 3
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: count = 3
            case 0xED:
                count = 3
                high = 0x9F
            case 0xF0:
                count = 4
                low = 0x90
            case 0xF1...0xF3: count = 4
            case 0xF4:
                count = 4
                high = 0x8F
            default: throw problem("UTF-8")
            }
            for position in 1..<count {
                let offset = index + position
                guard offset < bytes.count else { throw problem("UTF-8") }
                let byte = bytes[offset]
                let range = position == 1 ? low...high : 0x80...0xBF
                guard range.contains(byte) else { throw problem("UTF-8") }
            }
            index += count
        }
    }
}
