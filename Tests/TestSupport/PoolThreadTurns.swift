/// Tests that keep a thread of Swift's pool busy on purpose (a handler that computes without a
/// suspension point until the test releases it) take turns through ``holdingAPoolThread(_:)``:
/// two at once would hold both threads of a 2-core machine, and every other test (the releasing
/// ones included) would wait until their bounds ran out.
public func holdingAPoolThread<Result>(_ body: () async throws -> Result) async throws -> Result {
    await PoolThreadTurns.shared.take()
    do {
        let result = try await body()
        await PoolThreadTurns.shared.give()
        return result
    } catch {
        await PoolThreadTurns.shared.give()
        throw error
    }
}

private actor PoolThreadTurns {
    static let shared = PoolThreadTurns()

    private var taken = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func take() async {
        guard taken else {
            taken = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func give() {
        if waiting.isEmpty {
            taken = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
