import CZeroMQ

/// A ZeroMQ message: one or more ``Frame``s, delivered all together or not at all.
///
/// ```swift
/// let message: Message = ["tick", "42"]
/// print(message.strings)  // ["tick", "42"]
/// let reply = Message(frames: [Frame([0x00, 0xff])])
/// ```
public struct Message: Sendable, Hashable {
    /// Most messages have one frame: it is kept without an array, which saves an allocation per
    /// message on the receive path. A message of one frame is always `.single`.
    enum Storage: Sendable, Hashable {
        case single(Frame)
        case multiple([Frame])
    }

    var storage: Storage

    /// The frames, first to last.
    public var frames: [Frame] {
        get {
            switch storage {
            case .single(let frame): [frame]
            case .multiple(let frames): frames
            }
        }
        set { storage = newValue.count == 1 ? .single(newValue[0]) : .multiple(newValue) }
    }

    /// A message of `frames`.
    public init(frames: [Frame]) {
        self.storage = frames.count == 1 ? .single(frames[0]) : .multiple(frames)
    }

    /// A message of one frame.
    init(single frame: Frame) {
        self.storage = .single(frame)
    }

    /// A message with one frame per string (UTF-8).
    public init(strings: [String]) {
        self.init(frames: strings.map { Frame($0) })
    }

    /// A message of one frame holding `bytes`.
    public init(_ bytes: some Sequence<UInt8>) {
        self.storage = .single(Frame(bytes))
    }

    /// A message of one frame holding `string` in UTF-8.
    public init(_ string: String) {
        self.storage = .single(Frame(string))
    }

    /// Every frame decoded as UTF-8.
    public var strings: [String] { frames.map(\.string) }

    /// The total number of bytes in all frames.
    public var byteCount: Int { reduce(0) { $0 + $1.count } }
}

extension Message: RandomAccessCollection, MutableCollection, RangeReplaceableCollection {
    /// An empty message (sending one is an error: a message has at least one frame).
    public init() {
        self.storage = .multiple([])
    }

    /// The index of the first frame.
    public var startIndex: Int { 0 }

    /// One past the index of the last frame.
    public var endIndex: Int {
        switch storage {
        case .single: 1
        case .multiple(let frames): frames.count
        }
    }

    /// Initialises `outgoing` (uninitialised) with the bytes of frame `index`, for sending: the
    /// frame is read in place, where `self[index]` made a copy of it to destroy again.
    func makeOutgoing(frame index: Int, _ outgoing: UnsafeMutablePointer<zmq_msg_t>) {
        switch storage {
        case .single(let frame): frame.makeOutgoing(outgoing)
        case .multiple(let frames): frames[index].makeOutgoing(outgoing)
        }
    }

    /// The frame at `position`.
    public subscript(position: Int) -> Frame {
        get {
            switch storage {
            case .single(let frame):
                precondition(position == 0, "Message index out of range")
                return frame
            case .multiple(let frames):
                return frames[position]
            }
        }
        set {
            if case .single = storage, position == 0 {
                storage = .single(newValue)
            } else {
                frames[position] = newValue
            }
        }
    }

    /// Replaces the frames in `subrange` with `newElements`.
    public mutating func replaceSubrange(_ subrange: Range<Int>, with newElements: some Collection<Frame>) {
        frames.replaceSubrange(subrange, with: newElements)
    }
}

extension Message: ExpressibleByArrayLiteral {
    /// A message of the given frames: `["topic", "payload"]`.
    public init(arrayLiteral elements: Frame...) {
        self.init(frames: elements)
    }
}

extension Message: CustomStringConvertible {
    /// The frames, described one by one.
    public var description: String { "[" + map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
}
