import Testing

@testable import Ginkgo

@Suite struct DictionaryModifyValueTests {
    struct Worker: Equatable {
        var jobs: Set<Int> = []
        var capacity = 1
    }

    @Test func changesAValueInPlaceAndReturnsWhatTheChangeReturns() {
        var workers = ["a": Worker(), "b": Worker()]
        let inserted = workers.modifyValue(forKey: "a") { $0.jobs.insert(7).inserted }
        #expect(inserted == true)
        workers.modifyValue(forKey: "a") { $0.capacity = 0 }
        #expect(workers["a"] == Worker(jobs: [7], capacity: 0))
        #expect(workers["b"] == Worker())
    }

    @Test func aMissingKeyChangesNothing() {
        var workers = ["a": Worker()]
        var called = false
        let result: Bool? = workers.modifyValue(forKey: "z") { _ in
            called = true
            return true
        }
        #expect(result == nil)
        #expect(!called)
        #expect(workers == ["a": Worker()])
    }
}
