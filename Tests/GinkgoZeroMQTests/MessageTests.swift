import GinkgoZeroMQ
import Testing

struct MessageTests {
    @Test func framesAreValuesWithStringConveniences() {
        let frame: Frame = "héllo"
        #expect(frame.string == "héllo")
        #expect(frame.count == 6)
        #expect(Frame([104, 105]) == "hi")
        #expect(Frame.empty.isEmpty)
        #expect(Frame([0xff, 0x00]).description == "0xff00")
        #expect(Set<Frame>(["a", "a", "b"]).count == 2)
    }

    @Test func messagesAreCollectionsOfFrames() {
        var message: Message = ["topic", "body"]
        message.append("more")
        #expect(message.strings == ["topic", "body", "more"])
        #expect(message.count == 3)
        #expect(message.byteCount == 13)
        #expect(Message(strings: ["a", "b"]) == ["a", "b"])
        #expect(Message("x").frames == ["x"])
    }
}
