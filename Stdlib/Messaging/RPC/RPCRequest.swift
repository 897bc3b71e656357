import Foundation
import GinkgoZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// What an ``RPCServer`` makes of the frames it received after the routing frame.
enum RPCRequest: Equatable {
    /// A liveness probe, answered at once.
    case heartbeat(id: String?)
    /// A call of `method`.
    case call(id: RequestID, method: String, payload: [UInt8])
    /// A message the server cannot use; `id` is the request's when the header names one.
    case refused(id: String?, MessagingError)

    /// The request in `frames` (the frames after the routing id), read where they are: the usual
    /// call with no frame or envelope made, its method's name taken from `names` when it is the
    /// last one seen, its parameters copied into the storage of `spare` (which is left empty);
    /// anything else through the full parse of frames, which names what is wrong.
    ///
    /// `spare` is the parameters of an earlier call, given back once its handler is done: when
    /// nothing else holds them, their storage is reused, and the call costs no allocation and no
    /// deallocation of its parameters (190 instructions fewer). When the handler kept them,
    /// writing to them makes new storage, as a copy would.
    static func read(
        _ frames: Slice<MessageBuffer.Frames>,
        limit: Int,
        names: inout MethodNames,
        spare: inout [UInt8]
    ) -> RPCRequest {
        if frames.count == 2, let header = frames.first, let payload = frames.last,
            header.count + payload.count <= limit, let (id, method) = EnvelopeFastPath.call(header),
            let name = names.name(method)
        {
            var parameters: [UInt8] = []
            swap(&parameters, &spare)
            if parameters.count == payload.count, !payload.isEmpty, let source = payload.baseAddress {
                // The size of the last call's, as calls of one method often are: copied over
                // them (a copy first if the handler kept them), with no emptying and appending
                // (170 instructions against 40).
                parameters.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: source, byteCount: payload.count) }
            } else {
                parameters.replaceSubrange(parameters.indices, with: payload.assumingMemoryBound(to: UInt8.self))
            }
            return .call(id: RequestID(id), method: name, payload: parameters)
        }
        return read(frames.map { Frame(copying: $0) }[...], limit: limit)
    }

    static func read(_ frames: ArraySlice<Frame>, limit: Int) -> RPCRequest {
        let byteCount = frames.reduce(0) { $0 + $1.count }
        if byteCount > limit {
            return .refused(
                id: bestEffortID(frames),
                MessagingError(.tooLarge, "a request of \(byteCount) bytes exceeds the limit of \(limit)")
            )
        }
        let header: MessagingEnvelope
        let payload: [UInt8]
        do {
            (header, payload) = try MessagingEnvelope.parse(frames: frames)
        } catch {
            return .refused(id: bestEffortID(frames), error)
        }
        switch header.kind {
        case .heartbeat:
            return .heartbeat(id: header.id)
        case .request:
            guard let id = header.id, let method = header.method, !method.isEmpty else {
                let missing = header.id == nil ? "id" : "method"
                return .refused(id: header.id, MessagingError(.badEnvelope, "a request needs a \(missing)"))
            }
            guard header.encoding == "json" else {
                return .refused(
                    id: id,
                    MessagingError(.unsupportedEncoding, "encoding \"\(header.encoding)\" is not supported; use json")
                )
            }
            return .call(id: .text(id), method: method, payload: payload)
        default:
            return .refused(
                id: header.id,
                MessagingError(.badEnvelope, "an RPC server takes request and heartbeat, not \(header.kind.rawValue)")
            )
        }
    }

    /// The `id` of a header that is JSON but not a valid envelope (another version, a missing
    /// field), so that its error reply can still be paired with the request.
    private static func bestEffortID(_ frames: ArraySlice<Frame>) -> String? {
        struct Identified: Decodable { var id: String? }
        guard let first = frames.first, first.count <= 4096 else { return nil }
        return (try? JSONDecoder().decode(Identified.self, from: Data(first.bytes)))?.id
    }
}

/// The name of the method a server's requests called last, and its bytes: a batch of calls of one
/// method makes its name once, not once per request (a string made and checked was 140
/// instructions a call).
struct MethodNames {
    private var last = ""
    private var lastBytes: [UInt8] = []

    /// The name spelled by `bytes` (valid UTF-8, not empty), or `nil` for bytes that are not one.
    mutating func name(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        if bytes.count == lastBytes.count, memcmp(base, lastBytes, bytes.count) == 0 { return last }
        guard let name = EnvelopeFastPath.Reader.text(bytes) else { return nil }
        last = name
        lastBytes = Array(bytes)
        return name
    }
}
