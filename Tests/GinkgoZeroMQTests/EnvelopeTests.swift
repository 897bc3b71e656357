import GinkgoZeroMQ
import Testing

struct EnvelopeTests {
    @Test func splitsAndWrapsARequest() throws {
        let (envelope, request) = try Envelope.split(["peer", "", "ping", "2"])
        #expect(envelope.routing == ["peer"])
        #expect(request.strings == ["ping", "2"])
        #expect(envelope.wrap(["pong"]) == ["peer", "", "pong"])
    }

    @Test func keepsEveryHopOfAQueue() throws {
        let (envelope, request) = try Envelope.split(["queue", "client", "", "ping"])
        #expect(envelope.routing == ["queue", "client"])
        #expect(request == ["ping"])
    }

    @Test func rejectsMalformedRequests() {
        #expect(throws: Envelope.Malformation.noDelimiter(frames: 2)) { try Envelope.split(["peer", "ping"]) }
        #expect(throws: Envelope.Malformation.noDelimiter(frames: 1)) { try Envelope.split(["peer"]) }
        #expect(throws: Envelope.Malformation.noBody) { try Envelope.split(["peer", ""]) }
    }
}

extension EnvelopeTests {
    @Test func anEmptyReplyStillHasAFrame() throws {
        let (envelope, _) = try Envelope.split(["peer", "", "ping"])
        #expect(envelope.wrap(Message()) == ["peer", "", ""])
    }
}
