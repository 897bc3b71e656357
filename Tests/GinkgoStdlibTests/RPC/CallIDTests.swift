import Testing

@testable import GinkgoStdlib

/// `CallID` replaces SipHash with a multiplication: a table of them must still find every call,
/// through growth and removals in any order.
struct CallIDTests {
    @Test func aTableOfConsecutiveIDsFindsEachCallThroughGrowthAndRemovals() {
        var table: [CallID: UInt64] = [:]
        for id in UInt64(1)...10_000 { table[CallID(id)] = id * 2 }
        var gone = Set<UInt64>()
        var generator = SystemRandomNumberGenerator()
        for id in (UInt64(1)...10_000).shuffled(using: &generator).prefix(6_000) {
            #expect(table.removeValue(forKey: CallID(id)) == id * 2)
            gone.insert(id)
        }
        for id in UInt64(1)...10_000 {
            #expect(table[CallID(id)] == (gone.contains(id) ? nil : id * 2), "call \(id)")
        }
        #expect(table.count == 4_000)
    }

    @Test func equalIDsHashAlikeAndNeighboursLandApart() {
        #expect(CallID(7) == CallID(7))
        #expect(CallID(7).hashValue == CallID(7).hashValue)
        #expect(CallID(7) != CallID(8))
        // The low bits pick the bucket: 64 consecutive ids use 64 distinct values of the low 7.
        let buckets = Set((UInt64(1_000)..<1_064).map { CallID($0)._rawHashValue(seed: 0) & 127 })
        #expect(buckets.count == 64)
    }
}
