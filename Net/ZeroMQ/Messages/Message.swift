/// A ZeroMQ message: one or more ``Frame``s, delivered all together or not at all.
///
/// ```swift
/// let message: Message = ["tick", "42"]
/// print(message.strings)  // ["tick", "42"]
/// let reply = Message(frames: [Frame([0x00, 0xff])])
/// ```
public struct Message: Sendable, Hashable {
    /// The frames, first to last.
    public var frames: [Frame]

    /// A message of `frames`.
    public init(frames: [Frame]) {
        self.frames = frames
    }

    /// A message with one frame per string (UTF-8).
    public init(strings: [String]) {
        self.frames = strings.map { Frame($0) }
    }

    /// A message of one frame holding `bytes`.
    public init(_ bytes: some Sequence<UInt8>) {
        self.frames = [Frame(bytes)]
    }

    /// A message of one frame holding `string` in UTF-8.
    public init(_ string: String) {
        self.frames = [Frame(string)]
    }

    /// Every frame decoded as UTF-8.
    public var strings: [String] { frames.map(\.string) }

    /// The total number of bytes in all frames.
    public var byteCount: Int { frames.reduce(0) { $0 + $1.count } }
}

extension Message: RandomAccessCollection, MutableCollection, RangeReplaceableCollection {
    /// An empty message (sending one is an error: a message has at least one frame).
    public init() {
        self.frames = []
    }

    /// The index of the first frame.
    public var startIndex: Int { frames.startIndex }

    /// One past the index of the last frame.
    public var endIndex: Int { frames.endIndex }

    /// The frame at `position`.
    public subscript(position: Int) -> Frame {
        get { frames[position] }
        set { frames[position] = newValue }
    }

    /// Replaces the frames in `subrange` with `newElements`.
    public mutating func replaceSubrange(_ subrange: Range<Int>, with newElements: some Collection<Frame>) {
        frames.replaceSubrange(subrange, with: newElements)
    }
}

extension Message: ExpressibleByArrayLiteral {
    /// A message of the given frames: `["topic", "payload"]`.
    public init(arrayLiteral elements: Frame...) {
        self.frames = elements
    }
}

extension Message: CustomStringConvertible {
    /// The frames, described one by one.
    public var description: String { "[" + frames.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
}
