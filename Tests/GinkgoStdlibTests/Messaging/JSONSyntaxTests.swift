import Foundation
import Testing

@testable import GinkgoStdlib

/// The JSON syntax check that RPC servers run on `json:` parameters accepts and refuses what
/// `JSONSerialization` does — except trailing commas, which Foundation lets through and RFC 8259
/// (and Python's `json`, on the other side of many calls) does not — and says where a text stops
/// being JSON.
struct JSONSyntaxTests {
    static let valid = [
        "{}", "[]", "0", "-0", "12", "-1.5e+10", "2E-3", "0.25", "true", "false", "null", #""""#,
        #"{"n":42,"text":"sixteen bytes..."}"#, " \t\n\r[1, [2, [3]], {\"a\": {\"b\": null}}] \n",
        #""esc \" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00""#, "\"élan ✓ 日本 😀\"",
        #"{"a":1,"a":2}"#, "[" + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + "]",
    ]

    static let invalid: [(text: [UInt8], offset: Int, expected: String)] = [
        (Array("".utf8), 0, "a value"),
        (Array("   ".utf8), 3, "a value"),
        (Array("{nope".utf8), 1, "a string"),
        (Array("{\"a\" 1}".utf8), 5, "\":\""),
        (Array("{\"a\":1,}".utf8), 7, "a string"),
        (Array("[1,]".utf8), 3, "a value"),
        (Array("[1 2]".utf8), 3, "\",\" or \"]\""),
        (Array("{\"a\":1".utf8), 6, "\",\" or \"}\""),
        (Array("01".utf8), 1, "the end of the text"),
        (Array("1.".utf8), 2, "a digit"),
        (Array("-".utf8), 1, "a digit"),
        (Array("1e".utf8), 2, "a digit"),
        (Array("+1".utf8), 0, "a value"),
        (Array(".5".utf8), 0, "a value"),
        (Array("tru".utf8), 0, "a value"),
        (Array("nul".utf8), 0, "a value"),
        (Array("NaN".utf8), 0, "a value"),
        (Array("{} {}".utf8), 3, "the end of the text"),
        (Array("\"open".utf8), 5, "the closing quote of a string"),
        (Array("\"tab\there\"".utf8), 4, "a control character to be escaped"),
        (Array(#""\x""#.utf8), 2, #"an escape (\", \\, \/, \b, \f, \n, \r, \t or \u and 4 hex digits)"#),
        (Array(#""\u12G4""#.utf8), 5, "a hex digit"),
        (Array(#""\uDE00""#.utf8), 1, "a high surrogate escape before a low one"),
        (Array(#""\uD83D""#.utf8), 7, "a low surrogate escape after a high one"),
        (Array(#""\uD83D\u0041""#.utf8), 7, "a low surrogate escape after a high one"),
        ([0x22, 0xFF, 0x22], 1, "UTF-8"),
        ([0x22, 0xC3, 0x22], 1, "UTF-8"),
        ([0x22, 0xC0, 0xAF, 0x22], 1, "UTF-8"),  // an overlong "/"
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1, "UTF-8"),  // a surrogate written out in UTF-8
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, "UTF-8"),  // past U+10FFFF
        (Array(String(repeating: "[", count: 513).utf8), 512, "at most 512 levels of nesting"),
        // A NUL between values is refused where it stands, as the end of the text would be.
        ([0x5B, 0x31, 0x00, 0x5D], 2, "\",\" or \"]\""),
        ([0x7B, 0x00], 1, "a string"),
        ([0x00], 0, "a value"),
        ([0x22, 0x00, 0x22], 1, "a control character to be escaped"),
    ]

    @Test(arguments: valid) func acceptsWhatJSONSerializationAccepts(text: String) {
        let bytes = Array(text.utf8)
        #expect((try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) != nil)
        #expect(JSONSyntax.problem(in: bytes) == nil)
    }

    @Test func refusesWhatJSONSerializationRefusesAndSaysWhere() {
        for (text, offset, expected) in Self.invalid {
            let problem = JSONSyntax.problem(in: text)
            #expect(problem == JSONSyntax.Problem(offset: offset, expected: expected), "\(text)")
            let foundationAccepts = text == Array("{\"a\":1,}".utf8) || text == Array("[1,]".utf8)
            if offset < 512, !foundationAccepts {
                #expect(
                    (try? JSONSerialization.jsonObject(with: Data(text), options: .fragmentsAllowed)) == nil,
                    "\(text)"
                )
            }
        }
    }

    /// Strings are scanned eight bytes at a time while the bytes are plain: a byte that is not
    /// (a quote, an escape, a control character, UTF-8 past ASCII) is found at every position of
    /// a word, and a problem is reported at its own offset.
    @Test func findsEveryKindOfByteAtEveryPlaceInAString() {
        let specials: [[UInt8]] = [[0x5C, 0x6E], [0x5C, 0x75, 0x30, 0x30, 0x65, 0x39], [0xC3, 0xA9], [0x7F], [0x20]]
        for before in 0..<20 {
            for after in [0, 1, 7, 8, 9] {
                let head = [UInt8](repeating: UInt8(ascii: "a"), count: before)
                let tail = [UInt8](repeating: UInt8(ascii: "b"), count: after)
                for special in specials {
                    let text = [0x22] + head + special + tail + [0x22]
                    #expect(JSONSyntax.problem(in: text) == nil, "\(text)")
                }
                let control = [0x22] + head + [0x1F] + tail + [0x22]
                #expect(
                    JSONSyntax.problem(in: control)
                        == JSONSyntax.Problem(offset: 1 + before, expected: "a control character to be escaped")
                )
                let escape = [0x22] + head + [0x5C, 0x78] + tail + [0x22]
                #expect(JSONSyntax.problem(in: escape)?.offset == 2 + before, "\\x is no escape")
                let invalid = [0x22] + head + [0xFF] + tail + [0x22]
                #expect(JSONSyntax.problem(in: invalid) == JSONSyntax.Problem(offset: 1 + before, expected: "UTF-8"))
                let early = [0x22] + head + [0x22] + tail + [0x22]
                #expect(
                    JSONSyntax.problem(in: early)
                        == JSONSyntax.Problem(offset: 2 + before, expected: "the end of the text"),
                    "a quote ends the string where it stands"
                )
                let open = [0x22] + head + tail
                #expect(
                    JSONSyntax.problem(in: open)
                        == JSONSyntax.Problem(offset: open.count, expected: "the closing quote of a string")
                )
            }
        }
    }

    @Test func describesTheProblemByByte() {
        #expect(JSONSyntax.problem(in: Array("{nope".utf8))?.description == "byte 1: expected a string")
        #expect(JSONSyntax.isValid(Array("[1]".utf8)))
        #expect(!JSONSyntax.isValid(Array("[1".utf8)))
    }
}
