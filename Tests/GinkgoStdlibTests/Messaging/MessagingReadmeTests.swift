import Ginkgo
import GinkgoStdlib
import Testing

// The README's Messaging examples, verbatim.
struct Order: Codable, Sendable, Equatable {
    var id: Int
    var item: String
}

func firstOrder(on bus: MessageBus) async throws -> Order? {
    for try await message in try bus.subscribe("orders", as: Order.self) {
        return message.value
    }
    return nil
}

func placeOrder(on bus: MessageBus) async throws {
    try await bus.publish("orders", value: Order(id: 1, item: "tea"))
}

struct Thumbnail: Codable, Sendable {
    var path: String
    var width: Int
}

final class Thumbnailer: Service, RunnableService, @unchecked Sendable {
    required init() {
        super.init()
        addService(
            JobWorker { jobs in
                jobs.handle("thumbnail") { (job: Thumbnail) in
                    Thumbnail(path: job.path + ".thumb.png", width: job.width)
                }
            }
        )
    }
}

func makeThumbnail(_ queue: WorkQueue) async throws -> Thumbnail {
    let receipt = try await queue.submit("thumbnail", input: Thumbnail(path: "cat.png", width: 128))
    return try receipt.output(as: Thumbnail.self)
}

@Suite(.timeLimit(.minutes(1)))
struct MessagingReadmeTests {
    @Test func anOrderPlacedOnTheBusReachesASubscriber() async throws {
        try await BusSystem.with { system in
            let bus = try await system.client()
            let order = try await withThrowingTaskGroup(of: Order?.self) { group in
                group.addTask { try await firstOrder(on: bus) }
                // Publish/subscribe: orders placed before the subscription reached the publisher are not delivered.
                group.addTask {
                    while true {
                        try await placeOrder(on: bus)
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
            #expect(order == Order(id: 1, item: "tea"))
            await bus.stop()
        }
    }

    @Test func theThumbnailerDoesAThumbnailJob() async throws {
        try await WorkSystem.with { system in
            let thumbnailer = Thumbnailer()
            thumbnailer.settings = try Settings(overrides: system.settings)
            try await thumbnailer.start()
            let queue = try await system.queue()
            let thumbnail = try await makeThumbnail(queue)
            #expect(thumbnail.path == "cat.png.thumb.png" && thumbnail.width == 128)
            await queue.stop()
            await thumbnailer.stop()
        }
    }
}
