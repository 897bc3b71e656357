/// A request's id as an answer must repeat it, byte for byte.
///
/// The ids this library's client sends are decimal numbers: such an id is kept as its number
/// and written back from it, with no string made for it (making and checking one, then copying
/// it into the answer's header, was 200 instructions a call on the server). Any other id, and a
/// number written another way (`007`, or past `UInt64`), is kept as its text.
enum RequestID: Equatable, CustomStringConvertible {
    case number(UInt64)
    case text(String)

    /// The id whose text is `bytes`, valid UTF-8 (as ``EnvelopeFastPath/call(_:)`` gives them):
    /// a number when they are its digits as `String(number)` writes them, with no leading zero.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let first = bytes.first, first != UInt8(ascii: "0") || bytes.count == 1,
            let number = EnvelopeFastPath.callID(bytes)
        {
            self = .number(number)
        } else {
            self = .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The id's text.
    var description: String {
        switch self {
        case .number(let number): String(number)
        case .text(let text): text
        }
    }
}
