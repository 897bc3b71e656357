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
            guard let start = buffer.baseAddress, !buffer.isEmpty else {
                return Problem(offset: 0, expected: "a value")
            }
            let end = start + buffer.count
            do throws(Failure) {
                let at = skipWhitespace(try value(start, end, depth: 0), end)
                guard at == end else { throw Failure(at, "the end of the text") }
                return nil
            } catch {
                return Problem(offset: error.address - Int(bitPattern: start), expected: error.expected)
            }
        }
    }

    /// Whether `bytes` are one JSON value with optional whitespace around it.
    package static func isValid(_ bytes: [UInt8]) -> Bool {
        problem(in: bytes) == nil
    }

    /// Where a text stops being JSON, as a pointer; ``problem(in:)`` makes it an offset.
    private struct Failure: Error {
        /// The address of the byte (a pointer is not `Sendable`, as an error must be).
        let address: Int
        let expected: String

        init(_ at: UnsafePointer<UInt8>, _ expected: String) {
            self.address = Int(bitPattern: at)
            self.expected = expected
        }
    }

    /// The scanner: each step takes where it starts and returns where it ended, so that the
    /// position stays in a register, never in memory (row 5 of `Benchmarks/run` checks the
    /// parameters of every call). `end` is one past the last byte.
    private typealias Position = UnsafePointer<UInt8>

    /// The byte at `at`, or 0 at the end. Read only outside strings, where a NUL is no more JSON
    /// than the end is: both get the same problem, at the same offset.
    @inline(__always)
    private static func byte(_ at: Position, _ end: Position) -> UInt8 { at < end ? at.pointee : 0 }

    @inline(__always)
    private static func skipWhitespace(_ at: Position, _ end: Position) -> Position {
        var at = at
        // Space, tab, line feed and carriage return, as bits of one mask.
        while at < end, at.pointee <= 0x20, (1 as UInt64) << at.pointee & 0x1_0000_2600 != 0 { at += 1 }
        return at
    }

    private static func value(_ at: Position, _ end: Position, depth: Int) throws(Failure) -> Position {
        let at = skipWhitespace(at, end)
        switch byte(at, end) {
        case UInt8(ascii: "{"): return try object(at, end, depth: depth + 1)
        case UInt8(ascii: "["): return try array(at, end, depth: depth + 1)
        case UInt8(ascii: "\""): return try string(at, end)
        case UInt8(ascii: "t"): return try literal("true", at, end)
        case UInt8(ascii: "f"): return try literal("false", at, end)
        case UInt8(ascii: "n"): return try literal("null", at, end)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number(at, end)
        default: throw Failure(at, "a value")
        }
    }

    private static func object(_ at: Position, _ end: Position, depth: Int) throws(Failure) -> Position {
        var at = try open(at, end, depth: depth)
        if byte(at, end) == UInt8(ascii: "}") { return at + 1 }
        while true {
            at = skipWhitespace(at, end)
            guard byte(at, end) == UInt8(ascii: "\"") else { throw Failure(at, "a string") }
            at = skipWhitespace(try string(at, end), end)
            guard byte(at, end) == UInt8(ascii: ":") else { throw Failure(at, "\":\"") }
            at = skipWhitespace(try value(at + 1, end, depth: depth), end)
            switch byte(at, end) {
            case UInt8(ascii: ","): at += 1
            case UInt8(ascii: "}"): return at + 1
            default: throw Failure(at, "\",\" or \"}\"")
            }
        }
    }

    private static func array(_ at: Position, _ end: Position, depth: Int) throws(Failure) -> Position {
        var at = try open(at, end, depth: depth)
        if byte(at, end) == UInt8(ascii: "]") { return at + 1 }
        while true {
            at = skipWhitespace(try value(at, end, depth: depth), end)
            switch byte(at, end) {
            case UInt8(ascii: ","): at += 1
            case UInt8(ascii: "]"): return at + 1
            default: throw Failure(at, "\",\" or \"]\"")
            }
        }
    }

    /// Past an opening bracket and the whitespace after it.
    @inline(__always)
    private static func open(_ at: Position, _ end: Position, depth: Int) throws(Failure) -> Position {
        guard depth <= maxDepth else { throw Failure(at, "at most \(maxDepth) levels of nesting") }
        return skipWhitespace(at + 1, end)
    }

    private static func literal(_ word: StaticString, _ at: Position, _ end: Position) throws(Failure) -> Position {
        let count = word.utf8CodeUnitCount
        guard end - at >= count else { throw Failure(at, "a value") }
        for offset in 0..<count where at[offset] != word.utf8Start[offset] { throw Failure(at, "a value") }
        return at + count
    }

    @inline(__always)
    private static func number(_ at: Position, _ end: Position) throws(Failure) -> Position {
        var at = at
        if byte(at, end) == UInt8(ascii: "-") { at += 1 }
        if byte(at, end) == UInt8(ascii: "0") {
            at += 1
        } else {
            at = try digits(at, end)
        }
        if byte(at, end) == UInt8(ascii: ".") { at = try digits(at + 1, end) }
        if byte(at, end) | 0x20 == UInt8(ascii: "e") {
            at += 1
            if byte(at, end) == UInt8(ascii: "+") || byte(at, end) == UInt8(ascii: "-") { at += 1 }
            at = try digits(at, end)
        }
        return at
    }

    /// Past a run of one digit or more.
    @inline(__always)
    private static func digits(_ first: Position, _ end: Position) throws(Failure) -> Position {
        var at = first
        while at < end, at.pointee &- UInt8(ascii: "0") < 10 { at += 1 }
        guard at > first else { throw Failure(at, "a digit") }
        return at
    }

    private static func string(_ quote: Position, _ end: Position) throws(Failure) -> Position {
        var at = quote + 1
        while true {
            // Eight bytes at a time while eight are left, straight to the first that is not
            // plain text: keys and short values end within their first word.
            while end - at >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(at).loadUnaligned(as: UInt64.self))
                let flags = notPlain(word)
                guard flags != 0 else {
                    at += 8
                    continue
                }
                at += flags.trailingZeroBitCount / 8
                break
            }
            guard at < end else { throw Failure(at, "the closing quote of a string") }
            switch at.pointee {
            case UInt8(ascii: "\""): return at + 1
            case UInt8(ascii: "\\"): at = try escape(at, end)
            case 0..<0x20: throw Failure(at, "a control character to be escaped")
            case 0x20..<0x80: at += 1  // plain, in the last bytes
            default: at = try scalar(at, end)
            }
        }
    }

    /// The high bit of each byte of `word` (its first byte lowest) that is not a plain string
    /// byte: below 0x20, at or above 0x80, a quote or a backslash. A borrow can only spread
    /// upward from a byte that is itself flagged, so the lowest flag is exact: the first byte
    /// that is not plain.
    @inline(__always)
    private static func notPlain(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        let quote = (quotes &- ones) & ~quotes
        let backslash = (backslashes &- ones) & ~backslashes
        return (word | control | quote | backslash) & highs
    }

    /// Past the escape whose backslash is at `backslash`.
    private static func escape(_ backslash: Position, _ end: Position) throws(Failure) -> Position {
        let at = backslash + 1
        switch byte(at, end) {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return at + 1
        case UInt8(ascii: "u"):
            let unit = try hex(at + 1, end)
            guard !(0xDC00...0xDFFF).contains(unit) else {
                throw Failure(backslash, "a high surrogate escape before a low one")
            }
            // A high surrogate stands only before a low one: together they are one scalar.
            let second = at + 5
            guard (0xD800...0xDBFF).contains(unit) else { return second }
            guard end - second >= 2, second[0] == UInt8(ascii: "\\"), second[1] == UInt8(ascii: "u"),
                (0xDC00...0xDFFF).contains(try hex(second + 2, end))
            else {
                throw Failure(second, "a low surrogate escape after a high one")
            }
            return second + 6
        default:
            throw Failure(at, "an escape (\\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\u and 4 hex digits)")
        }
    }

    /// The four hex digits at `at`.
    private static func hex(_ at: Position, _ end: Position) throws(Failure) -> UInt32 {
        var unit: UInt32 = 0
        for offset in 0..<4 {
            let byte = byte(at + offset, end)
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Failure(at + offset, "a hex digit")
            }
            unit = unit << 4 | UInt32(digit)
        }
        return unit
    }

    /// Past one UTF-8 sequence of two to four bytes: no overlong forms, surrogates or values past
    /// U+10FFFF.
    private static func scalar(_ at: Position, _ end: Position) throws(Failure) -> Position {
        let count: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch at.pointee {
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
        default: throw Failure(at, "UTF-8")
        }
        guard end - at >= count else { throw Failure(at, "UTF-8") }
        for position in 1..<count {
            let range = position == 1 ? low...high : 0x80...0xBF
            guard range.contains(at[position]) else { throw Failure(at, "UTF-8") }
        }
        return at + count
    }
}
