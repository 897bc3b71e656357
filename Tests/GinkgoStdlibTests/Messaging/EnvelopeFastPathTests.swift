import Foundation
import GinkgoZeroMQ
import Testing

@testable import GinkgoStdlib

/// The envelope header's own reader and writer agree with Foundation's JSON coders, and hand
/// everything they do not handle to them.
struct EnvelopeFastPathTests {
    static let headers: [MessagingEnvelope] = [
        MessagingEnvelope(kind: .request, id: "42", method: "echo"),
        MessagingEnvelope(kind: .reply, id: "42"),
        MessagingEnvelope(kind: .error),
        MessagingEnvelope(kind: .heartbeat, id: "hb-7"),
        MessagingEnvelope(kind: .publish, topic: "orders/eu/new", encoding: "msgpack"),
        MessagingEnvelope(kind: .job, id: "j-1", method: "thumbnail"),
        MessagingEnvelope(kind: .ack, id: "élan ✓ 日本"),
        MessagingEnvelope(kind: .request, id: "", method: ""),
        // Longer than any buffer size guessed for a header: the writer sizes its buffer per header.
        MessagingEnvelope(
            kind: .publish,
            id: String(repeating: "7", count: 300),
            method: String(repeating: "m", count: 5000),
            topic: String(repeating: "é", count: 700),
            encoding: "json"
        ),
    ]

