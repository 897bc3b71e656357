import Testing

@testable import GinkgoStdlib

@Suite struct CheckThresholdsTests {
    func run(_ results: String, failures: Int = 3, successes: Int = 2) -> String {
        var thresholds = CheckThresholds(failures: failures, successes: successes)
        return results.map { thresholds.record(passed: $0 == "+") ?? thresholds.status }.map {
            $0 == .up ? "U" : "D"
        }.joined()
    }

    @Test func theFirstResultDecidesAtOnce() {
        #expect(run("+") == "U")
        #expect(run("-") == "D")
    }

    @Test func ittakesFailuresInARowToGoDownAndSuccessesToComeBack() {
        #expect(run("+--+---++") == "UUUUUUDDU")
    }

    @Test func flappingIsDamped() {
        #expect(run("+-+-+-+-+-") == "UUUUUUUUUU")
        #expect(run("-+-+-+-+-+") == "DDDDDDDDDD")
    }

    @Test func thresholdsOfOneFollowEveryResult() {
        #expect(run("+-+", failures: 1, successes: 1) == "UDU")
    }
}