    @Test(arguments: headers) func writesTheBytesJSONEncoderWrites(header: MessagingEnvelope) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = Array(try encoder.encode(header))
        #expect(EnvelopeFastPath.frame(header).map(Array.init) == expected)
        #expect(EnvelopeFastPath.decode(Frame(expected)) == header)
        // Read in place from a frame, short (kept inline) or long.
        #expect(try MessagingEnvelope.parse(header.message(payload: [1])) == (header, [1]))
    }

    @Test func writesTheVersionAsJSONEncoderDoes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for version in [0, 7, 10, 123_456, -1, -42, Int.max, Int.min] {
            var header = MessagingEnvelope(kind: .ack)
            header.v = version
            #expect(EnvelopeFastPath.frame(header).map(Array.init) == Array(try encoder.encode(header)), "v \(version)")
        }
    }

    @Test func leavesStringsThatNeedEscapingToJSONEncoder() throws {
        for id in ["say \"hi\"", "back\\slash", "line\nbreak", "\u{1}"] {
            let header = MessagingEnvelope(kind: .reply, id: id)
            #expect(EnvelopeFastPath.frame(header) == nil)
            let (parsed, _) = try MessagingEnvelope.parse(header.message(payload: []))
            #expect(parsed == header)
        }
    }

    @Test func readsWhitespaceAnyKeyOrderAndTheDefaultEncoding() {
        let text = #" { "v" : 1 ,"method":"add",  "kind":"request","id":"9" } "#
        #expect(EnvelopeFastPath.decode(Frame(text)) == MessagingEnvelope(kind: .request, id: "9", method: "add"))
        #expect(EnvelopeFastPath.decode(Frame(#"{"kind":"ack","v":2}"#))?.v == 2)
    }

    @Test(arguments: [
        #"{"v":1,"kind":"reply","id":"a\"b"}"#,  // an escape
        #"{"v":1,"kind":"reply","id":null}"#,  // null
        #"{"v":1,"kind":"reply","id":"1","id":"2"}"#,  // a repeated key
        #"{"v":1.0,"kind":"reply"}"#,  // not a plain integer
        #"{"v":01,"kind":"reply"}"#,  // a leading zero
        #"{"v":99999999999999999999,"kind":"reply"}"#,  // too big
        #"{"v":1,"kind":"shout"}"#,  // an unknown kind
        #"{"v":1,"kind":"reply","extra":{"a":[1]}}"#,  // another field
        #"{"v":1,"kind":"reply"} trailing"#,  // text after the object
        #"{"v":1,"kind":"reply""#,  // cut short
        #"{"kind":"reply"}"#,  // no version
        #"{"v":1}"#,  // no kind
        #"[1,2]"#,  // not an object
        "",  // nothing
    ])
    func handsAnythingElseToJSONDecoder(text: String) {
        #expect(EnvelopeFastPath.decode(Frame(text)) == nil)
    }

    @Test func invalidUTF8IsNotReadAsText() {
        let bytes = Array(#"{"v":1,"kind":"reply","id":""#.utf8) + [0xff, 0xfe] + Array(#""}"#.utf8)
        #expect(EnvelopeFastPath.decode(Frame(bytes)) == nil)
        #expect(throws: MessagingError.self) {
            try MessagingEnvelope.parse(Message(frames: [Frame(bytes), Frame([])]))
        }
    }

    @Test func whatTheFastPathRefusesStillParsesOrFailsAsBefore() throws {
        let escaped = Message(frames: [Frame(Array(#"{"v":1,"kind":"reply","id":"a\"b"}"#.utf8)), Frame([])])
        #expect(try MessagingEnvelope.parse(escaped).0.id == "a\"b")
        let extra = Message(frames: [Frame(Array(#"{"v":1,"kind":"reply","extra":[1]}"#.utf8)), Frame([])])
        #expect(try MessagingEnvelope.parse(extra).0.kind == .reply)
        let unknown = Message(frames: [Frame(Array(#"{"v":1,"kind":"shout"}"#.utf8)), Frame([])])
        let error = #expect(throws: MessagingError.self) { try MessagingEnvelope.parse(unknown) }
        #expect(error?.code == .badEnvelope)
        #expect("\(error!)".contains("kind"))
        let future = Message(frames: [Frame(Array(#"{"v":2,"kind":"reply"}"#.utf8)), Frame([])])
        #expect(
            (#expect(throws: MessagingError.self) { try MessagingEnvelope.parse(future) })?.code == .unsupportedVersion
        )
    }

    @Test func theTemplateOfCallsAndAnswersReadsAsTheReaderDoes() throws {
        for header in [
            MessagingEnvelope(kind: .request, id: "42", method: "echo"),
            MessagingEnvelope(kind: .reply, id: "18446744073709551615"),
            MessagingEnvelope(kind: .error, id: "élan"),
            MessagingEnvelope(kind: .heartbeat, id: "hb-3"),
            MessagingEnvelope(kind: .job, id: "", method: ""),
            MessagingEnvelope(kind: .reply, id: "7", method: "m"),
            MessagingEnvelope(kind: .request, id: "7", method: "élan ✓"),
        ] {
            let frame = try #require(EnvelopeFastPath.frame(header))
            let matched = try #require(
                frame.withUnsafeBytes { EnvelopeFastPath.Template.match($0.bindMemory(to: UInt8.self)) }
            )
            #expect(matched.kind == header.kind)
            #expect(EnvelopeFastPath.decode(frame) == header)
        }
        // Anything else is left to the reader, which reads it all the same.
        for text in [
            #"{"encoding":"json","id":"7","kind":"reply","v":2}"#,
            #"{"encoding":"json", "id":"7","kind":"reply","v":1}"#,
            #"{"encoding":"msgpack","id":"7","kind":"reply","v":1}"#,
            #"{"encoding":"json","id":"7","kind":"publish","topic":"t","v":1}"#,
            #"{"encoding":"json","id":"7","kind":"reply","v":1} "#,
            #"{"encoding":"json","id":"7","kind":"request","method":"echo","v":2}"#,
            #"{"encoding":"json","id":"7","kind":"request","method":"echo","v":1} "#,
            #"{"encoding":"json","id":"7","kind":"request","method":"echo","topic":"t","v":1}"#,
        ] {
            let frame = Frame(text)
            #expect(frame.withUnsafeBytes { EnvelopeFastPath.Template.match($0.bindMemory(to: UInt8.self)) } == nil)
            #expect(EnvelopeFastPath.decode(frame) != nil, "\(text)")
        }
        for text in [
            #"{"encoding":"json","id":"7","kind":"reply","v":1"#,
            #"{"encoding":"json","id":"a\"b","kind":"reply","v":1}"#,
            #"{"encoding":"json","id":"7","kind":"shout","v":1}"#,
            #"{"encoding":"json","id":"7","kind":"request","method":"echo","v":1"#,
            #"{"encoding":"json","id":"7","kind":"request","method":"e\"cho","v":1}"#,
        ] {
            #expect(EnvelopeFastPath.decode(Frame(text)) == nil, "\(text)")
        }
    }

    @Test func anAnswerGivesItsKindAndCallIDWithoutStrings() {
        func answer(_ header: MessagingEnvelope) -> (MessagingEnvelope.Kind, UInt64?)? {
            EnvelopeFastPath.frame(header).flatMap { $0.withUnsafeBytes(EnvelopeFastPath.answer) }.map {
                ($0.kind, $0.callID)
            }
        }
        #expect(answer(MessagingEnvelope(kind: .reply, id: "42"))! == (.reply, 42))
        #expect(answer(MessagingEnvelope(kind: .error, id: "18446744073709551615"))! == (.error, UInt64.max))
        // Ids no call has: past the range, not digits, absent.
        #expect(answer(MessagingEnvelope(kind: .reply, id: "18446744073709551616"))! == (.reply, nil))
        #expect(answer(MessagingEnvelope(kind: .heartbeat, id: "hb-3"))! == (.heartbeat, nil))
        #expect(answer(MessagingEnvelope(kind: .error, id: "-1"))! == (.error, nil))
        #expect(answer(MessagingEnvelope(kind: .error))! == (.error, nil))
        // Another version, or a string that is not UTF-8: the full parse decides and says why.
        var future = MessagingEnvelope(kind: .reply, id: "1")
        future.v = 2
        #expect(answer(future) == nil)
        let bytes =
            Array(#"{"encoding":"json","id":"1","kind":"reply","method":""#.utf8) + [0xff] + Array(#"","v":1}"#.utf8)
        #expect(bytes.withUnsafeBytes(EnvelopeFastPath.answer) == nil)
    }

    /// Ids of every count of digits, each on both sides of its power of ten: the writer counts an
    /// id's digits before it writes them, from the last.
    static let idsAtEveryLength: [UInt64] =
        [0, UInt64.max]
        + (1...19).flatMap { exponent -> [UInt64] in
            let power = (0..<exponent).reduce(UInt64(1)) { value, _ in value * 10 }
            return [power - 1, power, power + 7]
        }

    @Test func aCallIDIsReadFromPlainDigitsWithinRange() {
        func callID(_ text: String) -> UInt64? {
            Array(text.utf8).withUnsafeBufferPointer(EnvelopeFastPath.callID)
        }
        for id in Self.idsAtEveryLength { #expect(callID(String(id)) == id) }
        #expect(callID("007") == 7)
        for text in [
            "", "12a", "-1", "1/", ":1", " 1", "18446744073709551616", "99999999999999999999", "123456789012345678901",
        ] {
            #expect(callID(text) == nil, "\(text)")
        }
    }

    @Test func aCallsHeaderIsWrittenAsTheEnvelopeWritesIt() throws {
        for id in Self.idsAtEveryLength {
            for method in ["echo", "", "élan ✓", String(repeating: "m", count: 300)] {
                let header = MessagingEnvelope(kind: .request, id: String(id), method: method)
                let written = try #require(EnvelopeFastPath.Template.request(id: id, method: method))
                #expect(Array(written) == Array(header.frame), "\(id) \(method)")
            }
        }
        #expect(EnvelopeFastPath.Template.request(id: 1, method: "say \"hi\"") == nil)
    }

    @Test func anAnswersHeaderIsWrittenAsTheEnvelopeWritesIt() throws {
        for kind in [MessagingEnvelope.Kind.reply, .error] {
            for id in ["42", "", "élan ✓", String(repeating: "7", count: 300)] {
                let written = try #require(EnvelopeFastPath.Template.withAnswer(kind, id: id) { Array($0) })
                #expect(written == Array(MessagingEnvelope(kind: kind, id: id).frame), "\(kind) \(id)")
            }
        }
        for kind in [MessagingEnvelope.Kind.reply, .error] {
            for id in Self.idsAtEveryLength {
                let written = try #require(EnvelopeFastPath.Template.withAnswer(kind, id: .number(id)) { Array($0) })
                #expect(written == Array(MessagingEnvelope(kind: kind, id: String(id)).frame), "\(kind) \(id)")
            }
        }
        #expect(EnvelopeFastPath.Template.withAnswer(.reply, id: "a\\b") { Array($0) } == nil)
        #expect(EnvelopeFastPath.Template.withAnswer(.heartbeat, id: "1") { Array($0) } == nil)
    }
}
